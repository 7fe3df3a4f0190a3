"""The BLAS thread policy (nnlab.engine.threads): who decides, and what the pacer does.

The decisions are checked against the real BLAS through threadpoolctl; no timing is asserted:
the pacer's clock is a fake one that the probe advances by an amount that depends on the
thread count the BLAS really has at that moment.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from nnlab.engine import threads as policy
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
    monkeypatch.setenv("NNLAB_THREADS", "auto")  # the measured policy is opt-in
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


# --------------------------------------------------------------------------- the pacer
class FakeMachine:
    """A clock that the probe advances by ``cost[threads the BLAS has now]``."""

    def __init__(self, cost):
        self.now, self.cost = 0.0, dict(cost)

    def clock(self):
        return self.now

    def probe(self):
        self.now += self.cost[blas_threads()]

    def step(self, pacer, seconds, examples=100):
        pacer.start_step()
        self.now += seconds
        pacer.end_step(examples)


def test_the_pacer_keeps_the_faster_setting(automatic):
    quiet = FakeMachine({2: 0.01, 1: 0.016})
    pacer = policy.Pacer(2, quiet.probe, clock=quiet.clock)
    assert pacer.choose() == 2 and blas_threads() == 2
    busy = FakeMachine({2: 0.04, 1: 0.016})
    pacer = policy.Pacer(2, busy.probe, clock=busy.clock)
    assert pacer.choose() == 1 and blas_threads() == 1


def test_a_much_slower_step_falls_back_to_one_thread_and_a_quiet_spell_returns(automatic):
    machine = FakeMachine({2: 0.01, 1: 0.016})
    pacer = policy.Pacer(2, machine.probe, clock=machine.clock)
    assert pacer.choose() == 2
    for _ in range(policy.REFERENCE_STEPS + 3):
        machine.step(pacer, 0.01)
    assert pacer.reference == pytest.approx(1e-4) and len(pacer.probes) == 1
    machine.now += 1000  # a long run: the probes' share of it is small
    machine.cost[2] = 0.05  # another process takes a core: two threads collapse
    machine.step(pacer, 0.05)  # one late step: no probe
    assert len(pacer.probes) == 1
    for _ in range(policy.REFERENCE_STEPS - 1):  # a lasting slowdown: a probe, and one thread
        machine.step(pacer, 0.01 * policy.SLOWER * 1.1)
    assert pacer.probes[-1]["reason"] == "slower" and pacer.threads == 1 and blas_threads() == 1
    machine.cost[2] = 0.01  # it leaves: after the recheck period, all threads again
    machine.step(pacer, 0.016)
    machine.now += 100 * policy.RECHECK_SECONDS  # (and the probes' share of the time is small)
    machine.step(pacer, 0.016)
    assert pacer.probes[-1]["reason"] == "recheck" and pacer.threads == 2 and blas_threads() == 2


def test_probes_wait_while_they_would_take_more_than_their_share(automatic):
    machine = FakeMachine({2: 0.01, 1: 0.016})
    pacer = policy.Pacer(2, machine.probe, clock=machine.clock)
    pacer.choose()  # 78 ms of probing in a run of 0.2 s: no second probe yet
    for _ in range(policy.REFERENCE_STEPS + 1 + 5):
        machine.step(pacer, 0.01)
    machine.cost[2] = 0.05
    for _ in range(10):
        machine.step(pacer, 0.05)
    assert len(pacer.probes) == 1 and blas_threads() == 2
    machine.now += 1000  # the run goes on long enough
    machine.step(pacer, 0.05)
    assert pacer.probes[-1]["reason"] == "slower" and blas_threads() == 1


def test_a_step_within_the_margin_does_not_probe(automatic):
    machine = FakeMachine({2: 0.01, 1: 0.016})
    pacer = policy.Pacer(2, machine.probe, clock=machine.clock)
    pacer.choose()
    for seconds in [0.01] * (policy.REFERENCE_STEPS + 1):
        machine.step(pacer, seconds)
    machine.now += 1000  # a long run: the probes' share of it is small
    for _ in range(5):
        machine.step(pacer, 0.01 * policy.SLOWER * 0.9)
    assert len(pacer.probes) == 1 and blas_threads() == 2


def test_training_runs_under_the_pacer_and_restores_the_blas(automatic):
    X, Y, parameters = _problem()
    pacers = []
    train(X, Y, parameters, epochs=40, learning_rate=0.01,
          on_epoch=lambda e, h: pacers.append(policy.current_pacer()))
    assert pacers[0] is not None and all(p is pacers[0] for p in pacers)
    assert pacers[0].probes and pacers[0].probes[0]["reason"] == "start"
    assert policy.current_pacer() is None and blas_threads() == 2


def test_small_or_short_runs_are_not_probed(automatic):
    rs = np.random.RandomState(0)
    X, Y = rs.rand(2, 400), (rs.rand(1, 400) > 0.5).astype(float)  # the flower's size
    parameters = {"W1": rs.randn(4, 2), "b1": np.zeros((4, 1)), "W2": rs.randn(1, 4), "b2": np.zeros((1, 1))}
    seen = []
    train(X, Y, parameters, epochs=50, learning_rate=0.5, on_epoch=lambda e, h: seen.append(policy.current_pacer()))
    assert seen == [None] * 50


def test_without_nnlab_threads_the_blas_is_left_as_it_is(automatic, monkeypatch):
    monkeypatch.delenv("NNLAB_THREADS")
    assert policy.decide() == ("leave", None)
    seen, after = _threads_seen()
    assert seen == [2, 2, 2] and after == 2 and policy.current_pacer() is None
