"""Trials and the executors that run them: in process, in spawned processes, on real Dask clusters.

Everything here is real: spawned process pools, a ``distributed.LocalCluster`` and ``dask
scheduler`` / ``dask worker`` processes, all listening on 127.0.0.1 only. Worker processes are
killed by their process id to check that a lost trial is run again.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest


from nnlab.config import Hyperparameters
from nnlab.data import train_dev_test_split
from nnlab.model import Model
from nnlab.search.cluster import DaskExecutor
from nnlab.search.executors import (
    SCHEDULER_ENV,
    ExecutorError,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from nnlab.search.trial import MAX_CURVE_POINTS, TrialData, TrialRecord, TrialTask, run_trial, subsample_curves

requires_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None,
    reason="dask.distributed is not installed: pip install 'nnlab[dask]' (the test extra includes it)",
)

# What must not depend on where or when a trial ran.
RESULT_KEYS = ("number", "state", "reason", "dev_metric", "dev_cost", "train_metric", "train_cost", "metric_name",
               "epochs_run", "curves")
TIMEOUT = 120  # seconds; a future that takes longer is a hang, not a slow machine


@pytest.fixture(scope="module")
def data(flower) -> TrialData:
    X, Y = flower
    split = train_dev_test_split(X, Y, dev=0.25, seed=0)
    return TrialData(*split.train, *split.dev)


def make_task(number: int, **hyperparameters) -> TrialTask:
    values = {"hidden_layers": (4,), "activation": "tanh", "learning_rate": 1.2, "epochs": 200, "seed": number}
    values.update(hyperparameters)
    return TrialTask(number, Hyperparameters(**values), {"learning_rate": values["learning_rate"]})


# Four configurations, one of them diverging: every executor must give the same four records.
TASKS = [
    make_task(0),
    make_task(1, learning_rate=0.3, hidden_layers=(5, 3), activation="relu"),
    make_task(2, optimizer="adam", learning_rate=0.01, batch_size=64),
    make_task(3, activation="relu", learning_rate=1e9),  # diverges: a FAIL with its reason
]
LONG_TASK = make_task(7, epochs=12000)  # about 2 s alone on one core


def results(outcomes) -> list[dict]:
    return [{key: getattr(outcome, key) for key in RESULT_KEYS} for outcome in outcomes]


def collect(executor, tasks) -> list[dict]:
    futures = [executor.submit(task) for task in tasks]
    done, not_done = concurrent.futures.wait(futures, timeout=TIMEOUT)
    assert not not_done, "trials did not finish in time"
    return [future.result() for future in futures]


@pytest.fixture(scope="module")
def serial_outcomes(data) -> list[TrialRecord]:
    with SerialExecutor(data) as executor:
        outcomes = collect(executor, TASKS)
    assert [outcome.state for outcome in outcomes] == ["COMPLETE", "COMPLETE", "COMPLETE", "FAIL"]
    return outcomes


# --------------------------------------------------------------------------- run_trial
def test_complete_trial_has_every_field_json_ready_and_its_model(data):
    outcome = run_trial(make_task(0, epochs=450), data)
    assert isinstance(outcome, TrialRecord) and outcome.params == {"learning_rate": 1.2} and outcome.seed == 0
    # the trained model travels as arrays and metadata; it scores what the record says
    model = Model.from_arrays(*outcome.model)
    assert model.evaluate(data.X_dev, data.Y_dev)["metric"] == outcome.dev_metric
    assert len(model.history.epoch) == 450
    assert outcome.state == "COMPLETE" and outcome.reason is None
    assert outcome.number == 0 and outcome.metric_name == "accuracy"
    for key in ("dev_metric", "dev_cost", "train_metric", "train_cost"):
        assert isinstance(getattr(outcome, key), float) and np.isfinite(getattr(outcome, key))
    assert 0.7 < outcome.dev_metric <= 1 and 0.7 < outcome.train_metric <= 1
    assert outcome.epochs_run == 450 and outcome.retries == 0
    assert outcome.seconds > 0 and outcome.pid == os.getpid() and outcome.host == socket.gethostname()
    curves = outcome.curves
    assert set(curves) == {"epoch", "train_cost", "dev_cost", "train_metric", "dev_metric"}
    assert all(len(values) == MAX_CURVE_POINTS for values in curves.values())
    assert curves["epoch"][0] == 0 and curves["epoch"][-1] == 449 and curves["epoch"] == sorted(set(curves["epoch"]))
    # the last point is the trained model's dev cost, as evaluate measures it
    assert curves["dev_cost"][-1] == pytest.approx(outcome.dev_cost, rel=1e-12)
    stored = json.loads(json.dumps(outcome.to_json(), allow_nan=False))  # what the study keeps: no model
    assert "model" not in stored and TrialRecord.from_json(stored, number=0, params=outcome.params, seed=0,
                                                             state="COMPLETE") == outcome


def test_curves_are_subsampled_evenly_keeping_first_and_last():
    n = 1001
    history = {"epoch": list(range(n)), "train_cost": [1.0 / (i + 1) for i in range(n)],
               "dev_cost": [float("nan")] * n, "train_metric": [0.5] * n, "dev_metric": [float("inf")] * n}
    curves = subsample_curves(history)
    assert len(curves["epoch"]) == MAX_CURVE_POINTS and curves["epoch"][0] == 0 and curves["epoch"][-1] == n - 1
    assert np.all(np.diff(curves["epoch"]) >= 5)  # evenly spread: no clumps
    assert curves["train_cost"][-1] == 1.0 / n and curves["dev_cost"] == [None] * MAX_CURVE_POINTS
    assert curves["dev_metric"] == [None] * MAX_CURVE_POINTS  # non-finite values are JSON null
    short = subsample_curves({name: values[:3] for name, values in history.items()})
    assert short["epoch"] == [0, 1, 2]


def test_diverging_trial_is_recorded_failed_with_the_divergence_message(data):
    task = make_task(5, activation="relu", learning_rate=1e6, standardize=False)
    unscaled = data._replace(X_train=data.X_train * 1e3, X_dev=data.X_dev * 1e3)
    outcome = run_trial(task, unscaled)
    assert outcome.state == "FAIL"
    assert outcome.reason.startswith("training diverged:") and "learning rate 1e+06" in outcome.reason
    assert "\n" not in outcome.reason
    assert all(getattr(outcome, key) is None for key in ("dev_metric", "dev_cost", "train_metric", "train_cost"))
    # the curves up to the divergence are kept for the report
    assert 0 < outcome.epochs_run < 200 and len(outcome.curves["epoch"]) == outcome.epochs_run
    assert outcome.model is None
    json.dumps(outcome.to_json(), allow_nan=False)


def test_a_task_carries_validated_hyperparameters_only(data):
    with pytest.raises(TypeError, match="hyperparameters must be a Hyperparameters; got dict"):
        TrialTask(6, {"learning_rate": -1.0})
    with pytest.raises(TypeError, match="task must be a TrialTask; got dict"):
        run_trial({"number": 6, "hyperparameters": {}}, data)


def test_a_combination_the_data_rule_out_fails_the_trial():
    from nnlab.data import make_blobs

    X, Y = make_blobs(n_samples=60, centers=3, seed=0)
    three_classes = TrialData(X[:, :45], Y[:, :45], X[:, 45:], Y[:, 45:])
    outcome = run_trial(make_task(6, output="sigmoid"), three_classes)  # a sigmoid output for three classes
    assert outcome.state == "FAIL" and outcome.reason.startswith("ValueError: a sigmoid output needs two classes")
    assert outcome.dev_metric is None and outcome.epochs_run == 0 and outcome.model is None
    assert run_trial(make_task(6, output="softmax"), three_classes).state == "COMPLETE"


def test_keyboard_interrupt_is_not_swallowed(data):
    class Interrupting:
        """Data whose first use interrupts, as Ctrl-C during training would."""

        @property
        def X_train(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_trial(make_task(0), Interrupting())


def test_same_task_twice_gives_identical_results(data):
    first, second = run_trial(TASKS[1], data), run_trial(TASKS[1], data)
    assert first.state == "COMPLETE"
    assert results([first]) == results([second])


# --------------------------------------------------------------------------- serial and processes
def test_serial_executor_runs_at_submit_and_reports_malformed_tasks(data):
    with make_executor("serial", data) as executor:
        assert (executor.kind, executor.workers) == ("serial", 1)
        future = executor.submit(TASKS[0])
        assert future.done() and future.result().pid == os.getpid()
        assert isinstance(executor.submit({"params": {}}).exception(), TypeError)
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(TASKS[0])


def test_process_executor_matches_serial_and_uses_two_processes(data, serial_outcomes):
    with make_executor("processes", data, jobs=2) as executor:
        assert isinstance(executor, ProcessExecutor) and (executor.kind, executor.workers) == ("processes", 2)
        outcomes = collect(executor, TASKS + TASKS)
    assert results(outcomes[:4]) == results(serial_outcomes)
    assert results(outcomes[4:]) == results(serial_outcomes)
    pids = {outcome.pid for outcome in outcomes}
    # the data travel once per process (the initializer): never more processes than jobs
    assert len(pids) == 2 and os.getpid() not in pids
    assert all(outcome.retries == 0 for outcome in outcomes)


def _new_child(known: set[int], timeout: float = 30) -> int:
    """The pid of a multiprocessing child of this process that is not in ``known``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = [p.pid for p in multiprocessing.active_children() if p.pid is not None and p.pid not in known]
        if fresh:
            return fresh[0]
        time.sleep(0.02)
    raise AssertionError("no new worker process appeared")


