"""The BLAS thread policy (nnlab.engine.threads): who decides, how the load is read, what the
watch sets.

The decisions are checked against the real BLAS through threadpoolctl. The arithmetic of the
load is checked on a fake ``/proc`` whose numbers the test sets; a real busy process is then
seen through the real ``/proc``. No timing is asserted.
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from nnlab.engine import threads as policy
from nnlab.engine.threads import CoreLoad
from nnlab.engine.training import TrainOptions, train


def blas_threads() -> int:
    pools = [p for p in threadpool_info() if p["user_api"] == "blas"]
    if not pools:
        pytest.skip("no BLAS found by threadpoolctl")
    return min(p["num_threads"] for p in pools)


@pytest.fixture
def automatic(monkeypatch):
    """A process where the policy is automatic: no BLAS variables, 2 BLAS threads, 2 cores."""
    for name in policy.ENVIRONMENT_LIMITS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("NNLAB_THREADS", raising=False)  # the measured policy is the default
    monkeypatch.setattr(policy, "_usable_cores", lambda: 2)
    with threadpool_limits(limits=2, user_api="blas"):
        yield


def _problem(n0=600, m=900, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.rand(n0, m)
    Y = (rs.rand(1, m) > 0.5).astype(float)
    parameters = {"W1": rs.randn(40, n0) * 0.01, "b1": np.zeros((40, 1)), "W2": rs.randn(1, 40) * 0.1,
                  "b2": np.zeros((1, 1))}
    return X, Y, parameters


@pytest.fixture
def watches(monkeypatch):
    """The LoadWatch objects that training runs make, in order."""
    made = []

    class Recorded(policy.LoadWatch):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(policy, "LoadWatch", Recorded)
    return made


def _threads_seen(**options):
    """Train a few epochs; return the BLAS threads seen during each epoch and after the run."""
    X, Y, parameters = _problem()
    seen = []
    train(X, Y, parameters, epochs=3, learning_rate=0.01, on_epoch=lambda e, h: seen.append(blas_threads()), **options)
    return seen, blas_threads()


# --------------------------------------------------------------------------- who decides
def test_decide_order(automatic, monkeypatch):
    assert policy.decide() == ("auto", 2)
    assert policy.decide(1) == ("fixed", 1)
    monkeypatch.setenv("NNLAB_THREADS", "1")
    assert policy.decide() == ("fixed", 1)
    assert policy.decide(2) == ("fixed", 2)  # the parameter over the variable
    monkeypatch.setenv("NNLAB_THREADS", "auto")
    for name in policy.ENVIRONMENT_LIMITS:
        assert policy.decide(environ={name: "2", "NNLAB_THREADS": "auto"}) == ("leave", None)
    with threadpool_limits(limits=1, user_api="blas"):  # the search's one_blas_thread
        assert policy.decide() == ("leave", None)


def test_a_threads_parameter_wins_and_is_restored(automatic):
    seen, after = _threads_seen(threads=1)
    assert seen == [1, 1, 1] and after == 2


def test_nnlab_threads_variable_wins(automatic, monkeypatch):
    monkeypatch.setenv("NNLAB_THREADS", "1")
    seen, after = _threads_seen()
    assert seen == [1, 1, 1] and after == 2


def test_an_active_limit_is_left_alone(automatic, watches):
    from nnlab.search.trial import one_blas_thread

    X, Y, parameters = _problem()
    seen = []
    with one_blas_thread():
        train(X, Y, parameters, epochs=3, learning_rate=0.01,
              on_epoch=lambda e, h: seen.append((policy._runs, blas_threads())))
        inside = blas_threads()
    assert seen == [(0, 1)] * 3 and inside == 1 and watches == []  # no run set threads; none watched


def test_a_blas_variable_is_left_alone(automatic, monkeypatch, watches):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    X, Y, parameters = _problem()
    seen = []
    train(X, Y, parameters, epochs=3, learning_rate=0.01,
          on_epoch=lambda e, h: seen.append((policy._runs, blas_threads())))
    assert seen == [(0, 2)] * 3 and watches == []  # the load not read, nothing set


def test_bad_thread_counts_are_named():
    with pytest.raises(ValueError, match="threads"):
        TrainOptions(epochs=1, learning_rate=0.1, threads=0)
    with pytest.raises(ValueError, match="NNLAB_THREADS must be a positive integer or 'auto'; got 'two'"):
        policy.decide(environ={"NNLAB_THREADS": "two"})


def test_results_do_not_depend_on_the_thread_count_beyond_blas(automatic):
    X, Y, parameters = _problem()
    one = train(X, Y, parameters, epochs=20, learning_rate=0.05, threads=1).parameters
    two = train(X, Y, parameters, epochs=20, learning_rate=0.05, threads=2).parameters
    auto = train(X, Y, parameters, epochs=20, learning_rate=0.05).parameters
    for name in one:  # OpenBLAS may differ in the low bits between thread counts; no more
        np.testing.assert_allclose(two[name], one[name], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(auto[name], one[name], rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- the machine's load
class FakeProc:
    """A ``/proc`` whose tick counts, running tasks and clock the test sets.

    ``cpu`` holds each CPU's (user, nice, system, idle, iowait, irq, softirq, steal) ticks."""

    def __init__(self, cpus=2):
        self.now = 0.0
        self.cpu = {i: [0] * 8 for i in range(cpus)}
        self.running = 1  # procs_running: this test's own thread (or a list: one count per read)
        self.own = [0, 0]  # this process's utime, stime
        self.tasks = {"100": "R"}
        self.procs = {}  # other processes: pid -> (state, flags, nice)

    def read(self, path):
        if path == "/proc/stat":
            lines = ["cpu  " + " ".join(str(sum(v[k] for v in self.cpu.values())) for k in range(8))]
            lines += [f"cpu{i} " + " ".join(map(str, v)) for i, v in self.cpu.items()]
            running = self.running
            if isinstance(running, list):  # one per read of /proc/stat, the last one kept
                running = running.pop(0) if len(running) > 1 else running[0]
            return "\n".join(lines + ["intr 0", f"procs_running {running}", "procs_blocked 0"]) + "\n"
        if path == "/proc/self/stat":
            rest = ["S"] + ["0"] * 10 + [str(self.own[0]), str(self.own[1])] + ["0"] * 30
            return "100 (python (x) y) " + " ".join(rest) + "\n"  # a ')' in the name: parsed from the last one
        if path.startswith("/proc/self/task/"):
            task = path.split("/")[-2]
            return f"{task} (python) {self.tasks[task]} 1 2 3\n"
        pid = path.split("/")[2]
        state, flags, nice = self.procs[pid]
        fields = [state, "1", "1", "1", "0", "-1", str(flags)] + ["0"] * 8 + ["20", str(nice)] + ["0"] * 20  # proc(5) fields 3-9, 18, 19
        return f"{pid} (busy) " + " ".join(fields) + "\n"

    def listdir(self, path):
        if path == "/proc":
            return ["self", "stat", "100", *self.procs]  # 100: this process, left out by pid
        assert path == "/proc/self/task"
        return list(self.tasks)

    def elsewhere(self, *procs):
        """Other processes running now: ``(state, flags, nice)`` each; procs_running follows."""
        self.procs = {str(200 + i): p for i, p in enumerate(procs)}
        self.running = 1 + sum(state == "R" for state, _, _ in procs)

    def clock(self):
        return self.now

    def spend(self, seconds, *, others=0.0, own=0.0, niced=0.0, ticks=100):
        """``seconds`` pass; other processes keep ``others`` cores busy, this one ``own``."""
        self.now += seconds
        self.cpu[0][0] += round(ticks * seconds * (others + own))  # user
        self.cpu[1][1] += round(ticks * seconds * niced)  # nice
        self.cpu[1][3] += round(ticks * seconds * 2)  # idle: never counted
        self.own[0] += round(ticks * seconds * own)

    def load(self, cpus=(0, 1)):
        return CoreLoad(cpus=cpus, read=self.read, listdir=self.listdir, clock=self.clock, pid=100)


