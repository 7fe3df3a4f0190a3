"""How many BLAS threads a training run's products get: measured, not guessed.

On a quiet machine a multi-threaded BLAS (OpenBLAS by default) is faster; on a machine where
another process keeps a core busy, its threads wait for each other at every product and a run
can take 2-4x longer than on one thread. No setting is right everywhere, so a run measures:

0. **Opt-in.** The measured policy runs only with ``NNLAB_THREADS=auto``; without it a run leaves
   the BLAS exactly as it is (the policy made the benchmark's quiet W1 float32 mini-batch case
   13 % slower, and a quiet machine must not pay for it).
1. **Who decides.** A user's choice always wins, and then nothing is measured: the ``threads``
   option of :class:`~nnlab.engine.training.TrainOptions`, else the ``NNLAB_THREADS`` environment
   variable (both: that many threads for the run), else ``OPENBLAS_NUM_THREADS``,
   ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``BLIS_NUM_THREADS`` or a threadpoolctl limit
   around the call (the search's ``one_blas_thread``): the BLAS is left exactly as it is. A
   limit is recognised by the BLAS having fewer threads than the process may use cores (a
   limit *equal* to the core count cannot be told from no limit, and changes nothing anyway).
   Runs whose largest product stays under OpenBLAS's own threading threshold (2**18
   multiply-adds: it runs them on one thread whatever it is told) and runs too short to pay
   for a measurement are left alone too.
2. **The probe.** Before the first step, the run's largest product (``W1 @ X`` on one batch's
   worth of columns, fewer if the run is short) is timed three times at all threads and three
   times at one, interleaved; the faster median is kept. The probe costs at most
   :data:`PROBE_SHARE` of the run's own product work.
3. **The watch.** Each step (forward, backward, update) is timed per example. The first steps
   at the chosen setting are its reference; when the median of the last :data:`REFERENCE_STEPS`
   steps is more than :data:`SLOWER` times the reference (something started on the machine: a
   lasting slowdown, not one late step), a new probe decides again, and so does, while on one
   thread, a period that doubles from :data:`RECHECK_SECONDS` (the machine may have become
   quiet). Probes after the first wait while they would take more than :data:`PROBE_SHARE` of
   the run's time so far.

Results: the thread count changes how OpenBLAS splits a product among threads, not the
arithmetic of one output element in the builds nnlab meets, but BLAS libraries promise nothing
about it: a different thread count may change the lowest bits of a result. Pin ``threads`` (or
``NNLAB_THREADS``) where bit-for-bit repeatability across machines matters.
"""

from __future__ import annotations

import functools
import os
import statistics
import threading
import time
from typing import Callable

import numpy as np
from threadpoolctl import ThreadpoolController

from .validation import check_positive_int

__all__ = ["ENVIRONMENT_LIMITS", "Pacer", "decide", "paced_steps", "under_thread_policy"]

#: Environment variables by which a user fixes the BLAS's threads before the process starts.
ENVIRONMENT_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
#: OpenBLAS runs a product of fewer multiply-adds than this on one thread (interface/gemm.c).
OPENBLAS_THREADING_THRESHOLD = 2**18
PROBE_SHARE = 0.01  # the probe's products: at most this share of the run's product work
PROBE_ROUNDS = 3  # timings per setting and probe
SLOWER = 1.5  # steps this many times their reference per-example time (median of 3) trigger a probe
REFERENCE_STEPS = 3  # steps at a new setting that make its reference (median)
RECHECK_SECONDS = 1.0  # on one thread: probe again after this long, doubling while it stays

_controller = None
_local = threading.local()  # the pacer of the run in progress in this thread


