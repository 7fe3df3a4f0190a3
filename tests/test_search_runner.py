"""The search end to end: real executors, real SQLite studies, the real CLI, real SIGKILLs."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from interrupt import sigint_when, start_interruptible

import nnlab.search.runner as runner_module
from nnlab.cli import main
from nnlab.data import load_data, split_indices
from nnlab.model import Model
from nnlab.search import load_records, load_search_config, open_run, run_search, trial_seed
from search_config import write_config

NNLAB = str(Path(sys.executable).with_name("nnlab"))

def leaderboard(records) -> list[tuple]:
    """What must not depend on the executor: each trial's index, params, seed and scores."""
    return sorted(
        (r.number, tuple(sorted(r.params.items())), r.seed, r.state, r.dev_metric, r.train_metric)
        for r in records
    )


def search(config_path: Path, out: Path, **kwargs):
    return run_search(load_search_config(config_path), out, echo=lambda line: None, **kwargs)


# ------------------------------------------------------------------ one search, its outputs


def test_grid_search_runs_every_point_once_and_writes_its_outputs(tmp_path):
    result = search(write_config(tmp_path), tmp_path / "run")
    records = result.records
    assert len(records) == 8 and [r.number for r in records] == list(range(8))
    points = {tuple(sorted(r.params.items())) for r in records}
    assert len(points) == 8  # every grid point exactly once
    assert all(r.state == "COMPLETE" for r in records)
    assert all(r.seed == trial_seed(7, r.number) for r in records)
    best = result.best
    assert best.dev_metric == max(r.dev_metric for r in records)
    for name in ("study.db", "leaderboard.csv", "best_model.npz", "report.html"):
        assert (tmp_path / "run" / name).stat().st_size > 0
    # The best model is the best trial retrained: same seed, same data, same dev accuracy.
    config = load_search_config(tmp_path / "grid-serial.toml")
    dataset = load_data("flower")
    train, dev, test = split_indices(dataset.Y, dev=0.25, test=0.25, seed=0)
    model = Model.load(tmp_path / "run" / "best_model.npz")
    assert model.score(dataset.X[:, dev], dataset.Y[:, dev]) == best.dev_metric
    assert result.summary["test_metric"] == model.score(dataset.X[:, test], dataset.Y[:, test])
    assert model.hyperparameters == config.hyperparameters(best.params, best.seed)


def test_trials_never_see_the_test_split_and_it_is_scored_once(tmp_path, monkeypatch):
    """The data shipped to the executor holds no test example; Model.evaluate sees the test
    split exactly once, after every trial has finished."""
    shipped, evaluated = [], []
    real_make_executor, real_evaluate = runner_module.make_executor, Model.evaluate

    def spy_make_executor(kind, data, **kwargs):
        shipped.append(data)
        return real_make_executor(kind, data, **kwargs)

    def spy_evaluate(self, X, Y):
        evaluated.append(np.array(X, copy=True))
        return real_evaluate(self, X, Y)

    monkeypatch.setattr(runner_module, "make_executor", spy_make_executor)
    monkeypatch.setattr(Model, "evaluate", spy_evaluate)
    search(write_config(tmp_path), tmp_path / "run")

    dataset = load_data("flower")
    _, _, test = split_indices(dataset.Y, dev=0.25, test=0.25, seed=0)
    test_columns = {tuple(column) for column in dataset.X[:, test].T}
    (data,) = shipped
    for X in (data.X_train, data.X_dev):
        assert not test_columns & {tuple(column) for column in X.T}
    assert data.X_train.shape[1] + data.X_dev.shape[1] + len(test) == dataset.n_examples
    # serial trials evaluate train and dev in this process; only one call ever sees test columns
    touching = [X for X in evaluated if test_columns & {tuple(column) for column in X.T}]
    assert len(touching) == 1 and touching[0].shape[1] == len(test)
    assert evaluated[-1] is not None and np.array_equal(evaluated[-1], touching[0])  # the very last call


