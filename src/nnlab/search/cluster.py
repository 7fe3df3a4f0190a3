"""Trials on a Dask cluster: :class:`DaskExecutor`, the executor of kind "dask".

Dask is an optional extra (``pip install 'nnlab[dask]'``): ``distributed`` is imported when a
:class:`DaskExecutor` is built, never when this module is.
"""

from __future__ import annotations

import concurrent.futures
import threading
import uuid
import warnings

from ..engine.validation import describe
from .executors import CONNECT_TIMEOUT, ExecutorError, TrialExecutor, check_data, settle
from .service import DaskBridge, PruningService, dask_reporter
from .trial import TrialData, TrialRecord, TrialTask, run_trial

__all__ = ["DaskExecutor"]

DASK_INSTALL_HINT = "pip install 'nnlab[dask]'"
DASK_RETRIES = 2  # a trial whose task raises is rerun this many times by Dask


def _hold_data(data: TrialData) -> TrialData:
    """The Dask task whose result is the trial data: every trial depends on its one key."""
    return data


def _run_on_dask(task: TrialTask, data: TrialData, queue: str | None = None) -> TrialRecord:
    """A trial on a Dask worker. It stops by itself once the scheduler no longer wants its task
    (the search that submitted it is gone, or cancelled it): the worker belongs to the cluster and
    stays, but no trial of a dead search runs its budget to the end. With ``queue``, it reports
    its intermediate values to the search through that ``distributed.Queue``."""
    from distributed import get_worker
    from distributed.worker import thread_state

    key = getattr(thread_state, "key", None)
    tasks = get_worker().state.tasks

    def alive() -> bool:
        state = tasks.get(key)
        return key is None or (state is not None and state.state not in ("cancelled", "released", "forgotten"))

    reporter = None if queue is None else dask_reporter(queue, str(key))
    return run_trial(task, data, reporter, alive)


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
    A trial stops by itself once the scheduler has released its task (this client closed or
    died, or cancelled it); with ``pruning`` it reports its intermediate values through a
    ``distributed.Queue`` (:class:`~nnlab.search.service.DaskBridge`).

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

    def __init__(self, data: TrialData, address: str, *, timeout: float = CONNECT_TIMEOUT,
                 pruning: PruningService | None = None):
        super().__init__()
        data = check_data(data)
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
        self._queue = None if pruning is None else f"nnlab-pruning-{uuid.uuid4().hex[:12]}"
        self._bridge = None if pruning is None else DaskBridge(pruning, self.client, self._queue)
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
        inner = self._executor.submit(_run_on_dask, task, self._data, self._queue, key=key)
        outer: concurrent.futures.Future = concurrent.futures.Future()

        def relay(inner: concurrent.futures.Future) -> None:
            if inner.cancelled() or outer.cancelled():
                if not outer.cancelled() and not self._closed:
                    settle(outer, exception=ExecutorError(
                        f"trial {number} ({key}) was cancelled by the Dask cluster at {self.address}"
                    ))
                else:
                    outer.cancel()
                return
            error = inner.exception()
            if isinstance(error, self._KilledWorker):
                error = ExecutorError(
                    f"trial {number} ({key}): the Dask cluster at {self.address} gave up on it after its "
                    f"workers died ({error})"
                )
            if error is None:
                settle(outer, result=inner.result())
            else:
                settle(outer, exception=error)

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
            if self._bridge is not None:
                self._bridge.close()
            self._data.release()
            self.client.close()