def test_a_killed_worker_process_is_replaced_and_its_trial_rerun_once(data):
    with ProcessExecutor(data, jobs=1) as executor:
        first = executor.submit(TASKS[0]).result(timeout=TIMEOUT)
        victim = first.pid
        future = executor.submit(LONG_TASK)
        time.sleep(0.3)  # the trial is training in the only worker
        os.kill(victim, signal.SIGKILL)
        outcome = future.result(timeout=TIMEOUT)
        assert outcome.state == "COMPLETE" and outcome.retries == 1 and outcome.pid != victim
        after = executor.submit(TASKS[0]).result(timeout=TIMEOUT)  # the new pool keeps serving
    assert results([after]) == results([first]) and after.retries == 0


def test_a_trial_whose_worker_dies_twice_raises_executor_error(data):
    with ProcessExecutor(data, jobs=1) as executor:
        victim = executor.submit(TASKS[0]).result(timeout=TIMEOUT).pid
        # every child already there (a session's Dask cluster has worker processes too) is not the one
        before = {process.pid for process in multiprocessing.active_children()}
        future = executor.submit(LONG_TASK)
        time.sleep(0.3)
        os.kill(victim, signal.SIGKILL)
        os.kill(_new_child(before), signal.SIGKILL)  # the replacement pool's worker, running the retry
        with pytest.raises(ExecutorError, match=r"trial 7: a worker process died twice"):
            future.result(timeout=TIMEOUT)


