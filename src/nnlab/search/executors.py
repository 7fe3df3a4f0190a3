"""Where trials run: in this process, in local worker processes, or on a Dask cluster.

Every executor has one interface, so the runner does not care which one it holds:

- ``submit(task) -> concurrent.futures.Future`` resolving to :func:`~nnlab.search.trial.run_trial`'s
  :class:`~nnlab.search.trial.TrialRecord` (``concurrent.futures.wait(..., return_when=FIRST_COMPLETED)`` works on all of them);
- ``shutdown(cancel=False)``: wait for the submitted trials (or cancel them) and free the workers;
  a ``with`` block shuts down on exit, cancelling when the block raised (``KeyboardInterrupt``);
- ``kind`` ("serial", "processes", "dask") and ``workers`` (trials that can run at once).

The data go to each worker once (a process pool's initializer; one Dask task all trials depend on); each
``submit`` sends only the small :class:`~nnlab.search.trial.TrialTask`. Infrastructure failures that the executor cannot
recover from surface as :class:`ExecutorError` from ``future.result()``; a failing *trial* is not
an error but a record with ``state == "FAIL"``.

Dask is an optional extra (``pip install 'nnlab[dask]'``): its executor lives in
:mod:`nnlab.search.cluster`, imported only when a :class:`~nnlab.search.cluster.DaskExecutor`
is built.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import threading
import time
from concurrent.futures.process import BrokenProcessPool

from threadpoolctl import threadpool_limits

from ..engine.threads import usable_cpus
from ..engine.validation import check_int, describe
from ..errors import NNLabError
from .service import PruningService, SocketBridge, socket_reporter
from .trial import TrialData, TrialRecord, TrialTask, run_trial

__all__ = [
    "EXECUTOR_KINDS",
    "ExecutorError",
    "ProcessExecutor",
    "SCHEDULER_ENV",
    "SerialExecutor",
    "make_executor",
    "process_count",
]

EXECUTOR_KINDS = ("serial", "processes", "dask")
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
CONNECT_TIMEOUT = 10.0  # seconds to reach a Dask scheduler
PARENT_POLL = 0.5  # seconds between a worker process's looks at its parent


class ExecutorError(NNLabError):
    """An executor could not be started or lost a trial it cannot recover (one line, what to do)."""


class TrialExecutor:
    """The shared part: the ``with`` protocol and the refusal to submit after shutdown."""

    kind: str = ""
    workers: int = 1

    def __init__(self) -> None:
        self._closed = False

    def submit(self, task: TrialTask) -> concurrent.futures.Future:
        raise NotImplementedError

    def shutdown(self, cancel: bool = False) -> None:
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"cannot submit trials to a {self.kind} executor after shutdown")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        self.shutdown(cancel=exc_type is not None)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


# --------------------------------------------------------------------------- serial
class SerialExecutor(TrialExecutor):
    """Runs each trial in the calling process when it is submitted (the future comes back done)."""

    kind = "serial"
    workers = 1

    def __init__(self, data: TrialData, pruning: PruningService | None = None):
        super().__init__()
        self._data = check_data(data)
        self._reporter = None if pruning is None else pruning.decide  # same thread: decided at once

    def submit(self, task: TrialTask) -> concurrent.futures.Future:
        self._check_open()
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(run_trial(task, self._data, self._reporter))
        except Exception as error:  # a malformed task: raised by result(), as a pool would
            future.set_exception(error)
        return future


# --------------------------------------------------------------------------- local processes
# State of one pool worker process, set once by the initializer.
_PROCESS_DATA: TrialData | None = None
_PROCESS_BLAS_LIMIT = None  # kept alive: the one-thread limit holds for the life of the process
_PROCESS_REPORTER = None  # the pruning reporter: a connection to the main process's SocketBridge


def _init_process(data: TrialData, parent: int | None = None, bridge: tuple | None = None) -> None:
    """Pool initializer: one BLAS thread for the whole process, the data (received once), the
    pruning reporter, and a watch on the ``parent`` process: the worker exits when it is gone."""
    global _PROCESS_DATA, _PROCESS_BLAS_LIMIT, _PROCESS_REPORTER
    _PROCESS_BLAS_LIMIT = threadpool_limits(limits=1)
    _PROCESS_DATA = data
    if bridge is not None:
        _PROCESS_REPORTER = socket_reporter(*bridge)
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), name="nnlab-parent-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """Exit this process (mid-trial too) once ``parent`` is no longer its parent: it died, even
    by SIGKILL, and the orphan was handed to another process. Nothing is left to report to."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def _run_in_process(task: TrialTask) -> TrialRecord:
    """What a pool worker runs per task: the trial on the data its initializer stored."""
    if _PROCESS_DATA is None:
        raise RuntimeError("this process was not initialized with the trial data (_init_process)")
    return run_trial(task, _PROCESS_DATA, _PROCESS_REPORTER)