def test_core_load_counts_other_processes_busy_ticks():
    proc = FakeProc()
    load = proc.load()
    load.tick = 100
    first = load.sample()
    proc.spend(2.0, others=1.0, own=1.5, niced=0.5)
    second = load.sample()
    assert second.time - first.time == 2.0
    assert load.others(first, second) == pytest.approx(1.0)  # own ticks and nice ticks are not others'
    proc.spend(1.0, own=2.0)
    assert load.others(second, load.sample()) == 0.0
    assert load.others(second, second) == 0.0  # no time passed: nothing to say


def test_core_load_reads_only_the_cpus_it_may_use():
    proc = FakeProc(cpus=4)
    load = proc.load(cpus=(1,))  # cpu0, where the others run, is not this process's
    load.tick = 100
    first = load.sample()
    proc.spend(1.0, others=1.0)
    assert load.others(first, load.sample()) == 0.0


def test_running_others_leaves_out_this_process_threads():
    proc = FakeProc()  # procs_running counts threads, this process's too
    proc.running, proc.tasks = 4, {"100": "R", "101": "R", "102": "S"}  # two of ours run: two others
    assert proc.load().running_others() == 2
    proc.running = 1  # our count races with the kernel's: never below zero
    assert proc.load().running_others() == 0


def test_without_proc_the_load_is_unknown():
    def missing(path):
        raise FileNotFoundError(path)

    assert policy.CoreLoad(cpus=(0, 1), read=missing, listdir=lambda path: []).sample() is None


