"""Ctrl-C (or a kill) at a chosen moment: signal a running ``nnlab`` command once a condition holds."""

from __future__ import annotations

import signal
import subprocess
import time
from typing import Callable


def start_interruptible(args, **kwargs) -> subprocess.Popen:
    """``subprocess.Popen(args, ...)`` with SIGINT at its default in the child, so that Python
    there turns it into KeyboardInterrupt even when this process ignores it (a shell starts a
    background job, ``make test &``, with SIGINT ignored, and children inherit that)."""
    return subprocess.Popen(args, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL), **kwargs)


def sigint_when(process: subprocess.Popen, ready: Callable[[], bool], poll: float = 0.02,
                timeout: float = 120, signum: int = signal.SIGINT) -> tuple[str, str]:
    """Wait until ``ready()`` (or ``timeout`` seconds), check that ``process`` still runs, send
    ``signum`` (SIGINT: Ctrl-C) and return its ``(stdout, stderr)``; the process is killed if
    anything fails first."""
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None and not ready():
            time.sleep(poll)
        assert process.poll() is None, "the command finished before it could be signalled; make trials longer"
        process.send_signal(signum)
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