def test_a_fixed_linear_output_splits_the_data_as_a_regression_and_scores_it_with_r2(tmp_path, monkeypatch):
    # One inference of the task for the split and the metric: with output = "linear" on class
    # labels the split is the regression's (not stratified), as `load_splits(output="linear")` makes it.
    from nnlab.data import load_splits

    shipped = []
    real_make_executor = runner_module.make_executor

    def spy_make_executor(kind, data, **kwargs):
        shipped.append(data)
        return real_make_executor(kind, data, **kwargs)

    monkeypatch.setattr(runner_module, "make_executor", spy_make_executor)
    path = write_config(tmp_path, strategy="random", trials=1, epochs=30, extra='[fixed]\noutput = "linear"\n')
    result = search(path, tmp_path / "run")

    regression = load_splits("flower", dev=0.25, test=0.25, split_seed=0, output="linear")
    stratified = load_splits("flower", dev=0.25, test=0.25, split_seed=0)
    assert regression.targets.task == "regression" and stratified.targets.task != "regression"
    assert not np.array_equal(regression.split.dev[1], stratified.split.dev[1])  # the two splits differ
    (data,) = shipped
    np.testing.assert_array_equal(data.X_dev, regression.split.dev[0])
    np.testing.assert_array_equal(data.Y_dev, regression.split.dev[1])
    assert result.summary["metric_name"] == "r2"


def test_a_diverging_configuration_is_recorded_failed_and_the_search_goes_on(tmp_path):
    config = write_config(tmp_path, extra="[fixed]\nstandardize = false\n").read_text()
    config = config.replace("learning_rate = [0.3, 1.2]", "learning_rate = [0.3, 1e9]")
    path = tmp_path / "diverge.toml"
    path.write_text(config)
    result = search(path, tmp_path / "run")
    failed = [r for r in result.records if r.state == "FAIL"]
    assert failed and all(r.params["learning_rate"] == 1e9 for r in failed)
    assert all("diverged" in r.reason for r in failed)
    assert len(result.records) == 8 and result.best.params["learning_rate"] == 0.3
    csv_text = (tmp_path / "run" / "leaderboard.csv").read_text()
    assert "diverged" in csv_text


def test_random_and_tpe_draw_the_same_trials_serially_and_in_processes(tmp_path):
    for strategy in ("random", "tpe"):
        serial = search(write_config(tmp_path, strategy, trials=6), tmp_path / f"{strategy}-serial")
        processes = search(write_config(tmp_path, strategy, trials=6, executor="processes", jobs=2),
                           tmp_path / f"{strategy}-processes")
        assert leaderboard(serial.records) == leaderboard(processes.records), strategy


def test_serial_processes_and_dask_give_identical_leaderboards(tmp_path, dask_cluster):
    path = write_config(tmp_path)
    serial = search(path, tmp_path / "serial")
    processes = search(path, tmp_path / "processes", executor="processes", jobs=2)
    dask = search(path, tmp_path / "dask", executor="dask", scheduler=dask_cluster.scheduler_address)
    assert leaderboard(serial.records) == leaderboard(processes.records) == leaderboard(dask.records)
    assert serial.summary["test_metric"] == processes.summary["test_metric"] == dask.summary["test_metric"]


# ------------------------------------------------------------------ resume