def test_interrupt_inside_with_cancels_and_stops_the_workers(data):
    before = {process.pid for process in multiprocessing.active_children()}  # e.g. the session's Dask cluster
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with make_executor("processes", data, jobs=1) as executor:
            future = executor.submit(make_task(8, epochs=100_000))  # a minute or more
            time.sleep(1.5)  # the worker has started and is training
            assert not future.done()
            raise KeyboardInterrupt
    assert future.cancelled() and time.monotonic() - start < 10
    assert not {process.pid for process in multiprocessing.active_children()} - before  # stopped, not left to finish
    with pytest.raises(RuntimeError, match="after shutdown"):
        executor.submit(TASKS[0])


def test_make_executor_rejects_unknown_kinds_and_dask_without_scheduler(data, monkeypatch):
    with pytest.raises(ExecutorError, match=r"executor must be one of \['serial', 'processes', 'dask'\]; got 'gpu'"):
        make_executor("gpu", data)
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    with pytest.raises(ExecutorError, match=f"needs a scheduler address.*--scheduler.*{SCHEDULER_ENV}"):
        make_executor("dask", data)
    with pytest.raises(ExecutorError, match="must start with tcp:// or tls://"):
        make_executor("dask", data, scheduler="127.0.0.1:8786")
    with pytest.raises(TypeError, match="TrialData"):
        make_executor("serial", (data.X_train, data.Y_train))


def test_importing_executors_does_not_import_dask():
    code = "import sys, nnlab.search.executors, nnlab.search.cluster; print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "[]"