def _blas():
    """threadpoolctl's controllers of the loaded BLAS libraries (found once)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return [lib for lib in _controller.lib_controllers if lib.user_api == "blas"]


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def decide(threads: int | None = None, environ=None) -> tuple[str, int | None]:
    """Who sets the run's BLAS threads: ``("fixed", n)``, ``("leave", None)`` or ``("auto", n)``.

    ``fixed``: the ``threads`` argument, else ``NNLAB_THREADS=n``. ``leave``: the default (no
    ``NNLAB_THREADS``), a BLAS environment variable or an active limit (fewer BLAS threads than
    usable cores), or nothing to choose (one core, no BLAS found). ``auto``: with
    ``NNLAB_THREADS=auto``, the policy chooses between ``n`` (all) threads and one.
    """
    environ = os.environ if environ is None else environ
    if threads is not None:
        return "fixed", check_positive_int(threads, "threads")
    text = environ.get("NNLAB_THREADS", "").strip()
    if text and text != "auto":
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"NNLAB_THREADS must be a positive integer or 'auto'; got {text!r}") from None
        return "fixed", check_positive_int(value, "NNLAB_THREADS")
    if text != "auto":
        # Opt-in for now: in the benchmark's quiet W1 float32 mini-batch case the measured policy
        # was 13 % slower than leaving the BLAS as it is, and it must never cost a quiet machine.
        return "leave", None
    if any(environ.get(name, "").strip() for name in ENVIRONMENT_LIMITS):
        return "leave", None
    libs = _blas()
    current = min((lib.num_threads for lib in libs), default=1)
    if current <= 1 or current < _usable_cores():
        return "leave", None
    return "auto", current


def _set_threads(n: int) -> None:
    for lib in _blas():
        lib.set_num_threads(n)


class Pacer:
    """Chooses between ``many`` BLAS threads and one for a run, by timing (see the module).

    Parameters
    ----------
    many : int
        The thread count of "all threads".
    probe : callable
        ``probe()`` runs one representative product and returns; timed by the pacer.
    clock : callable
        Seconds (``time.perf_counter``); a test may give its own.
    """

    def __init__(self, many: int, probe: Callable[[], object], clock=time.perf_counter):
        self.many, self.probe, self.clock = many, probe, clock
        self.threads = many
        self.reference: float | None = None  # seconds per example of a step at self.threads
        self._recent: list[float] = []
        self._started = 0.0
        self._recheck = RECHECK_SECONDS
        self.last_probe = -np.inf
        self.probes: list[dict] = []  # what each probe measured and chose (for reports, tests)
        self._began, self._probing = None, 0.0  # when the first probe started; seconds spent probing

    def choose(self, reason: str = "start") -> int:
        """Time the probe at ``many`` threads and at one, interleaved; keep the faster."""
        began = self.clock()
        if self._began is None:
            self._began = began
        times = {self.many: [], 1: []}
        for _ in range(PROBE_ROUNDS):
            for n in times:
                _set_threads(n)
                start = self.clock()
                self.probe()
                times[n].append(self.clock() - start)
        medians = {n: statistics.median(t) for n, t in times.items()}
        chosen = min(medians, key=medians.get)  # dict order: many first, kept on a tie
        self.reference, self._recent = None, []  # the machine may have changed: a new reference
        if chosen == self.threads and reason == "recheck":
            self._recheck *= 2
        elif chosen != self.threads:
            self._recheck = RECHECK_SECONDS
        self.threads = chosen
        _set_threads(chosen)
        self.last_probe = self.clock()
        self._probing += self.last_probe - began
        self.probes.append({"reason": reason, "seconds": medians, "chosen": chosen})
        return chosen

    def start_step(self) -> None:
        self._started = self.clock()

    def end_step(self, examples: int) -> None:
        """Record a step of ``examples`` examples; probe again if it was much slower than the
        reference, or when on one thread the recheck period has passed."""
        now = self.clock()
        self._recent.append((now - self._started) / max(examples, 1))
        affordable = self._probing < PROBE_SHARE * (now - self._began) if self._began is not None else True
        if self.reference is None:
            if len(self._recent) > REFERENCE_STEPS:  # the first step at a setting warms caches: dropped
                self.reference = statistics.median(self._recent[1:])
                self._recent = []
        else:
            self._recent = self._recent[-REFERENCE_STEPS:]
            if (len(self._recent) == REFERENCE_STEPS and statistics.median(self._recent) > SLOWER * self.reference
                    and affordable):
                self.choose("slower")
                return
        if self.threads == 1 and self.many > 1 and now - self.last_probe > self._recheck and affordable:
            self.choose("recheck")


def _largest_product(X, parameters, batch_size, epochs):
    """``(probe, worth_it)``: a closure timing ``W1 @ X[:, :k]`` and whether the run is long
    and large enough for the policy to matter."""
    W1 = parameters["W1"]
    n1, n0 = W1.shape
    m = X.shape[1]
    step = m if batch_size is None or batch_size >= m else batch_size
    run_madds = epochs * m * sum(a * b for a, b in zip(
        [np.shape(parameters[f"W{l}"])[0] for l in range(1, len(parameters) // 2 + 1)],
        [np.shape(parameters[f"W{l}"])[1] for l in range(1, len(parameters) // 2 + 1)]))
    k = min(step, int(PROBE_SHARE * run_madds / (2 * PROBE_ROUNDS * n1 * n0)))
    if n1 * n0 * min(step, k) < OPENBLAS_THREADING_THRESHOLD:
        return None, False
    W1 = np.asarray(W1, dtype=X.dtype)
    columns = X[:, :k]
    out = np.empty((n1, k), dtype=X.dtype)
    return (lambda: np.matmul(W1, columns, out=out)), True


def under_thread_policy(train_unchecked):
    """Decorate the training loop: set the run's BLAS threads by :func:`decide` and, when
    automatic, a :class:`Pacer` that :func:`paced_steps` feeds; the BLAS's own thread count is
    restored when the run ends, however it ends."""

    @functools.wraps(train_unchecked)
    def run(X, Y, parameters, options, **kwargs):
        mode, n = decide(getattr(options, "threads", None))
        if mode == "leave":
            return train_unchecked(X, Y, parameters, options, **kwargs)
        libs = _blas()
        before = [lib.num_threads for lib in libs]
        outer = getattr(_local, "pacer", None)
        try:
            if mode == "fixed":
                _set_threads(n)
                _local.pacer = None
            else:
                probe, worth_it = _largest_product(X, parameters, options.batch_size, options.epochs)
                _local.pacer = Pacer(n, probe) if worth_it else None
                if _local.pacer is not None:
                    _local.pacer.choose("start")
            return train_unchecked(X, Y, parameters, options, **kwargs)
        finally:
            _local.pacer = outer
            for lib, count in zip(libs, before):
                lib.set_num_threads(count)

    return run


def current_pacer() -> Pacer | None:
    """The pacer of the run in progress in this thread (None: none, or not automatic)."""
    return getattr(_local, "pacer", None)


def paced_steps(epoch: Callable):
    """Wrap an epoch's batch iterator so that each step between two batches is timed by the
    run's pacer (unchanged when there is none)."""
    pacer = current_pacer()
    if pacer is None:
        return epoch

    def paced():
        for item in epoch():
            pacer.start_step()
            yield item
            pacer.end_step(item[0].shape[1])

    return paced