def completed_in(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        # a short timeout: polls retry, and waiting out a write's lock lets the watched moment pass
        with contextlib.closing(sqlite3.connect(db, timeout=0.1)) as connection:
            return connection.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is still being created, or a write holds the lock
        return 0


def test_a_search_killed_with_sigkill_resumes_without_losing_or_repeating_trials(tmp_path):
    path = write_config(tmp_path, epochs=3000)  # trials of a few tenths of a second: killed mid-search
    out = tmp_path / "killed"
    process = subprocess.Popen([NNLAB, "search", str(path), "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sigint_when(process, lambda: completed_in(out / "study.db") >= 3, poll=0.05, signum=signal.SIGKILL)
    before = completed_in(out / "study.db")
    assert 3 <= before < 8

    resumed = subprocess.run([NNLAB, "search", str(path), "--out", str(out)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    records = load_records(open_run(out))
    assert [r.number for r in records] == list(range(8))  # none lost, none duplicated
    assert completed_in(out / "study.db") == 8  # the finished ones were not rerun
    uninterrupted = search(path, tmp_path / "straight")
    assert leaderboard(records) == leaderboard(uninterrupted.records)


def test_a_study_written_with_one_attribute_per_result_reads_the_same(tmp_path):
    # Studies from before a trial's results became the one "outcome" attribute stored each field
    # as an attribute of its own: their records (and so `nnlab report`) must not lose them.
    import json
    import sqlite3

    out = tmp_path / "run"
    records = search(write_config(tmp_path, epochs=30), out).records
    with sqlite3.connect(out / "study.db") as db:
        rows = db.execute("SELECT trial_id, value_json FROM trial_user_attributes WHERE key = 'outcome'").fetchall()
        assert len(rows) == len(records) == 8
        for trial_id, value in rows:
            db.executemany("INSERT INTO trial_user_attributes (trial_id, key, value_json) VALUES (?, ?, ?)",
                           [(trial_id, key, json.dumps(field)) for key, field in json.loads(value).items()])
        db.execute("DELETE FROM trial_user_attributes WHERE key = 'outcome'")
    assert load_records(open_run(out)) == records


def test_rerunning_a_finished_search_runs_nothing(tmp_path):
    path = write_config(tmp_path)
    first = search(path, tmp_path / "run")
    kept = Model.load(tmp_path / "run" / "best_model.npz")  # the best trial's own model, kept
    again = search(path, tmp_path / "run")
    assert completed_in(tmp_path / "run" / "study.db") == 8
    assert leaderboard(first.records) == leaderboard(again.records)
    # This process trained no trial, so it trained the best one again: the same model to the bit.
    retrained = Model.load(tmp_path / "run" / "best_model.npz")
    assert kept.parameters_.keys() == retrained.parameters_.keys()
    for key, value in kept.parameters_.items():
        np.testing.assert_array_equal(retrained.parameters_[key], value, err_msg=key)
    assert again.summary["test_metric"] == first.summary["test_metric"]
    assert again.summary["test_cost"] == first.summary["test_cost"]


def test_a_resumed_tpe_search_runs_the_interrupted_index_once(tmp_path):
    # TPE asks a batch of trials at once: the interrupted trial's index, taken from the rerun list,
    # must not be drawn again as a fresh index in the same batch.
    from nnlab.search.space import optuna_distributions
    from nnlab.search.study import INDEX, open_study

    config = load_search_config(write_config(tmp_path, strategy="tpe", trials=6, epochs=30))
    run = tmp_path / "run"
    run.mkdir()
    study = open_study(config, run, None)
    left = study.ask(optuna_distributions(config.space))  # a trial a killed process left RUNNING
    left.set_user_attr(INDEX, 0)
    left.set_user_attr("seed", trial_seed(7, 0))
    del study

    result = run_search(config, run, echo=lambda line: None)
    trials = [t for t in open_run(run).get_trials() if not t.user_attrs.get("interrupted")]
    indices = sorted(t.user_attrs[INDEX] for t in trials)
    assert indices == list(range(6))  # each index run once, six trials in all
    assert [r.number for r in result.records] == list(range(6))


def test_processes_asked_of_a_serial_config_run_one_per_usable_cpu_and_say_so(tmp_path, monkeypatch):
    # A serial config leaves jobs unset: `--executor processes` then means one process per CPU of
    # the affinity (three here, whatever this machine has), as the start line says.
    workers = []
    real_make_executor = runner_module.make_executor

    def spy_make_executor(kind, data, **kwargs):
        executor = real_make_executor(kind, data, **kwargs)
        workers.append(executor.workers)
        return executor

    monkeypatch.setattr(runner_module, "make_executor", spy_make_executor)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    path = write_config(tmp_path, strategy="random", trials=2, epochs=30)
    assert load_search_config(path).jobs is None
    result = CliRunner().invoke(main, ["search", str(path), "--out", str(tmp_path / "run"), "--executor", "processes"])
    assert result.exit_code == 0, result.output
    assert "executor processes x3" in result.output.splitlines()[0]
    assert workers == [3]


def test_a_run_folder_refuses_a_different_search(tmp_path):
    search(write_config(tmp_path), tmp_path / "run")
    changed = write_config(tmp_path, epochs=99)
    result = CliRunner().invoke(main, ["search", str(changed), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    assert "holds a different search" in result.output and "Traceback" not in result.output


# ------------------------------------------------------------------ the CLI


def test_cli_search_prints_the_leaderboard_best_and_report_then_report_rebuilds(tmp_path):
    path = write_config(tmp_path)
    result = CliRunner().invoke(main, ["search", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "Leaderboard" in result.output and "best configuration: trial" in result.output
    assert "test accuracy" in result.output and "report.html" in result.output
    assert "optuna-dashboard sqlite:///" in result.output
    report = tmp_path / "run" / "report.html"
    report.unlink()
    rebuilt = CliRunner().invoke(main, ["report", str(tmp_path / "run")])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert report.exists() and "data:image/png;base64," in report.read_text()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[data\nsource = 'flower'", "bad.toml"),
        ("[data]\nsource = 'flower'\n[space]\nlearning_rate = {low = 1.0, high = 0.1}\n", "space.learning_rate"),
        ("[data]\nsource = 'flower'\n[space]\nbanana = [1, 2]\n", "banana"),
        ("[data]\nsource = 'flower'\n[space]\n", "space"),
    ],
)
def test_bad_toml_is_one_clear_line(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = subprocess.run([NNLAB, "search", str(path), "--out", str(tmp_path / "run")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0]


def test_report_of_a_folder_without_a_search_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert result.exit_code == 1 and "holds no search" in result.output


def test_search_through_a_dask_scheduler_and_worker_started_from_the_command_line(tmp_path, dask_command_line_cluster):
    address, _ = dask_command_line_cluster
    path = write_config(tmp_path)
    result = subprocess.run([NNLAB, "search", str(path), "--out", str(tmp_path / "dask"), "--scheduler", address],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "executor dask" in result.stdout
    serial = search(path, tmp_path / "serial")
    assert leaderboard(load_records(open_run(tmp_path / "dask"))) == leaderboard(serial.records)


@pytest.mark.parametrize("executor", ["serial", "processes"])
def test_ctrl_c_stops_cleanly_says_how_to_resume_and_the_rerun_finishes(tmp_path, executor):
    # 3,000 epochs (a few tenths of a second a trial): the search is still running when Ctrl-C comes
    path = write_config(tmp_path, epochs=3000, executor=executor, jobs=2 if executor == "processes" else None)
    out = tmp_path / "interrupted"
    process = start_interruptible([NNLAB, "search", str(path), "--out", str(out)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = sigint_when(process, lambda: completed_in(out / "study.db") >= 2, poll=0.05)
    assert process.returncode == 130
    assert "rerun the same command to resume" in stdout and "Traceback" not in stdout + stderr
    resumed = subprocess.run([NNLAB, "search", str(path), "--out", str(out)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert [r.number for r in load_records(open_run(out))] == list(range(8))


def test_five_sigkills_at_random_moments_then_resume_give_the_uninterrupted_leaderboard(tmp_path):
    """Kill -9 five times at seeded random moments (before the study exists, mid-trial, between
    trials, ...); after the final resume every index ran exactly once, with the leaderboard of a
    search that was never interrupted."""
    path = write_config(tmp_path, epochs=3000)
    out = tmp_path / "killed-five-times"
    delays = np.random.RandomState(2026).uniform(0.0, 1.2, size=5)  # after the study file appears
    progress = []
    for delay in delays:
        process = subprocess.Popen([NNLAB, "search", str(path), "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while not (out / "study.db").exists() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            try:
                process.wait(timeout=delay)  # it may finish before its moment
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        progress.append(completed_in(out / "study.db"))
    assert progress[-1] < 8, f"the kills came too late to interrupt anything: {progress}"
    finished = subprocess.run([NNLAB, "search", str(path), "--out", str(out)], capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    records = load_records(open_run(out))
    assert [r.number for r in records] == list(range(8))
    assert completed_in(out / "study.db") == 8  # no completed trial was ever run twice
    assert leaderboard(records) == leaderboard(search(path, tmp_path / "straight").records)
