"""How a trial's intermediate values reach the pruner, which lives with the study in the main process.

The study is written by the main process only, and by its main thread only: :class:`PruningService`
holds the asked Optuna trials and answers ``(number, step, value)`` requests with
``trial.report(value, step); trial.should_prune()``. Requests from other threads wait in a queue
and wake the runner's loop (:attr:`PruningService.wakeup`, a future it waits on with the trials'),
which answers them between trials: one thread touches the study, and its SQLite transactions
stay in order.

How a request travels, by executor:

- serial: the trial runs in the main thread and calls :meth:`PruningService.decide` directly;
  the decisions are the same every run (serial searches stay bit-reproducible);
- processes: :class:`SocketBridge` listens on a local socket (``multiprocessing.connection``, a
  random key); each worker keeps one connection, sends its request and waits for the answer.
  The connection closing (the main process died) stops the trial (:class:`SearchGone`);
- Dask: workers may be on other machines, so requests go through the scheduler:
  :class:`DaskBridge` reads a ``distributed.Queue`` of requests and puts each answer on the
  trial's own queue; a worker that waits too long for an answer stops the trial.
"""

from __future__ import annotations

import concurrent.futures
import os
import queue
import threading
from multiprocessing.connection import Client, Listener

from .pruning import SearchGone

__all__ = ["DaskBridge", "PruningService", "SocketBridge", "dask_reporter", "socket_reporter"]

ANSWER_TIMEOUT = 120.0  # seconds a Dask worker waits for the main process's answer


class PruningService:
    """Answers pruning requests for the trials in flight (main process, owner thread)."""

    def __init__(self):
        self.trials: dict[int, object] = {}  # trial number -> Optuna Trial (from study.ask)
        self._owner = threading.get_ident()
        self._lock = threading.Lock()
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self.wakeup: concurrent.futures.Future = concurrent.futures.Future()
        self._closed = False

    def decide(self, number: int, step: int, value: float) -> bool:
        """Report ``value`` at ``step`` for trial ``number``; whether to prune it (owner thread only)."""
        trial = self.trials.get(number)
        if trial is None:  # not a trial of this search (any more): stop it
            return True
        trial.report(value, step)
        return bool(trial.should_prune())

    def submit(self, number: int, step: int, value: float) -> concurrent.futures.Future:
        """A request from any thread: a future of the answer (decided at once in the owner thread)."""
        answer: concurrent.futures.Future = concurrent.futures.Future()
        if threading.get_ident() == self._owner:
            answer.set_result(self.decide(number, step, value))
            return answer
        with self._lock:
            if self._closed:
                answer.set_result(True)
                return answer
            self._requests.put((number, step, value, answer))
            if not self.wakeup.done():
                self.wakeup.set_result(None)
        return answer

    def serve(self) -> None:
        """Answer the waiting requests (owner thread; the runner calls it when :attr:`wakeup` is done)."""
        with self._lock:
            self.wakeup = concurrent.futures.Future()
        while True:
            try:
                number, step, value, answer = self._requests.get_nowait()
            except queue.Empty:
                return
            try:
                answer.set_result(self.decide(number, step, value))
            except Exception as error:  # e.g. a storage failure: the trial stops, the runner sees it next
                answer.set_result(True)
                raise error

    def close(self) -> None:
        """Answer "prune" to whatever still waits: the search is over."""
        with self._lock:
            self._closed = True
        while True:
            try:
                *_, answer = self._requests.get_nowait()
            except queue.Empty:
                return
            answer.set_result(True)


# --------------------------------------------------------------------------- local processes
class SocketBridge:
    """A local socket in the main process: one thread per worker connection relays its requests."""

    def __init__(self, service: PruningService):
        self.service = service
        self.authkey = os.urandom(32)
        self._listener = Listener(authkey=self.authkey)
        self.address = self._listener.address
        threading.Thread(target=self._accept, name="nnlab-pruning-accept", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection = self._listener.accept()
            except Exception:  # closed, or a client without the key
                if self._listener._listener is None:  # noqa: SLF001 (closed: the search is over)
                    return
                continue
            threading.Thread(target=self._relay, args=(connection,), name="nnlab-pruning-relay", daemon=True).start()

    def _relay(self, connection) -> None:
        with connection:
            while True:
                try:
                    number, step, value = connection.recv()
                    connection.send(self.service.submit(number, step, value).result())
                except (EOFError, OSError):  # the worker is gone
                    return

    def close(self) -> None:
        try:
            self._listener.close()
        except OSError:
            pass


_connection = None  # a worker process's connection to the main process's SocketBridge


def socket_reporter(address, authkey: bytes):
    """The reporter of a worker process: a request over its one connection to the main process."""

    def report(number: int, step: int, value: float) -> bool:
        global _connection
        try:
            if _connection is None:
                _connection = Client(address, authkey=authkey)
            _connection.send((number, step, value))
            return bool(_connection.recv())
        except (EOFError, OSError) as error:
            raise SearchGone(f"the search's main process is gone ({error})") from None

    return report


# --------------------------------------------------------------------------- Dask
class DaskBridge:
    """Relays the requests of Dask trials from a ``distributed.Queue`` to the service."""

    def __init__(self, service: PruningService, client, name: str):
        import distributed

        self.service, self.client, self.name = service, client, name
        self._queue = distributed.Queue(name, client=client)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="nnlab-pruning-dask", daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        import distributed

        while not self._stop.is_set():
            try:
                number, step, value, reply = self._queue.get(timeout=0.5)
            except Exception:  # asyncio.TimeoutError / TimeoutError: nothing yet; closed client
                continue
            answer = self.service.submit(number, step, value)
            answer.add_done_callback(
                lambda done, reply=reply: self._answer(distributed, reply, done.result()))

    def _answer(self, distributed, reply: str, prune: bool) -> None:
        try:
            distributed.Queue(reply, client=self.client).put(prune, timeout=10)
        except Exception:  # the worker's wait times out and stops the trial
            pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def dask_reporter(name: str, key: str):
    """The reporter of a Dask trial: a request on the queue ``name``, the answer on its own queue."""

    def report(number: int, step: int, value: float) -> bool:
        import distributed

        reply = f"{name}-answer-{key}"
        try:
            distributed.Queue(name).put((number, step, value, reply))
            return bool(distributed.Queue(reply).get(timeout=ANSWER_TIMEOUT))
        except Exception as error:
            raise SearchGone(f"no answer from the search's main process ({type(error).__name__})") from None

    return report
