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

Dask is an optional extra (``pip install 'nnlab[dask]'``): it is imported only when a
:class:`DaskExecutor` is built.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import threading
import uuid
import warnings
from concurrent.futures.process import BrokenProcessPool

from threadpoolctl import threadpool_limits

from ..engine.validation import check_int, describe
from ..errors import NNLabError
from .trial import TrialData, TrialRecord, TrialTask, run_trial

__all__ = [
    "DaskExecutor",
    "EXECUTOR_KINDS",
    "ExecutorError",
    "ProcessExecutor",
    "SCHEDULER_ENV",
    "SerialExecutor",
    "make_executor",
]

EXECUTOR_KINDS = ("serial", "processes", "dask")
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
DASK_INSTALL_HINT = "pip install 'nnlab[dask]'"
CONNECT_TIMEOUT = 10.0  # seconds to reach a Dask scheduler
DASK_RETRIES = 2  # a trial whose task raises is rerun this many times by Dask


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

    def __init__(self, data: TrialData):
        super().__init__()
        self._data = _check_data(data)

    def submit(self, task: TrialTask) -> concurrent.futures.Future:
        self._check_open()
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(run_trial(task, self._data))
        except Exception as error:  # a malformed task: raised by result(), as a pool would
            future.set_exception(error)
        return future


# --------------------------------------------------------------------------- local processes
# State of one pool worker process, set once by the initializer.
_PROCESS_DATA: TrialData | None = None
_PROCESS_BLAS_LIMIT = None  # kept alive: the one-thread limit holds for the life of the process


def _init_process(data: TrialData) -> None:
    """Pool initializer: one BLAS thread for the whole process, and the data, received once."""
    global _PROCESS_DATA, _PROCESS_BLAS_LIMIT
    _PROCESS_BLAS_LIMIT = threadpool_limits(limits=1)
    _PROCESS_DATA = data


def _run_in_process(task: TrialTask) -> TrialRecord:
    """What a pool worker runs per task: the trial on the data its initializer stored."""
    if _PROCESS_DATA is None:
        raise RuntimeError("this process was not initialized with the trial data (_init_process)")
    return run_trial(task, _PROCESS_DATA)


class ProcessExecutor(TrialExecutor):
    """A pool of ``jobs`` spawned processes, each with one BLAS thread and its own copy of the data.

    A worker process that dies (killed, out of memory, crashed) breaks the whole pool: every
    trial it held fails with ``BrokenProcessPool``. The executor then starts a new pool and
    resubmits each lost trial once (its record says ``retries=1``); a trial lost a second time
    resolves to :class:`ExecutorError`.
    """

    kind = "processes"

    def __init__(self, data: TrialData, jobs: int):
        super().__init__()
        self._data = _check_data(data)
        self.workers = check_int(jobs, "jobs", 1)
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
            initargs=(self._data,),
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
                        _settle(outer, exception=ExecutorError(
                            f"trial {number}: could not restart the process pool after a worker died ({failure})"
                        ))
                    return
                _settle(outer, exception=ExecutorError(
                    f"trial {number}: a worker process died twice while running it (killed, out of memory or "
                    f"crashed); the process pool broke again after one retry ({error})"
                ))
            elif error is not None:
                _settle(outer, exception=error)
            else:
                result = inner.result()
                if attempt and isinstance(result, TrialRecord):
                    result = dataclasses.replace(result, retries=attempt)
                _settle(outer, result=result)

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


def _settle(future: concurrent.futures.Future, *, result=None, exception=None) -> None:
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


# --------------------------------------------------------------------------- Dask
def _hold_data(data: TrialData) -> TrialData:
    """The Dask task whose result is the trial data: every trial depends on its one key."""
    return data


def _import_distributed():
    try:
        import distributed
    except ImportError as error:
        raise ExecutorError(
            f"the dask executor needs dask.distributed ({error}): {DASK_INSTALL_HINT}"
        ) from None
    return distributed


def _check_address(address) -> str:
    if not isinstance(address, str) or not address.strip():
        raise ExecutorError(
            f"the dask executor needs a scheduler address like tcp://HOST:8786; got {describe(address)}"
        )
    address = address.strip()
    if not address.startswith(("tcp://", "tls://")) or len(address) <= len("tcp://"):
        raise ExecutorError(
            f"a Dask scheduler address must start with tcp:// or tls:// (e.g. tcp://10.0.0.5:8786); got {address!r}"
        )
    return address


