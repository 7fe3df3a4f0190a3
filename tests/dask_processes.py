"""A real Dask scheduler and worker started as subprocesses on 127.0.0.1, for the search tests.

They are stopped by their process ids (terminate, then kill) when the context exits.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path


def stop(process: subprocess.Popen) -> None:
    """Terminate a process we started, by its id; kill it if it does not exit."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _scheduler_address(scheduler_file: Path, process: subprocess.Popen, log: Path, timeout: float = 60) -> str:
    """The address a ``dask scheduler --scheduler-file`` wrote, once the file is complete."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (OSError, ValueError, KeyError):  # not there yet, or half written
            time.sleep(0.05)
    raise AssertionError(f"the scheduler did not start (exit {process.poll()}):\n{log.read_text()}")


@contextlib.contextmanager
def scheduler_and_worker(folder: Path):
    """``dask scheduler`` (port chosen by the OS) and one ``dask worker`` (1 process, 1 thread).

    Yields ``(address, worker_pid)`` once the worker has registered.
    """
    import distributed

    scheduler_file = folder / "scheduler.json"
    logs = {name: open(folder / f"{name}.log", "wb") for name in ("scheduler", "worker")}
    processes: list[subprocess.Popen] = []
    try:
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
             "--no-dashboard", "--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(scheduler_file)],
            stdout=logs["scheduler"], stderr=subprocess.STDOUT,
        ))
        address = _scheduler_address(scheduler_file, processes[0], folder / "scheduler.log")
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--host", "127.0.0.1",
             "--nworkers", "1", "--nthreads", "1", "--no-nanny", "--no-dashboard", "--dashboard-address",
             "127.0.0.1:0", "--death-timeout", "60", "--local-directory", str(folder / "worker")],
            stdout=logs["worker"], stderr=subprocess.STDOUT,
        ))
        with distributed.Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(1, timeout=60)
        yield address, processes[1].pid
    finally:
        for process in reversed(processes):
            stop(process)
        for log in logs.values():
            log.close()