class ProcessExecutor(TrialExecutor):
    """A pool of ``jobs`` spawned processes, each with one BLAS thread and its own copy of the data.

    A worker process that dies (killed, out of memory, crashed) breaks the whole pool: every
    trial it held fails with ``BrokenProcessPool``. The executor then starts a new pool and
    resubmits each lost trial once (its record says ``retries=1``); a trial lost a second time
    resolves to :class:`ExecutorError`.

    Each worker watches this process and exits within :data:`PARENT_POLL` seconds of its death
    (SIGKILL included), so no worker outlives the search; with ``pruning``, workers send their
    intermediate values to it through a :class:`~nnlab.search.service.SocketBridge`.
    """

    kind = "processes"

    def __init__(self, data: TrialData, jobs: int | None = None, pruning: PruningService | None = None):
        super().__init__()
        self._data = check_data(data)
        self.workers = process_count(jobs)
        self._bridge = None if pruning is None else SocketBridge(pruning)
        self._lock = threading.Lock()
        self._cancelling = False
        self._pending: set[concurrent.futures.Future] = set()
        self._old_pools: list[concurrent.futures.ProcessPoolExecutor] = []
        self._pool = self._new_pool()

    def _new_pool(self) -> concurrent.futures.ProcessPoolExecutor:
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process,
            initargs=(self._data, os.getpid(),
                      None if self._bridge is None else (self._bridge.address, self._bridge.authkey)),
        )
        # A pool spawns a process per submission; these no-ops start all of them now, so their
        # start-up (a new interpreter importing nnlab) overlaps the caller's own (the study).
        for _ in range(self.workers):
            pool.submit(os.getpid)
        return pool

    def submit(self, task: TrialTask) -> concurrent.futures.Future:
        self._check_open()
        outer: concurrent.futures.Future = concurrent.futures.Future()
        with self._lock:
            self._pending.add(outer)
        outer.add_done_callback(self._forget)
        self._dispatch(task, outer, attempt=0)
        return outer

    def _forget(self, outer: concurrent.futures.Future) -> None:
        with self._lock:
            self._pending.discard(outer)

    def _current_pool(self, broken: concurrent.futures.ProcessPoolExecutor | None = None):
        """The pool to use: a new one if the current pool is ``broken``."""
        with self._lock:
            if broken is not None and self._pool is broken:
                self._old_pools.append(self._pool)
                self._pool = self._new_pool()
            return self._pool

    def _dispatch(self, task, outer: concurrent.futures.Future, attempt: int, broken=None) -> None:
        """Submit ``task`` to the pool and arrange for its result to reach ``outer``."""
        pool = self._current_pool(broken)
        try:
            inner = pool.submit(_run_in_process, task)
        except BrokenProcessPool:  # broke before its callbacks ran: a fresh pool, not a retry
            pool = self._current_pool(pool)
            inner = pool.submit(_run_in_process, task)

        def relay(inner: concurrent.futures.Future) -> None:
            # Runs in the pool's management thread (or here, if already done): never wait on a pool.
            if inner.cancelled() or outer.cancelled() or self._cancelling:
                outer.cancel()
                return
            error = inner.exception()
            if isinstance(error, BrokenProcessPool):
                number = getattr(task, "number", None)
                if attempt == 0:
                    try:
                        self._dispatch(task, outer, attempt + 1, broken=pool)
                    except Exception as failure:  # e.g. the pool cannot be started again
                        settle(outer, exception=ExecutorError(
                            f"trial {number}: could not restart the process pool after a worker died ({failure})"
                        ))
                    return
                settle(outer, exception=ExecutorError(
                    f"trial {number}: a worker process died twice while running it (killed, out of memory or "
                    f"crashed); the process pool broke again after one retry ({error})"
                ))
            elif error is not None:
                settle(outer, exception=error)
            else:
                result = inner.result()
                if attempt and isinstance(result, TrialRecord):
                    result = dataclasses.replace(result, retries=attempt)
                settle(outer, result=result)

        inner.add_done_callback(relay)

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the submitted trials, then stop the processes; or, with ``cancel``, drop
        the queued trials and terminate the workers now (the futures come back cancelled)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pending = list(self._pending)
        try:
            if not cancel:
                concurrent.futures.wait(pending)
        except BaseException:  # Ctrl-C while waiting: stop now instead
            cancel = True
            raise
        finally:
            self._cancelling = cancel
            if cancel:
                for future in pending:
                    future.cancel()
            with self._lock:
                pools = [*self._old_pools, self._pool]
            for pool in pools:
                if cancel:
                    _terminate_workers(pool)
                pool.shutdown(wait=True, cancel_futures=cancel)
            if self._bridge is not None:
                self._bridge.close()