def test_a_real_busy_process_is_seen():
    """Through the real /proc: a busy loop beside this process is counted running, and keeps at
    least half a core busy over a window. Looked for during up to 10 s (a loaded machine may
    give the loop less than half a core in one window, but not in every one)."""
    load = policy.CoreLoad()
    if load.sample() is None:
        pytest.skip("no /proc here")
    loop = subprocess.Popen([sys.executable, "-c", "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end: pass"])
    windows, counted = [], 0
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not (counted and windows and max(windows) >= 0.5):
            before = load.sample()
            counted = max(counted, load.running_others())
            time.sleep(0.5)
            windows.append(load.others(before, load.sample()))
    finally:
        loop.kill()
        loop.wait()
    assert counted >= 1, "a busy loop ran beside this process, but no count saw it running"
    assert max(windows) >= 0.5, f"a busy loop ran beside this process, but others kept only {windows} cores busy"


# --------------------------------------------------------------------------- the watch
def test_the_start_takes_a_thread_per_free_core(automatic):
    proc = FakeProc()
    assert policy.LoadWatch(2, proc.load()).start() == 2 and blas_threads() == 2
    proc.elsewhere(("R", 0, 0))  # another process runs now
    assert policy.LoadWatch(2, proc.load()).start() == 1 and blas_threads() == 1
    proc.elsewhere(*[("R", 0, 0)] * 9)
    assert policy.LoadWatch(2, proc.load()).start() == 1  # never fewer than one
    proc.elsewhere(("R", 0, 19), ("R", policy.PF_KTHREAD, 0), ("S", 0, 0))  # niced, a kernel thread, asleep
    assert policy.LoadWatch(2, proc.load()).start() == 2
    proc.elsewhere()
    proc.running = 2  # counted, but found nowhere by the scan (it ended): not another process
    assert policy.LoadWatch(2, proc.load()).start() == 2


def test_the_start_takes_the_smallest_of_its_counts(automatic):
    proc = FakeProc()
    proc.elsewhere(("R", 0, 0))  # a process the scan would find running...
    # (the first read of /proc/stat is the start's tick sample, the next ones its counts)
    proc.running = [1, 2] + [1] * (policy.START_SAMPLES - 1)  # ...counted in one count only: passing
    assert policy.LoadWatch(2, proc.load()).start() == 2
    proc.running = [2] * policy.START_SAMPLES  # in every count: it takes a core
    assert policy.LoadWatch(2, proc.load()).start() == 1


def test_the_watch_follows_the_load_once_a_window(automatic):
    proc = FakeProc()
    load = proc.load()
    load.tick = 100
    watch = policy.LoadWatch(2, load, window=0.25)
    assert watch.start() == 2
    proc.spend(0.3, others=1.0, own=1.0)  # one busy window (a passing process, the hypervisor): kept
    watch.end_step()
    assert watch.threads == 2
    proc.spend(0.3, others=0.0, own=2.0)
    watch.end_step()
    proc.spend(2.0, others=1.0, own=1.0)  # a busy process starts...
    watch.end_step()
    assert watch.threads == 2
    proc.spend(0.1, others=1.0, own=1.0)  # (within the window: no look)
    watch.end_step()
    assert len(watch.decisions) == 4
    proc.spend(0.9, others=1.0, own=1.0)  # ...and is still there at the next look: one thread
    watch.end_step()
    assert watch.threads == 1 and blas_threads() == 1
    proc.spend(1.0, others=0.6, own=1.0)  # more than half a core: still one
    watch.end_step()
    assert watch.threads == 1
    proc.spend(1.0, others=0.3, own=2.0)  # a third of a core: two would round nearer, but not by the margin
    watch.end_step()
    assert watch.threads == 1
    proc.spend(1.0, others=0.1, own=2.0)  # it stops: two again, at once
    watch.end_step()
    assert watch.threads == 2 and blas_threads() == 2
    decisions = list(watch.decisions)
    assert [d["reason"] for d in decisions] == ["start"] + ["load"] * 7
    assert [d["threads"] for d in decisions] == [2, 2, 2, 2, 1, 1, 1, 2]
    # a window spans all the time since the last look
    assert [d["others"] for d in decisions[1:]] == pytest.approx([1.0, 0.0, 1.0, 1.0, 0.6, 0.3, 0.1], abs=0.01)


