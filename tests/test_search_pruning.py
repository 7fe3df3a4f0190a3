"""Pruning (Optuna's pruners over every executor), one search per run folder, no orphan workers,
and the objective named for what it is: real studies, real `nnlab search` processes, real SIGKILLs."""

from __future__ import annotations

import contextlib
import csv
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import optuna
import psutil
import pytest
from interrupt import sigint_when
from click.testing import CliRunner

from nnlab.cli import main
from nnlab.search import ConfigError, load_search_config, open_run, run_search
from nnlab.search.figures import params_figure
from nnlab.search.trial import TrialRecord

NNLAB = str(Path(sys.executable).with_name("nnlab"))

PRUNED = """
[data]
source = "flower"
[split]
dev = 0.25
test = 0.25
[search]
strategy = "random"
trials = {trials}
seed = 3
epochs = {epochs}
{search}
[pruner]
{pruner}
[executor]
kind = "{kind}"
{jobs}
[space]
hidden_layers = [[2], [4], [8]]
learning_rate = {{ low = 1e-3, high = 2.0, log = true }}
activation = ["tanh", "relu"]
"""


def write(folder: Path, *, trials=12, epochs=270, search='pruner = "successive_halving"',
          pruner="interval = 10\nmin_resource = 10\nreduction_factor = 3", kind="serial", jobs="", name="s.toml"):
    path = folder / name
    path.write_text(PRUNED.format(trials=trials, epochs=epochs, search=search, pruner=pruner, kind=kind, jobs=jobs))
    return path


def run(path: Path, out: Path, **kwargs):
    return run_search(load_search_config(path), out, echo=lambda line: None, **kwargs)


def decisions(records):
    return [(r.number, r.state, r.epochs_run, r.dev_metric, r.dev_cost) for r in records]


# ------------------------------------------------------------------ pruning