class DaskExecutor(TrialExecutor):
    """Trials on the Dask cluster whose scheduler listens at ``address`` (and nothing else).

    The data are sent once, as the task ``nnlab-data-{uuid}`` whose result every trial depends
    on (workers fetch it from each other, and the scheduler recomputes it if every copy is lost);
    each trial is a task ``nnlab-trial-{number}-{uuid}`` with ``retries=2``. A worker that dies
    mid-trial is replaced by the scheduler, which reruns the trial elsewhere; a trial the cluster
    gives up on (``KilledWorker``: it killed 3 workers) resolves to :class:`ExecutorError`.

    Parameters
    ----------
    data : TrialData
    address : str
        ``tcp://host:port`` or ``tls://host:port`` (TLS settings from Dask's configuration).
    timeout : float, seconds
        For reaching the scheduler. Trials submitted before any worker joins wait for one.

    Attributes
    ----------
    client : distributed.Client
        Connected to ``address``; not set as Dask's default client.
    """

    kind = "dask"

    def __init__(self, data: TrialData, address: str, *, timeout: float = CONNECT_TIMEOUT):
        super().__init__()
        data = _check_data(data)
        self.address = _check_address(address)
        distributed = _import_distributed()
        self._KilledWorker = distributed.KilledWorker
        tls_context = distributed.Security().get_connection_args("client")["ssl_context"]
        if self.address.startswith("tls://") and tls_context is None:
            raise ExecutorError(
                f"{self.address} needs Dask's TLS settings: set distributed.comm.tls.ca-file, "
                "distributed.comm.tls.client.cert and .key in the Dask configuration (or the matching "
                "DASK_DISTRIBUTED__COMM__TLS__* environment variables)"
            )
        try:
            self.client = distributed.Client(self.address, timeout=timeout, set_as_default=False)
        except Exception as error:  # refused, timed out, not a Dask scheduler, ...
            detail = " ".join(str(error).split())[:200]
            raise ExecutorError(
                f"cannot reach the Dask scheduler at {self.address} within {timeout:g} s "
                f"({type(error).__name__}: {detail}); is `dask scheduler` running there?"
            ) from None
        # The data go out once, as the result of a task rather than by scatter: the scheduler
        # keeps the task, so when the worker holding the only copy dies (the active memory manager
        # trims scattered broadcasts to one copy when idle) it computes it again, where a
        # scattered copy would be lost with every trial waiting on it (dask/distributed#3149).
        with warnings.catch_warnings():  # the data are meant to travel in the graph, once
            warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
            self._data = self.client.submit(
                _hold_data, data, key=f"nnlab-data-{uuid.uuid4().hex[:12]}", pure=False, retries=DASK_RETRIES
            )
        self._executor = self.client.get_executor(retries=DASK_RETRIES, pure=False)
        self._lock = threading.Lock()
        self._pending: set[concurrent.futures.Future] = set()

    @property
    def workers(self) -> int:
        """Worker threads now in the cluster (at least 1: trials queue until workers join)."""
        return max(1, sum(self.client.nthreads().values()))

    def submit(self, task: TrialTask) -> concurrent.futures.Future:
        self._check_open()
        number = getattr(task, "number", None)
        key = f"nnlab-trial-{number}-{uuid.uuid4().hex[:12]}"
        # ClientExecutor's futures are concurrent.futures.Future (cancel() cancels the Dask task)
        inner = self._executor.submit(run_trial, task, self._data, key=key)
        outer: concurrent.futures.Future = concurrent.futures.Future()

        def relay(inner: concurrent.futures.Future) -> None:
            if inner.cancelled() or outer.cancelled():
                if not outer.cancelled() and not self._closed:
                    _settle(outer, exception=ExecutorError(
                        f"trial {number} ({key}) was cancelled by the Dask cluster at {self.address}"
                    ))
                else:
                    outer.cancel()
                return
            error = inner.exception()
            if isinstance(error, self._KilledWorker):
                _settle(outer, exception=ExecutorError(
                    f"trial {number} ({key}): the Dask cluster at {self.address} gave up on it after its "
                    f"workers died ({error})"
                ))
            elif error is not None:
                _settle(outer, exception=error)
            else:
                _settle(outer, result=inner.result())

        def cancel_inner(outer: concurrent.futures.Future) -> None:
            if outer.cancelled():
                inner.cancel()

        with self._lock:
            self._pending.add(outer)
        outer.add_done_callback(cancel_inner)
        outer.add_done_callback(self._forget)
        inner.add_done_callback(relay)
        return outer

    def _forget(self, outer: concurrent.futures.Future) -> None:
        with self._lock:
            self._pending.discard(outer)

    def shutdown(self, cancel: bool = False) -> None:
        """Wait for the submitted trials (or cancel them), release the data, close the client.

        The cluster itself keeps running: it is not ours."""
        with self._lock:
            if self._closed:
                return
            pending = list(self._pending)
        try:
            if not cancel:
                concurrent.futures.wait(pending)
        except BaseException:  # Ctrl-C while waiting: cancel instead
            cancel = True
            raise
        finally:
            self._closed = True
            if cancel:
                for future in pending:
                    future.cancel()
            self._data.release()
            self.client.close()


# --------------------------------------------------------------------------- factory
def _check_data(data) -> TrialData:
    if not isinstance(data, TrialData):
        raise TypeError(f"data must be a TrialData(X_train, Y_train, X_dev, Y_dev); got {describe(data)}")
    return data


def make_executor(
    kind: str,
    data: TrialData,
    jobs: int = 1,
    scheduler: str | None = None,
    *,
    timeout: float = CONNECT_TIMEOUT,
) -> TrialExecutor:
    """The executor named ``kind``: "serial", "processes" (``jobs`` of them) or "dask".

    For "dask", ``scheduler`` (``tcp://host:port`` or ``tls://host:port``) falls back to the
    environment variable ``DASK_SCHEDULER_ADDRESS``; ``timeout`` bounds the connection.
    ``jobs`` is ignored by "serial" and "dask" (the cluster decides).

    Raises
    ------
    ExecutorError
        Unknown kind; no scheduler address; Dask not installed; scheduler unreachable.
    """
    if kind == "serial":
        return SerialExecutor(data)
    if kind == "processes":
        return ProcessExecutor(data, jobs)
    if kind == "dask":
        address = scheduler or os.environ.get(SCHEDULER_ENV)
        if not address:
            raise ExecutorError(
                "the dask executor needs a scheduler address: pass --scheduler tcp://HOST:8786 (or "
                f"scheduler = \"tcp://HOST:8786\" in the search config), or set {SCHEDULER_ENV}"
            )
        return DaskExecutor(data, address, timeout=timeout)
    raise ExecutorError(f"executor must be one of {list(EXECUTOR_KINDS)}; got {kind!r}")