def test_missing_dask_says_how_to_install_it(data, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # what an environment without the extra sees
    with pytest.raises(ExecutorError, match=r"pip install 'nnlab\[dask\]'"):
        make_executor("dask", data, scheduler="tcp://127.0.0.1:8786")


# --------------------------------------------------------------------------- Dask
@pytest.fixture
def cluster(dask_cluster):
    """The session's LocalCluster of two worker processes (conftest.py)."""
    return dask_cluster


def _task_dependencies(dask_scheduler) -> dict[str, list[str]]:
    """Run on the scheduler: each task's key and the keys it depends on."""
    return {str(key): sorted(str(d.key) for d in task.dependencies) for key, task in dask_scheduler.tasks.items()}


@requires_dask
def test_dask_executor_matches_serial_and_sends_the_data_once(data, cluster, serial_outcomes):
    import distributed

    with make_executor("dask", data, scheduler=cluster.scheduler_address) as executor:
        assert isinstance(executor, DaskExecutor) and (executor.kind, executor.workers) == ("dask", 2)
        futures = [executor.submit(task) for task in TASKS]
        assert all(isinstance(future, concurrent.futures.Future) for future in futures)
        concurrent.futures.wait(futures, timeout=TIMEOUT)
        outcomes = [future.result() for future in futures]
        dependencies = executor.client.run_on_scheduler(_task_dependencies)
    assert results(outcomes) == results(serial_outcomes)
    worker_pids = {outcome.pid for outcome in outcomes}
    assert os.getpid() not in worker_pids and len(worker_pids) <= 2
    # one data task, which every trial task refers to instead of carrying the data
    data_keys = [key for key in dependencies if key.startswith("nnlab-data-")]
    trial_keys = sorted(key for key in dependencies if key.startswith("nnlab-trial-"))
    assert len(data_keys) == 1 and dependencies[data_keys[0]] == []
    assert [key.rsplit("-", 1)[0] for key in trial_keys] == [f"nnlab-trial-{n}" for n in range(4)]
    assert all(dependencies[key] == data_keys for key in trial_keys)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        assert data_keys[0] not in client.who_has()  # released at shutdown


@requires_dask
def test_scheduler_address_from_the_environment(data, cluster, monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, cluster.scheduler_address)
    with make_executor("dask", data) as executor:
        assert executor.address == cluster.scheduler_address
        assert executor.submit(TASKS[0]).result(timeout=TIMEOUT).state == "COMPLETE"


@requires_dask
def test_unreachable_scheduler_raises_executor_error_quickly(data):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    start = time.monotonic()
    with pytest.raises(ExecutorError, match=f"cannot reach the Dask scheduler at {address} within 1 s"):
        make_executor("dask", data, scheduler=address, timeout=1)
    assert time.monotonic() - start < 10
    with pytest.raises(ExecutorError, match="needs Dask's TLS settings"):
        make_executor("dask", data, scheduler=address.replace("tcp://", "tls://"), timeout=1)


@requires_dask
def test_dask_worker_killed_mid_trial_is_rescheduled(data, cluster):
    with make_executor("dask", data, scheduler=cluster.scheduler_address) as executor:
        pids = executor.client.run(os.getpid)  # worker address -> pid
        future = executor.submit(LONG_TASK)
        deadline = time.monotonic() + 60
        while True:
            holders = [address for address, keys in executor.client.processing().items()
                       if any(str(key).startswith("nnlab-trial-7-") for key in keys)]
            if holders or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert holders, "the trial was never assigned to a worker"
        time.sleep(0.5)  # training
        victim = pids[holders[0]]
        data_holders = [set(addresses) for key, addresses in executor.client.who_has().items()
                        if str(key).startswith("nnlab-data-")]
        # the hard case: the trial runs where the only copy of the data is (the scheduler put it
        # there for locality), so the data are lost too and must be computed again
        assert data_holders == [{holders[0]}]
        os.kill(victim, signal.SIGKILL)
        outcome = future.result(timeout=TIMEOUT)
    assert outcome.state == "COMPLETE" and outcome.epochs_run == 12000 and outcome.pid != victim


@requires_dask
def test_dask_interrupt_inside_with_cancels_the_trials(data, cluster):
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with make_executor("dask", data, scheduler=cluster.scheduler_address) as executor:
            futures = [executor.submit(LONG_TASK), executor.submit(LONG_TASK), executor.submit(LONG_TASK)]
            raise KeyboardInterrupt
    assert all(future.cancelled() for future in futures) and time.monotonic() - start < 10
    assert executor.client.status == "closed"


@requires_dask
def test_dask_scheduler_and_worker_processes_from_the_command_line(data, serial_outcomes, dask_command_line_cluster):
    address, worker_pid = dask_command_line_cluster
    assert address.startswith("tcp://127.0.0.1:")
    with make_executor("dask", data, scheduler=address) as executor:
        assert executor.workers == 1
        outcomes = collect(executor, TASKS)
    assert results(outcomes) == results(serial_outcomes)
    assert {outcome.pid for outcome in outcomes} == {worker_pid}  # the worker we started