def test_successive_halving_prunes_serially_the_same_way_every_run_and_records_it_in_the_study(tmp_path):
    path = write(tmp_path)
    first = run(path, tmp_path / "a")
    states = [r.state for r in first.records]
    assert "PRUNED" in states and "COMPLETE" in states
    for record in first.records:
        if record.state == "PRUNED":  # stopped at a rung, holding the scores it reached there
            assert record.epochs_run in (10, 30, 90) and record.reason == f"pruned at epoch {record.epochs_run}"
            assert len(record.curves["epoch"]) == record.epochs_run and record.dev_metric is not None
        else:
            assert record.epochs_run == 270
    study = optuna.load_study(study_name="nnlab-search", storage=f"sqlite:///{tmp_path / 'a' / 'study.db'}")
    assert study.metric_names == ["dev accuracy"]
    for trial, record in zip(sorted(study.trials, key=lambda t: t.user_attrs["index"]), first.records):
        assert trial.state.name == record.state
        if record.state == "PRUNED":  # Optuna's record: the last step reported and its value
            assert max(trial.intermediate_values) == record.epochs_run
            assert trial.value == trial.intermediate_values[record.epochs_run] == record.dev_metric
    assert decisions(run(path, tmp_path / "b").records) == decisions(first.records)  # bit-reproducible
    # the leaderboard and its CSV show them as pruned
    with open(tmp_path / "a" / "leaderboard.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pruned = [row for row in rows if row["state"] == "PRUNED"]
    assert len(pruned) == states.count("PRUNED") and all(row["rank"] == "" and row["epochs_run"] for row in pruned)
    html = (tmp_path / "a" / "report.html").read_text()
    assert f"{states.count('PRUNED')} pruned" in html and 'alt="pruning"' in html


def _pruned_in(study_db: Path) -> dict:
    """``{index: epochs}`` of the PRUNED trials in a study file (its search no longer running)."""
    study = optuna.load_study(study_name="nnlab-search", storage=f"sqlite:///{study_db}")
    return {t.user_attrs["index"]: max(t.intermediate_values) for t in study.trials if t.state.name == "PRUNED"}


def _count_pruned(study_db: Path) -> int:
    """PRUNED trials in a study file, by one cheap query (the search is writing it)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{study_db}?mode=ro", uri=True, timeout=5)) as db:
            return db.execute("SELECT COUNT(*) FROM trials WHERE state = 'PRUNED'").fetchone()[0]
    except sqlite3.Error:  # not created yet
        return 0


def test_pruned_trials_stay_pruned_after_kill_9_and_resume(tmp_path):
    # 16 trials, most pruned at 10 epochs, the survivors trained up to 810: still running when killed
    path = write(tmp_path, trials=16, epochs=810, pruner="interval = 10\nmin_resource = 10\nreduction_factor = 3")
    out = tmp_path / "run"
    process = subprocess.Popen([NNLAB, "search", str(path), "--out", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    sigint_when(process, lambda: _count_pruned(out / "study.db") >= 2, poll=0.05, signum=signal.SIGKILL)
    before = _pruned_in(out / "study.db")
    assert len(before) >= 2  # the kill came after two trials were pruned
    resumed = run(path, out)
    assert [r.number for r in resumed.records] == list(range(16))  # none lost, none repeated
    after = {r.number: r.epochs_run for r in resumed.records if r.state == "PRUNED"}
    assert before.items() <= after.items()  # pruned before the kill: still pruned, at the same epoch
    again = run(path, out)  # a finished search: nothing rerun, pruned trials kept
    assert decisions(again.records) == decisions(resumed.records)


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_parallel_workers_send_their_values_to_the_pruner_in_the_main_process(tmp_path, kind, request):
    scheduler = request.getfixturevalue("dask_cluster").scheduler_address if kind == "dask" else None
    path = write(tmp_path, kind=kind, jobs="jobs = 2" if kind == "processes" else "")
    records = run(path, tmp_path / kind, scheduler=scheduler).records
    pruned = [r for r in records if r.state == "PRUNED"]
    assert pruned and all(r.epochs_run < 270 and r.pid != os.getpid() for r in pruned)
    study = open_run(tmp_path / kind)
    assert sum(t.state.name == "PRUNED" for t in study.trials) == len(pruned)


def test_the_median_pruner_and_the_report_interval(tmp_path):
    path = write(tmp_path, trials=8, epochs=90, search='pruner = "median"',
                 pruner="interval = 5\nwarmup = 20\nstartup_trials = 2")
    records = run(path, tmp_path / "run").records
    pruned = [r for r in records if r.state == "PRUNED"]
    assert pruned and all(r.epochs_run % 5 == 0 and r.epochs_run >= 20 for r in pruned)
    assert all(r.state == "COMPLETE" for r in records[:2])  # the startup trials run their budget


@pytest.mark.parametrize(
    "search, pruner, expected",
    [
        ('pruner = "halving"', "", "search.pruner: must be one of ['none', 'median', 'successive_halving', 'hyperband']"),
        ('pruner = "median"', "min_resource = 3", "pruner.min_resource: does not apply to pruner = 'median'"),
        ("", "interval = 3", "pruner.interval: does not apply to pruner = 'none'; set [search].pruner first"),
        ('pruner = "hyperband"', "reduction_factor = 1", "pruner.reduction_factor"),
        ('pruner = "successive_halving"', "interval = 0", "pruner.interval"),
        ('pruner = "successive_halving"', 'interval = "10"', "pruner.interval"),
        ('pruner = "median"', "patience = 3", "pruner.patience: unknown key"),
        ("startup_trials = 3", "", "search.startup_trials: applies to strategy = \"tpe\" only"),
    ],
)
def test_bad_pruner_settings_are_one_clear_line(tmp_path, search, pruner, expected):
    path = write(tmp_path, search=search, pruner=pruner)
    with pytest.raises(ConfigError) as info:
        load_search_config(path)
    message = str(info.value)
    assert expected in message and str(path) in message and "\n" not in message


def test_tpe_startup_trials_is_a_setting(tmp_path):
    path = write(tmp_path, search="startup_trials = 3", pruner="")
    path.write_text(path.read_text().replace('strategy = "random"', 'strategy = "tpe"'))
    config = load_search_config(path)
    assert config.startup_trials == 3 and config.tpe_startup_trials == 3
    default = write(tmp_path, search="", pruner="", name="default.toml")
    default.write_text(default.read_text().replace('strategy = "random"', 'strategy = "tpe"'))
    assert load_search_config(default).tpe_startup_trials == 10  # min(10, trials) unless set
    from nnlab.search.runner import _sampler

    assert _sampler(config, 0)._n_startup_trials == 3


# ------------------------------------------------------------------ naming, ranking, report


def test_a_regression_search_names_its_objective_dev_r2_everywhere(tmp_path):
    rows = "\n".join(f"{x / 40:.4f},{math.sin(x / 10):.6f}" for x in range(-100, 100))
    (tmp_path / "sine.csv").write_text("x,y\n" + rows + "\n")
    path = tmp_path / "regression.toml"
    path.write_text(
        '[data]\nsource = "sine.csv"\nlabel = "y"\n[search]\nstrategy = "grid"\nepochs = 50\n'
        '[space]\nlearning_rate = [0.01, 0.1]\n'
    )
    result = CliRunner().invoke(main, ["search", str(path), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "Leaderboard: dev R² (maximize)" in result.output and "test R² " in result.output
    assert "dev accuracy" not in result.output
    assert "dev R² (maximize)" in (tmp_path / "run" / "report.html").read_text()
    assert open_run(tmp_path / "run").metric_names == ["dev R²"]
    rebuilt = CliRunner().invoke(main, ["report", str(tmp_path / "run")])
    assert rebuilt.exit_code == 0
    assert rebuilt.output.splitlines() == [f"wrote {tmp_path / 'run' / 'leaderboard.csv'}",
                                           f"wrote {tmp_path / 'run' / 'report.html'}"]


def test_a_log_dimension_is_drawn_on_a_log_axis_with_powers_of_ten(tmp_path):
    records = [TrialRecord(number=i, state="COMPLETE", dev_metric=0.5 + i / 100, dev_cost=0.5,
                           params={"learning_rate": rate}) for i, rate in enumerate([2e-4, 1e-3, 5e-3, 3e-2])]
    figure = params_figure(records, "accuracy", "accuracy", 0, log_params=("learning_rate",))
    axes = figure.axes[0]
    assert axes.get_xscale() == "log"
    figure.canvas.draw()
    labels = [t.get_text() for t in axes.get_xticklabels() if t.get_text()]
    assert labels and all(label.startswith("$\\mathdefault{10^{") for label in labels)
    linear = params_figure(records, "accuracy", "accuracy", 0).axes[0]  # 2e-4..3e-2: over two decades anyway
    assert linear.get_xscale() == "log"


# ------------------------------------------------------------------ one search per folder, no orphans


def _start(path: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([NNLAB, "search", str(path), "--out", str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.05)
    return condition()


def _snapshot(folder: Path) -> dict:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_a_second_search_on_a_folder_in_use_stops_at_once_and_changes_nothing(tmp_path):
    path = write(tmp_path, trials=40, epochs=3000, search="", pruner="")
    out = tmp_path / "run"
    first = _start(path, out)
    try:
        assert _wait_for(lambda: (out / "study.db").exists() and (out / ".lock").read_text().strip())
        before = _snapshot(out)
        second = subprocess.run([NNLAB, "search", str(path), "--out", str(out)], capture_output=True, text=True,
                                timeout=60)
        assert second.returncode == 1
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and str(out) in lines[0] and f"pid {first.pid} on " in lines[0], second.stderr
        assert "Traceback" not in second.stderr
        after = _snapshot(out)
        assert after[".lock"] == before[".lock"]  # the holder's lock file is untouched
        # a search on another folder runs beside it, untouched
        other = subprocess.run([NNLAB, "search", str(write(tmp_path, trials=2, epochs=20, search="", pruner="", name="o.toml")),
                                "--out", str(tmp_path / "other")], capture_output=True, text=True, timeout=120)
        assert other.returncode == 0, other.stderr
        assert first.poll() is None
    finally:
        first.kill()
        first.communicate()
    # the holder died by SIGKILL: its lock file remains, the kernel released the lock; the next one takes it over
    assert (out / ".lock").read_text().split()[0] == str(first.pid)
    taken = _start(path, out)
    try:
        assert _wait_for(lambda: (out / ".lock").read_text().split()[:1] == [str(taken.pid)])
    finally:
        taken.kill()
        taken.communicate()


def test_after_kill_9_of_a_search_with_processes_no_process_of_it_remains(tmp_path):
    path = write(tmp_path, trials=40, epochs=20000, search="", pruner="", kind="processes", jobs="jobs = 2")
    search = _start(path, tmp_path / "run")
    try:
        parent = psutil.Process(search.pid)
        assert _wait_for(lambda: len([c for c in parent.children(recursive=True) if c.is_running()]) >= 3)
        family = parent.children(recursive=True)  # two workers and the resource tracker
        os.kill(search.pid, signal.SIGKILL)
        search.communicate(timeout=30)
        gone, alive = psutil.wait_procs(family, timeout=10)
        assert not alive, [(p.pid, p.cmdline()) for p in alive]
    finally:
        if search.poll() is None:
            search.kill()
            search.communicate()


def test_the_pruning_benchmark_runs_and_reports_both_searches(tmp_path, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[1]))  # benchmarks/ sits beside src/
    from benchmarks import pruning

    assert pruning.main(["--trials", "4", "--epochs", "18", "--json", str(tmp_path / "b.json")]) == 0
    out = capsys.readouterr().out
    assert "| none |" in out and "| successive_halving |" in out and "speed-up" in out
    import json

    runs = json.loads((tmp_path / "b.json").read_text())["runs"]
    assert runs[0]["epochs_trained"] == 4 * 18 and runs[1]["epochs_trained"] < 4 * 18


def test_a_dask_trial_of_a_search_that_is_gone_stops_and_the_worker_stays(dask_cluster, flower):
    import distributed

    from nnlab.config import Hyperparameters
    from nnlab.data import train_dev_test_split
    from nnlab.search.cluster import DaskExecutor
    from nnlab.search.trial import TrialData, TrialTask

    X, Y = flower
    data = TrialData(*train_dev_test_split(X, Y, dev=0.25, seed=0).train, *train_dev_test_split(X, Y, dev=0.25, seed=0).dev)
    long = TrialTask(0, Hyperparameters(hidden_layers=(4,), epochs=2_000_000, seed=0))  # minutes alone
    executor = DaskExecutor(data, dask_cluster.scheduler_address)
    watcher = distributed.Client(dask_cluster.scheduler_address, set_as_default=False)
    try:
        executor.submit(long)

        def executing() -> int:
            # threads really running a task (a released task leaves the state machine at once, its thread runs on)
            return sum(watcher.run(lambda dask_worker: len(dask_worker.active_threads)).values())

        assert _wait_for(lambda: executing() == 1)
        workers = set(watcher.scheduler_info()["workers"])
        executor.client.close()  # the search is gone (its client, and so its tasks, with it)
        assert _wait_for(lambda: executing() == 0, timeout=15)  # the trial noticed and stopped
        assert set(watcher.scheduler_info()["workers"]) == workers  # the cluster's workers stay
    finally:
        watcher.close()


def test_hyperband_prunes_with_the_epoch_budget_as_its_maximum_resource(tmp_path):
    path = write(tmp_path, search='pruner = "hyperband"', pruner="interval = 10\nmin_resource = 10")
    records = run(path, tmp_path / "run").records
    assert any(r.state == "PRUNED" for r in records)
    assert all(r.epochs_run in (10, 30, 90, 270) for r in records)  # its rungs: 10 x 3^k up to the budget
    from nnlab.search.pruning import make_pruner

    config = load_search_config(path)
    made = make_pruner(config.pruner, config.epoch_budget)
    assert isinstance(made, optuna.pruners.HyperbandPruner) and made._max_resource == 270