def test_many_cores_keep_a_thread_per_free_core():
    proc = FakeProc(cpus=8)
    watch = policy.LoadWatch(8, proc.load(cpus=range(8)))
    assert [watch.threads_for(o) for o in (0.0, 0.4, 0.6, 1.0, 3.2, 7.9, 12.0)] == [8, 8, 7, 7, 5, 1, 1]


def test_training_follows_the_load_and_restores_the_blas(automatic, monkeypatch, watches):
    proc = FakeProc()
    proc.elsewhere(("R", 0, 0))  # another process runs at the start
    monkeypatch.setattr(policy, "CoreLoad", lambda: proc.load())
    X, Y, parameters = _problem()
    seen = []

    def on_epoch(epoch, history):
        seen.append(blas_threads())
        proc.spend(0.2, others=0.0, own=1.0)  # then quiet: the next window finds two cores free

    train(X, Y, parameters, epochs=6, learning_rate=0.01, on_epoch=on_epoch)
    assert len(watches) == 1  # one watch for the run
    assert seen == [1, 1, 2, 2, 2, 2]  # the first look (0.25 s: the third step) finds it quiet
    assert blas_threads() == 2 and policy._runs == 0


def test_small_runs_are_left_alone(automatic, watches):
    rs = np.random.RandomState(0)
    X, Y = rs.rand(2, 400), (rs.rand(1, 400) > 0.5).astype(float)  # the flower's size
    parameters = {"W1": rs.randn(4, 2), "b1": np.zeros((4, 1)), "W2": rs.randn(1, 4), "b2": np.zeros((1, 1))}
    seen = []
    train(X, Y, parameters, epochs=5, learning_rate=0.5, on_epoch=lambda e, h: seen.append(policy._runs))
    assert seen == [0] * 5 and watches == []


def test_without_proc_the_blas_is_left_as_it_is(automatic, monkeypatch, watches):
    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(policy, "CoreLoad", lambda: CoreLoad(read=missing, listdir=missing))
    seen, after = _threads_seen()
    assert seen == [2, 2, 2] and after == 2
    assert len(watches) == 1 and list(watches[0].decisions) == []  # made, found nothing to read, set nothing


def _hold_open(first_kwargs, second_kwargs, X, Y, parameters):
    """Run two trainings in two threads in the order: first in, second in, first out, second
    out; return what the second saw at its epoch's end, after the first had ended."""
    import threading

    first_inside, second_started, first_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first(e, h):  # holds its run open until the second one has started
        first_inside.set()
        second_started.wait(10)

    def run_first():
        train(X, Y, parameters, epochs=1, learning_rate=0.01, on_epoch=first, **first_kwargs)
        first_done.set()

    def second(e, h):  # and this one outlives the first
        second_started.set()
        first_done.wait(10)
        seen["threads"], seen["runs"] = blas_threads(), policy._runs

    worker = threading.Thread(target=run_first)
    worker.start()
    assert first_inside.wait(10)
    train(X, Y, parameters, epochs=1, learning_rate=0.01, on_epoch=second, **second_kwargs)
    worker.join(10)
    return seen


def test_concurrent_runs_restore_the_blas_once_the_last_one_ends(automatic):
    """Threads of one process training at once: the BLAS's count is process-wide, so it is put
    back when the last run ends, never by one that ends under another (which would leave the
    process on one thread for good)."""
    X, Y, parameters = _problem()
    seen = _hold_open({"threads": 1}, {"threads": 1}, X, Y, parameters)
    assert seen == {"threads": 1, "runs": 1}  # the first run's end did not restore under it
    assert blas_threads() == 2 and policy._runs == 0  # the last one's end did


def test_a_run_beside_another_does_not_watch(automatic, monkeypatch, watches):
    proc = FakeProc()
    proc.elsewhere(("R", 0, 0))  # a watch would take one thread
    monkeypatch.setattr(policy, "CoreLoad", lambda: proc.load())
    X, Y, parameters = _problem()
    seen = _hold_open({"threads": 2}, {}, X, Y, parameters)  # the second is automatic
    assert watches == [] and seen == {"threads": 2, "runs": 1}
    assert blas_threads() == 2 and policy._runs == 0
