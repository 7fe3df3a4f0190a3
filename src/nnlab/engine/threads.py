"""How many BLAS threads a training run's products get: read from the machine's load, not guessed.

On a quiet machine a multi-threaded BLAS (OpenBLAS by default) is faster. Where another process
keeps a core busy, OpenBLAS's threads wait for each other at every product, and a run takes 2-4x
longer than on one thread (measured on two cores: the cat network 1.4 s on two threads and 2.0 s
on one when quiet, 3.7-6.2 s on two and 2.0 s on one beside one busy process). Timing a product
at two settings to choose between them does not work: a product short enough to be a cheap probe
is dominated by waking the BLAS's threads, and chose wrongly on a quiet machine. What decides is
whether the cores are taken, and the kernel counts that exactly, so a run reads it:

1. **Who decides.** A user's choice always wins, and then the load is not read: the ``threads``
   option of :class:`~nnlab.engine.training.TrainOptions`, else ``NNLAB_THREADS=n`` (both: that
   many threads for the run), else ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
   ``MKL_NUM_THREADS``, ``BLIS_NUM_THREADS`` or a threadpoolctl limit around the call (the
   search's ``one_blas_thread``): the BLAS is left exactly as it is. A limit is recognised by the
   BLAS having fewer threads than the process may use cores. Runs whose products all stay under
   OpenBLAS's own threading threshold (2**18 multiply-adds: it runs them on one thread whatever
   it is told) are left alone, and so is a machine without Linux's ``/proc`` (the policy has
   nothing to read there).
2. **The start.** Before the first step the run counts the tasks that other processes have
   running on the CPUs right now (``procs_running`` in ``/proc/stat``, less this process's own
   running threads, the smallest of :data:`START_SAMPLES` counts) and takes a thread for each
   core left: ``cores - others``, at least one. When that count is not zero, a scan of
   ``/proc/<pid>/stat`` confirms it, leaving out kernel threads and ``nice`` processes (on the
   quiet machine, 46 counts in 2,000 were not zero, and the scan found no such process or a
   kernel thread; unconfirmed, one sent a full-batch run to one thread for its whole first
   step).
3. **The watch.** Between steps, once every :data:`WINDOW_SECONDS`, it reads how many CPU ticks
   the cores it may use spent on other processes since the last look (``/proc/stat`` per CPU,
   less this process's own ticks from ``/proc/self/stat``) and sets the threads to the cores
   those processes left free, rounded to the nearest: on two cores, one thread while others
   keep more than half a core busy, two again once they keep a quarter or less (adding threads
   takes :data:`UP_MARGIN` more: two threads beside a busy core cost more than one thread on a
   quiet machine). Fewer threads take two looks in a row that ask for them: on a virtual
   machine one window can catch the hypervisor taking a CPU for a moment (steal time, counted
   as busy: 8 ticks of 50 once on the quiet machine, which sent quiet full-batch runs to one
   thread for a step). Processes running at a lower priority (``nice``) are not counted: the kernel
   gives them a core only when nothing else wants it.

Cost: on a quiet machine the run keeps the BLAS's own thread count (today's speed) and pays a
few reads of ``/proc`` (about 20 us each, at most four a second). Known limits: a CPU quota
(cgroups ``cpu.max``) is not read; the start's count covers every CPU, not only this process's
affinity (the looks do keep to it); and the start's scan sees only the processes it can find (a
container's own; a process's main thread), so a busy process it misses is seen at the first look.

Results: the thread count changes how OpenBLAS splits a product among threads; in float32
mini-batch runs that moves the lowest bits of a result (measured: a final cost of 2.29573 on one
thread and 2.29581 on two after an epoch of 235 steps). Pin ``threads`` (or ``NNLAB_THREADS``)
where bit-for-bit repeatability across machines and loads matters.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np
from threadpoolctl import ThreadpoolController

from .validation import check_positive_int

__all__ = ["ENVIRONMENT_LIMITS", "CoreLoad", "LoadSample", "LoadWatch", "decide", "thread_policy", "usable_cpus"]

log = logging.getLogger(__name__)

#: Environment variables by which a user fixes the BLAS's threads before the process starts.
ENVIRONMENT_LIMITS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
#: OpenBLAS runs a product of fewer multiply-adds than this on one thread (interface/gemm.c).
OPENBLAS_THREADING_THRESHOLD = 2**18
#: Seconds between two looks at the machine's load during a run, the first one included. Long
#: enough that the kernel's tick counts (100 a second per CPU) measure a core's share to within a
#: tenth (in 50 ms windows a quiet machine read as up to 0.2 cores busy, and quiet runs that
#: looked that early were up to 1.5x slower in paired rounds).
WINDOW_SECONDS = 0.25
#: Counts of running tasks the start takes the smallest of (about 60 us each): a kernel worker
#: or this process's own BLAS thread going to sleep between two reads shows in one count only.
START_SAMPLES = 3
#: The kernel's flag of its own threads (include/linux/sched.h), field 9 of /proc/<pid>/stat.
PF_KTHREAD = 0x00200000
#: Cores of margin before a look adds threads: a busy core caught in a short window can read as
#: half a core (the scheduler had not yet spread the tasks), and two threads beside it collapse.
UP_MARGIN = 0.25

_controller = None


def _blas():
    """threadpoolctl's controllers of the loaded BLAS libraries (found once)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return [lib for lib in _controller.lib_controllers if lib.user_api == "blas"]