def settle(future: concurrent.futures.Future, *, result=None, exception=None) -> None:
    """Resolve ``future`` unless it was cancelled meanwhile."""
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:
        pass


def _terminate_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop a pool's processes without waiting for their running trials."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        try:
            terminate()
        except Exception:  # already shut down
            pass
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


# --------------------------------------------------------------------------- factory
def process_count(jobs: int | None = None) -> int:
    """The processes executor's worker count: ``jobs``, or one per CPU of this process's affinity.

    Raises
    ------
    ValueError
        ``jobs`` is not an integer >= 1 (or None).
    """
    if jobs is None:
        return max(1, len(usable_cpus()))
    return check_int(jobs, "jobs", 1)


def check_data(data) -> TrialData:
    if not isinstance(data, TrialData):
        raise TypeError(f"data must be a TrialData(X_train, Y_train, X_dev, Y_dev); got {describe(data)}")
    return data


def make_executor(
    kind: str,
    data: TrialData,
    jobs: int | None = None,
    scheduler: str | None = None,
    *,
    timeout: float = CONNECT_TIMEOUT,
    pruning: PruningService | None = None,
) -> TrialExecutor:
    """The executor named ``kind``: "serial", "processes" (``jobs`` of them, default one per
    usable CPU: :func:`process_count`) or "dask".

    For "dask", ``scheduler`` (``tcp://host:port`` or ``tls://host:port``) falls back to the
    environment variable ``DASK_SCHEDULER_ADDRESS``; ``timeout`` bounds the connection.
    ``jobs`` is ignored by "serial" and "dask" (the cluster decides). ``pruning``: the service
    that answers the trials' intermediate values (:mod:`nnlab.search.service`).

    Raises
    ------
    ExecutorError
        Unknown kind; no scheduler address; Dask not installed; scheduler unreachable.
    """
    if kind == "serial":
        return SerialExecutor(data, pruning)
    if kind == "processes":
        return ProcessExecutor(data, jobs, pruning)
    if kind == "dask":
        address = scheduler or os.environ.get(SCHEDULER_ENV)
        if not address:
            raise ExecutorError(
                "the dask executor needs a scheduler address: pass --scheduler tcp://HOST:8786 (or "
                f"scheduler = \"tcp://HOST:8786\" in the search config), or set {SCHEDULER_ENV}"
            )
        from .cluster import DaskExecutor  # Dask is an optional extra: imported when asked for

        return DaskExecutor(data, address, timeout=timeout, pruning=pruning)
    raise ExecutorError(f"executor must be one of {list(EXECUTOR_KINDS)}; got {kind!r}")
