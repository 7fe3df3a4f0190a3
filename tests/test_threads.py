"""The BLAS thread policy (nnlab.engine.threads): who decides, how the load is read, what the
pacer sets.

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


def test_an_active_limit_is_left_alone(automatic):
    from nnlab.search.trial import one_blas_thread

    with one_blas_thread():
        seen, inside = _threads_seen()
        assert policy.current_pacer() is None
    assert seen == [1, 1, 1] and inside == 1


def test_a_blas_variable_is_left_alone(automatic, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    X, Y, parameters = _problem()
    seen = []
    train(X, Y, parameters, epochs=40, learning_rate=0.01,
          on_epoch=lambda e, h: seen.append((policy.current_pacer(), blas_threads())))
    assert seen == [(None, 2)] * 40  # nothing measured, nothing set


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
        self.running = 1  # procs_running: this test's own thread
        self.own = [0, 0]  # this process's utime, stime
        self.tasks = {"100": "R"}
        self.procs = {}  # other processes: pid -> (state, flags, nice)

    def read(self, path):
        if path == "/proc/stat":
            lines = ["cpu  " + " ".join(str(sum(v[k] for v in self.cpu.values())) for k in range(8))]
            lines += [f"cpu{i} " + " ".join(map(str, v)) for i, v in self.cpu.items()]
            return "\n".join(lines + ["intr 0", f"procs_running {self.running}", "procs_blocked 0"]) + "\n"
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
        return CoreLoad(cpus=cpus, read=self.read, listdir=self.listdir, clock=self.clock)


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
    assert proc.load().sample().running_others == 2
    proc.running = 1  # our count races with the kernel's: never below zero
    assert proc.load().sample().running_others == 0


def test_without_proc_the_load_is_unknown():
    def missing(path):
        raise FileNotFoundError(path)

    assert policy.CoreLoad(cpus=(0, 1), read=missing, listdir=lambda path: []).sample() is None


def test_a_real_busy_process_is_seen():
    """Through the real /proc: a busy loop beside this process keeps at least half a core busy."""
    load = policy.CoreLoad()
    if load.sample() is None:
        pytest.skip("no /proc here")
    loop = subprocess.Popen([sys.executable, "-c", "import time\nend = time.monotonic() + 30\nwhile time.monotonic() < end: pass"])
    try:
        time.sleep(0.2)  # started
        before = load.sample()
        running = before.running_others
        time.sleep(0.6)
        others = load.others(before, load.sample())
    finally:
        loop.kill()
        loop.wait()
    assert others >= 0.5, f"a busy loop ran beside this process, but others kept only {others:.2f} cores busy"
    assert running >= 1


# --------------------------------------------------------------------------- the pacer
def test_the_start_takes_a_thread_per_free_core(automatic, monkeypatch):
    monkeypatch.setattr(policy.os, "getpid", lambda: 100)
    proc = FakeProc()
    assert policy.Pacer(2, proc.load()).start() == 2 and blas_threads() == 2
    proc.elsewhere(("R", 0, 0))  # another process runs now
    assert policy.Pacer(2, proc.load()).start() == 1 and blas_threads() == 1
    proc.elsewhere(*[("R", 0, 0)] * 9)
    assert policy.Pacer(2, proc.load()).start() == 1  # never fewer than one
    proc.elsewhere(("R", 0, 19), ("R", policy.PF_KTHREAD, 0), ("S", 0, 0))  # niced, a kernel thread, asleep
    assert policy.Pacer(2, proc.load()).start() == 2
    proc.elsewhere()
    proc.running = 2  # counted, but found nowhere by the scan (it ended): not another process
    assert policy.Pacer(2, proc.load()).start() == 2


def test_the_watch_follows_the_load_once_a_window(automatic):
    proc = FakeProc()
    load = proc.load()
    load.tick = 100
    pacer = policy.Pacer(2, load, window=0.25)
    assert pacer.start() == 2
    proc.spend(2.0, others=1.0, own=1.0)  # a busy process starts
    pacer.end_step()
    assert pacer.threads == 1 and blas_threads() == 1
    proc.spend(0.1, others=0.0, own=1.0)  # within the window: no look
    pacer.end_step()
    assert len(pacer.decisions) == 2
    proc.spend(1.0, others=0.6, own=1.0)  # over the 1.1 s since the last look, half a core: still one
    pacer.end_step()
    assert pacer.threads == 1
    proc.spend(1.0, others=0.3, own=2.0)  # a third of a core: two would round nearer, but not by the margin
    pacer.end_step()
    assert pacer.threads == 1
    proc.spend(1.0, others=0.1, own=2.0)  # it stops: two again
    pacer.end_step()
    assert pacer.threads == 2 and blas_threads() == 2
    proc.spend(1.0, others=0.6, own=1.0)  # going down needs no margin
    pacer.end_step()
    assert pacer.threads == 1
    assert [d["reason"] for d in pacer.decisions] == ["start"] + ["load"] * 5
    # a window spans all the time since the last look
    assert [d["others"] for d in pacer.decisions[1:]] == pytest.approx([1.0, 0.6 / 1.1, 0.3, 0.1, 0.6], abs=0.01)


def test_many_cores_keep_a_thread_per_free_core():
    proc = FakeProc(cpus=8)
    pacer = policy.Pacer(8, proc.load(cpus=range(8)))
    assert [pacer.threads_for(o) for o in (0.0, 0.4, 0.6, 1.0, 3.2, 7.9, 12.0)] == [8, 8, 7, 7, 5, 1, 1]


def test_training_follows_the_load_and_restores_the_blas(automatic, monkeypatch):
    proc = FakeProc()
    monkeypatch.setattr(policy.os, "getpid", lambda: 100)
    proc.elsewhere(("R", 0, 0))  # another process runs at the start
    monkeypatch.setattr(policy, "CoreLoad", lambda: proc.load())
    X, Y, parameters = _problem()
    seen = []

    def on_epoch(epoch, history):
        seen.append((policy.current_pacer(), blas_threads()))
        proc.spend(0.2, others=0.0, own=1.0)  # then quiet: the next window finds two cores free

    train(X, Y, parameters, epochs=6, learning_rate=0.01, on_epoch=on_epoch)
    pacer = seen[0][0]
    assert pacer is not None and all(p is pacer for p, _ in seen)
    assert [t for _, t in seen] == [1, 1, 2, 2, 2, 2]  # the first look (0.25 s: the third step) finds it quiet
    assert policy.current_pacer() is None and blas_threads() == 2


def test_small_runs_are_not_paced(automatic):
    rs = np.random.RandomState(0)
    X, Y = rs.rand(2, 400), (rs.rand(1, 400) > 0.5).astype(float)  # the flower's size
    parameters = {"W1": rs.randn(4, 2), "b1": np.zeros((4, 1)), "W2": rs.randn(1, 4), "b2": np.zeros((1, 1))}
    seen = []
    train(X, Y, parameters, epochs=50, learning_rate=0.5, on_epoch=lambda e, h: seen.append(policy.current_pacer()))
    assert seen == [None] * 50


def test_without_proc_the_blas_is_left_as_it_is(automatic, monkeypatch):
    def missing(path):
        raise FileNotFoundError(path)

    monkeypatch.setattr(policy, "CoreLoad", lambda: CoreLoad(read=missing, listdir=missing))
    seen, after = _threads_seen()
    assert seen == [2, 2, 2] and after == 2 and policy.current_pacer() is None


def test_concurrent_runs_restore_the_blas_once_the_last_one_ends(automatic):
    """Threads of one process training at once: the BLAS's count is process-wide, so it is put
    back when the last run ends, never by one that ends under another (which would leave the
    process on one thread for good); a run beside another does not measure."""
    import threading

    X, Y, parameters = _problem()
    first_inside, second_started, first_done = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first(e, h):  # holds its run open until the second one has started
        first_inside.set()
        second_started.wait(10)

    def run_first():
        train(X, Y, parameters, epochs=1, learning_rate=0.01, threads=1, on_epoch=first)
        first_done.set()

    def second(e, h):  # and this one outlives the first
        second_started.set()
        first_done.wait(10)
        seen["threads"], seen["pacer"] = blas_threads(), policy.current_pacer()

    worker = threading.Thread(target=run_first)
    worker.start()
    assert first_inside.wait(10)  # the order: first in, second in, first out, second out
    train(X, Y, parameters, epochs=1, learning_rate=0.01, threads=1, on_epoch=second)
    worker.join(10)
    assert seen == {"threads": 1, "pacer": None}  # the first run's end did not restore under it
    assert blas_threads() == 2 and policy._runs == 0  # the last one's end did