def usable_cpus() -> frozenset[int]:
    """The CPUs this process may run on: its affinity (Linux), else every CPU."""
    try:
        return frozenset(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return frozenset(range(os.cpu_count() or 1))


def _usable_cores() -> int:
    return len(usable_cpus())


def decide(threads: int | None = None, environ=None) -> tuple[str, int | None]:
    """Who sets the run's BLAS threads: ``("fixed", n)``, ``("leave", None)`` or ``("auto", n)``.

    ``fixed``: the ``threads`` argument, else ``NNLAB_THREADS=n``. ``leave``: a BLAS environment
    variable or an active limit (fewer BLAS threads than usable cores), or nothing to choose (one
    core, no BLAS found). ``auto`` (the default, or ``NNLAB_THREADS=auto``): the policy gives
    the BLAS a thread per core that other processes leave free, at most ``n`` (its own count).
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
    if any(environ.get(name, "").strip() for name in ENVIRONMENT_LIMITS):
        return "leave", None
    libs = _blas()
    current = min((lib.num_threads for lib in libs), default=1)
    if current <= 1 or current < _usable_cores():
        return "leave", None
    return "auto", current


def _set_threads(n: int) -> None:
    global _touched
    _touched = True
    for lib in _blas():
        lib.set_num_threads(n)


# --------------------------------------------------------------------------- the machine's load
@dataclass(frozen=True)
class LoadSample:
    """One look at the CPU accounting (see :class:`CoreLoad`)."""

    time: float  # seconds, CoreLoad's clock
    busy_ticks: int  # ticks the usable CPUs spent running anything at normal priority
    own_ticks: int  # ticks this process spent (all its threads)


def _read(path: str) -> str:
    with open(path, encoding="ascii", errors="replace") as file:
        return file.read()


class CoreLoad:
    """How many of the usable cores other processes keep busy, from Linux's ``/proc``.

    Parameters
    ----------
    cpus : set of int, optional
        The CPUs this process may run on (default: its affinity).
    read, listdir : callable
        ``read(path) -> str`` and ``listdir(path) -> list``; a test may give a fake ``/proc``.
    clock : callable
        Seconds (``time.monotonic``).
    pid : int, optional
        This process's id (default: ``os.getpid()``), left out of the scan.
    """

    def __init__(self, cpus=None, read: Callable[[str], str] = _read, listdir=os.listdir, clock=time.monotonic,
                 pid: int | None = None):
        self.cpus = usable_cpus() if cpus is None else frozenset(cpus)
        self.read, self.listdir, self.clock = read, listdir, clock
        self.pid = os.getpid() if pid is None else pid
        self.tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        try:
            self.nice = os.getpriority(os.PRIO_PROCESS, 0) > 0  # then this process's ticks count as nice
        except (AttributeError, OSError):
            self.nice = False

    @property
    def cores(self) -> int:
        return len(self.cpus)

    def sample(self) -> LoadSample | None:
        """The accounting now, or None where ``/proc`` cannot be read (not Linux)."""
        try:
            stat = self.read("/proc/stat")
            own = self.read("/proc/self/stat")
        except OSError:
            return None
        busy = 0
        for line in stat.splitlines():
            name, _, rest = line.partition(" ")
            if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in self.cpus:
                # user nice system idle iowait irq softirq steal ...: idle and iowait are free;
                # nice is time that yields to us (unless this process is niced itself)
                t = [int(v) for v in rest.split()]
                busy += t[0] + t[2] + t[5] + t[6] + (t[7] if len(t) > 7 else 0) + (t[1] if self.nice else 0)
        fields = own[own.rindex(")") + 2:].split()  # after "pid (comm) ": state is field 3
        own_ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return LoadSample(self.clock(), busy, own_ticks)

    def running_others(self) -> int:
        """Tasks other processes have running right now: ``procs_running`` (``/proc/stat``) less
        this process's own running threads. Raises OSError where ``/proc`` cannot be read."""
        running = next(int(line.split()[1]) for line in self.read("/proc/stat").splitlines()
                       if line.startswith("procs_running "))
        return max(0, running - self._own_running())

    def running_elsewhere(self) -> int:
        """Processes other than this one whose (main) thread is running now, leaving out kernel
        threads and processes at a lower priority (``nice``): a scan of ``/proc/<pid>/stat``,
        about 30 us a process, for the start to confirm :meth:`running_others`."""
        count = 0
        for name in self.listdir("/proc"):
            if not name.isdigit() or int(name) == self.pid:
                continue
            try:
                text = self.read(f"/proc/{name}/stat")
                fields = text[text.rindex(")") + 2:].split()
                flags, nice = int(fields[6]), int(fields[16])  # fields 9 and 19 of proc(5)
            except (OSError, ValueError, IndexError):  # gone meanwhile
                continue
            count += fields[0] == "R" and not flags & PF_KTHREAD and nice <= 0
        return count

    def _own_running(self) -> int:
        count = 0
        for task in self.listdir("/proc/self/task"):
            try:
                text = self.read(f"/proc/self/task/{task}/stat")
            except OSError:  # the thread ended meanwhile
                continue
            count += text[text.rindex(")") + 2:text.rindex(")") + 3] == "R"
        return count

    def others(self, before: LoadSample, after: LoadSample) -> float:
        """Cores that other processes kept busy on average between two samples."""
        seconds = after.time - before.time
        if seconds <= 0:
            return 0.0
        ticks = (after.busy_ticks - before.busy_ticks) - (after.own_ticks - before.own_ticks)
        return max(0.0, ticks / self.tick / seconds)


# --------------------------------------------------------------------------- the run's threads
class LoadWatch:
    """Sets a run's BLAS threads to the cores other processes leave free (see the module).

    Parameters
    ----------
    many : int
        The BLAS's own thread count: the most the watch sets.
    load : CoreLoad
        Where the machine's load is read.
    window : float
        Seconds between two looks during the run (from the start to the first one too).
    """

    def __init__(self, many: int, load: CoreLoad, window: float = WINDOW_SECONDS):
        self.many, self.load, self.window = many, load, window
        self.threads = many
        self.last: LoadSample | None = None
        # the last looks: why, how many cores others took, the threads set (for logs and tests)
        self.decisions: deque[dict] = deque(maxlen=64)
        self._asked_fewer = False  # the last look asked for fewer threads than set

    def threads_for(self, others: float) -> int:
        """The threads for the cores that ``others`` busy cores leave, rounded to the nearest."""
        free = self.load.cores - others
        return max(1, min(self.many, int(np.floor(free + 0.5))))

    def start(self) -> int | None:
        """The first decision, from the tasks running elsewhere now; returns the threads set, or
        None (nothing set) where the load cannot be read."""
        self.last = self.load.sample()
        if self.last is None:
            return None
        try:
            others = self.load.running_others()
            for _ in range(START_SAMPLES - 1):  # a busy process runs in every count; a passing task does not
                if others == 0:
                    break
                others = min(others, self.load.running_others())
            if others:  # who? a kernel thread or a niced process does not take a core from this run
                others = min(others, self.load.running_elsewhere())
        except (OSError, StopIteration):
            others = 0
        return self._set("start", others)

    def end_step(self) -> None:
        """After a step: when a window has passed, read the load over it and set the threads."""
        if self.last is None or self.load.clock() - self.last.time < self.window:
            return
        now = self.load.sample()
        if now is None:
            return
        others, self.last = self.load.others(self.last, now), now
        self._set("load", others)

    def _set(self, reason: str, others: float) -> int:
        threads = self.threads_for(others)
        if reason != "start":
            if threads > self.threads:  # more threads only on a clear margin: a collapse costs more
                threads = max(self.threads, self.threads_for(others + UP_MARGIN))
            fewer = threads < self.threads
            if fewer and not self._asked_fewer:  # fewer only when two looks in a row ask for it:
                threads = self.threads  # one window can catch a hypervisor's moment (steal time)
            self._asked_fewer = fewer
        self.decisions.append({"reason": reason, "others": others, "threads": threads})
        # (at the start self.threads is the BLAS's own count; beside another run, that run's
        # count stands: the setting is process-wide and a user's choice wins)
        if threads != self.threads and _runs <= 1:
            log.debug("BLAS threads %d -> %d: other processes keep %.2f of %d cores busy",
                      self.threads, threads, others, self.load.cores)
            self.threads = threads
            _set_threads(threads)
        return self.threads


# Runs in this process that set the BLAS's threads now (threads of one process may each train),
# and the BLAS's thread counts from before the first of them, put back when the last one ends:
# the BLAS's setting is process-wide, so a run that ended first must not restore it under another.
_runs_lock = threading.Lock()
_runs = 0
_restore: list[int] = []
_touched = False  # a run has set the BLAS's threads since the first of them started (else: nothing to put back)


def _enter() -> bool:
    """Count a run that sets the BLAS's threads; True when no other run does (it may watch the load)."""
    global _runs, _restore, _touched
    with _runs_lock:
        if _runs == 0:
            _restore, _touched = [lib.num_threads for lib in _blas()], False
        _runs += 1
        return _runs == 1


def _leave() -> None:
    global _runs
    with _runs_lock:
        _runs -= 1
        if _runs == 0 and _touched:  # a quiet run that kept the BLAS's count never calls into it
            for lib, count in zip(_blas(), _restore):
                lib.set_num_threads(count)


@contextmanager
def thread_policy(threads: int | None, dims, columns: int):
    """The BLAS's threads for one training run: ``with thread_policy(...) as watch:``.

    Sets them by :func:`decide` and yields a :class:`LoadWatch` for the loop to call
    :meth:`~LoadWatch.end_step` on, or None (the user's count, the BLAS left alone, or nothing
    to choose). The BLAS's own count is restored when the run ends, however it ends (when the
    last of several concurrent runs in this process ends); a run that starts beside another one
    does not watch the load.

    Parameters
    ----------
    threads : int or None
        The run's ``threads`` option.
    dims : sequence of int
        The layer sizes ``n[0] .. n[L]``.
    columns : int
        Examples in a step (the batch size, or m).
    """
    mode, n = decide(threads)
    largest = max(dims[l] * dims[l - 1] for l in range(1, len(dims)))
    if mode == "leave" or (mode == "auto" and largest * columns < OPENBLAS_THREADING_THRESHOLD):
        yield None
        return
    alone = _enter()
    try:
        watch = None
        if mode == "fixed":
            _set_threads(n)
        elif alone:
            watch = LoadWatch(n, CoreLoad())
            if watch.start() is None:  # no /proc to read: the BLAS as it was
                watch = None
        yield watch
    finally:
        _leave()
