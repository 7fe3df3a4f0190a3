"""The search's human-facing output: ranking, the terminal leaderboard, the CSV and report.html."""

from __future__ import annotations

import base64
import dataclasses
import csv
import math
import re

import numpy as np
import pytest

from nnlab.data import make_moons
from nnlab.model import Model
from nnlab.search.leaderboard import format_leaderboard, format_params, rank_trials, write_leaderboard_csv
from nnlab.search.report import write_report
from nnlab.search.trial import TrialRecord

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MALICIOUS = "<script>alert(1)</script>"
IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')

# (number, dev_metric, dev_cost, hidden_layers, learning_rate, activation)
# dev_metric order (maximize): 5, 0 and 9 tie at 0.95 (-> 0, 5, 9), 2, 7, 4, 11, 1, 10, 6.
# dev_cost order (minimize): 6, 10, 1, 11, 4, 7, 2, then the 0.20 tie 0, 5, 9.
TRIALS = [
    (0, 0.95, 0.20, (20, 7), 1e-4, "tanh"),
    (1, 0.80, 0.12, (10,), 3e-4, "relu"),
    (2, 0.90, 0.16, (5, 5), 1e-3, "tanh"),
    (4, 0.85, 0.14, (10,), 1e-2, "relu"),
    (5, 0.95, 0.20, (20, 7), 3e-2, "tanh"),
    (6, 0.60, 0.05, (5, 5), 1e-1, "relu"),
    (7, 0.88, 0.15, (20, 7), 3e-1, "tanh"),
    (9, 0.95, 0.20, (10,), 1.0, "relu"),
    (10, 0.70, 0.10, (5, 5), 1.2, "tanh"),
    (11, 0.82, 0.13, (20, 7), 2e-4, "relu"),
]
METRIC_ORDER = [0, 5, 9, 2, 7, 4, 11, 1, 10, 6]
COST_ORDER = [6, 10, 1, 11, 4, 7, 2, 0, 5, 9]


def completed(number, dev_metric, dev_cost, hidden, rate, activation):
    epochs = list(range(20))
    return TrialRecord(
        number=number, state="COMPLETE",
        params={"hidden_layers": hidden, "learning_rate": rate, "activation": activation},
        reason=None, dev_metric=dev_metric, dev_cost=dev_cost,
        train_metric=min(1.0, dev_metric + 0.03), train_cost=dev_cost * 0.8,
        metric_name="accuracy", seconds=1.5 + number / 10,
        curves={
            "epoch": epochs,
            "train_cost": [0.7 * math.exp(-e / 5) + dev_cost * 0.8 for e in epochs],
            "dev_cost": [0.7 * math.exp(-e / 6) + dev_cost for e in epochs],
            "train_metric": [0.5 + e / 40 for e in epochs],
            "dev_metric": [0.5 + e / 45 for e in epochs],
        },
    )


def failed(number, reason, params):
    return TrialRecord(number=number, state="FAIL", params=params, reason=reason, metric_name="accuracy", seconds=0.2)


def changed(record, **params):
    """``record`` with ``params`` set (a record is frozen)."""
    return dataclasses.replace(record, params={**record.params, **params})


LONG_REASON = "training diverged: the cost became NaN at epoch 12 " + "x" * 200


@pytest.fixture
def records():
    trials = [completed(*row) for row in TRIALS]
    trials[2] = changed(trials[2], l2=0.01)  # a parameter only some trials have
    trials[3] = changed(trials[3], l2=0.1)
    trials[4] = dataclasses.replace(trials[4], curves={})  # a completed trial without curves
    return [
        *trials[:2],
        failed(3, LONG_REASON, {"hidden_layers": (20, 7), "learning_rate": 5.0, "activation": "tanh"}),
        *trials[2:7],
        failed(8, "out of memory\nwhile allocating", {"hidden_layers": (5, 5), "learning_rate": 1e-4, "activation": "relu"}),
        *trials[7:],
    ]


def summary_for(records, objective="accuracy", direction="maximize", **extra):
    ranked = rank_trials(records, objective, direction)
    summary = {
        "objective": objective, "direction": direction, "strategy": "tpe", "trials_requested": 12,
        "data": "moons", "best_number": ranked[0].number if ranked else None,
        "test_metric": 0.9375 if ranked else None, "test_cost": 0.2 if ranked else None,
        "best_params": dict(ranked[0].params) if ranked else {}, "run_dir": "runs/moons",
    }
    summary.update(extra)
    return summary


def images(text):
    return [base64.b64decode(data) for data in IMAGE.findall(text)]


# --------------------------------------------------------------------------- ranking


def test_rank_by_accuracy_best_first_ties_by_number_failed_excluded(records):
    ranked = rank_trials(records, "accuracy", "maximize")
    assert [r.number for r in ranked] == METRIC_ORDER
    assert all(r.state == "COMPLETE" for r in ranked)


def test_rank_by_cost_lowest_first_ties_by_number(records):
    assert [r.number for r in rank_trials(records, "cost", "minimize")] == COST_ORDER


def test_rank_puts_missing_and_nan_values_last_and_skips_running(records):
    records[0] = dataclasses.replace(records[0], dev_metric=float("nan"))  # trial 0
    records[1] = dataclasses.replace(records[1], dev_metric=None)  # trial 1
    records.append(dataclasses.replace(records[1], number=12, state="RUNNING", dev_metric=1.0))
    ranked = [r.number for r in rank_trials(records, "accuracy", "maximize")]
    assert ranked == [5, 9, 2, 7, 4, 11, 10, 6, 1, 0]  # 0 and 1 tie (no metric): the lower dev cost first


@pytest.mark.parametrize(("objective", "direction"), [("loss", "minimize"), ("accuracy", "up")])
def test_rank_rejects_unknown_objective_or_direction(records, objective, direction):
    with pytest.raises(ValueError, match="must be one of"):
        rank_trials(records, objective, direction)


# --------------------------------------------------------------------------- terminal


def test_format_params_is_sorted_and_compact():
    text = format_params({"learning_rate": 1.2, "hidden_layers": (20, 7), "activation": "tanh"})
    assert text == "activation=tanh hidden_layers=20,7 learning_rate=1.2"
    assert format_params({"lr": 0.000123456789, "layers": [4], "b": 32, "std": True}) == "b=32 layers=4 lr=0.000123457 std=True"
    assert format_params({}) == ""


def test_format_leaderboard(records):
    text = format_leaderboard(records, summary_for(records), top=3)
    lines = text.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("rank"))
    assert "trial" in header and "dev accuracy" in header and "seconds" in header and "params" in header
    rows = lines[lines.index(header) + 1 : lines.index(header) + 4]
    assert [row.split()[1] for row in rows] == ["0", "5", "9"]
    assert "95.00%" in rows[0] and "98.00%" in rows[0]  # dev and train accuracy as percentages
    assert "activation=tanh hidden_layers=20,7 learning_rate=0.0001" in rows[0]
    assert "7 more completed trials not shown" in text
    assert "12 trials (of 12 requested): 10 completed, 2 failed" in text
    failure = next(line for line in lines if "trial 3 failed" in line)
    shown = failure.split("failed: ", 1)[1]  # cut to 100 characters, "..." included
    assert shown == LONG_REASON[:97] + "..." and len(shown) == 100
    assert "trial 8 failed: out of memory while allocating" in text
    assert "best trial 0: test accuracy 93.75%" in text


def test_format_leaderboard_regression_cost_objective_and_no_completed(records):
    records = [dataclasses.replace(record, metric_name="r2") for record in records]
    text = format_leaderboard(records, summary_for(records, "cost", "minimize"), top=None)
    first = next(line for line in text.splitlines() if line.lstrip().startswith("1 "))
    assert first.split()[1] == "6" and "0.6000" in first and "0.05" in first and "%" not in first
    nothing = [r for r in records if r.state == "FAIL"]
    text = format_leaderboard(nothing, summary_for(nothing))
    assert "no trial completed" in text and "2 trials (of 12 requested): 0 completed, 2 failed" in text


# --------------------------------------------------------------------------- CSV


def test_leaderboard_csv_round_trip(tmp_path, records):
    path = write_leaderboard_csv(tmp_path / "leaderboard.csv", records, summary_for(records))
    assert path == tmp_path / "leaderboard.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
        handle.seek(0)
        header = next(csv.reader(handle))
    assert header == [
        "rank", "number", "state", "activation", "hidden_layers", "l2", "learning_rate",
        "dev_metric", "dev_cost", "train_metric", "train_cost", "epochs_run", "seconds", "reason",
    ]
    assert len(rows) == 12
    assert [int(r["number"]) for r in rows] == METRIC_ORDER + [3, 8]
    assert [r["rank"] for r in rows] == [str(k) for k in range(1, 11)] + ["", ""]
    assert [r["state"] for r in rows[-2:]] == ["FAIL", "FAIL"]
    assert rows[0]["hidden_layers"] == "20,7" and float(rows[0]["learning_rate"]) == 1e-4
    assert float(rows[0]["dev_metric"]) == 0.95 and rows[-1]["dev_metric"] == ""
    assert rows[-2]["reason"] == " ".join(LONG_REASON.split())  # the whole reason, on one line
    assert rows[-1]["reason"] == "out of memory while allocating"
    by_number = {int(r["number"]): r for r in rows}
    assert by_number[2]["l2"] == "0.01" and by_number[0]["l2"] == ""  # params missing elsewhere
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leaderboard.csv"]  # no temporary left


def test_leaderboard_csv_ranks_by_cost(tmp_path, records):
    path = write_leaderboard_csv(tmp_path / "by_cost.csv", records, summary_for(records, "cost", "minimize"))
    with open(path, newline="", encoding="utf-8") as handle:
        assert [int(r["number"]) for r in csv.DictReader(handle)] == COST_ORDER + [3, 8]


# --------------------------------------------------------------------------- report.html


def test_report_is_self_contained_with_plots(tmp_path, records):
    records[5] = changed(records[5], activation=MALICIOUS)  # trial 5: a hostile string from a user file
    records[8] = dataclasses.replace(records[8], reason=MALICIOUS)  # failed trial 8
    summary = summary_for(records)
    path = write_report(tmp_path / "report.html", records, summary)
    assert path == tmp_path / "report.html"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert "activation=tanh hidden_layers=20,7 learning_rate=0.0001" in text  # best params
    assert "93.75%" in text and "moons" in text and "tpe" in text
    assert "<script" not in text.lower()  # escaped, and no JavaScript of our own
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "http://" not in text and "https://" not in text  # no external assets
    pngs = images(text)
    assert len(pngs) == 3  # hyperparameters, learning curves, train vs dev
    assert all(png.startswith(PNG_MAGIC) for png in pngs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # atomic: no temporary left
    assert write_report(tmp_path / "report.html", records, summary).read_text(encoding="utf-8") == text  # reproducible
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]  # replaced in place
    # the summary of an interrupted search names no best params: the best record's are shown
    unnamed = write_report(tmp_path / "report.html", records, {**summary, "best_params": {}}).read_text(encoding="utf-8")
    assert "activation=tanh hidden_layers=20,7 learning_rate=0.0001" in unnamed


def test_report_with_no_completed_trial(tmp_path, records):
    nothing = [r for r in records if r.state == "FAIL"]
    text = write_report(tmp_path / "report.html", nothing, summary_for(nothing)).read_text(encoding="utf-8")
    assert "No trial completed" in text and "no trial completed" in text
    assert images(text) == []
    assert "out of memory while allocating" in text
    empty = write_report(tmp_path / "empty.html", [], {}).read_text(encoding="utf-8")
    assert "No trial completed" in empty


def test_report_with_a_single_trial_and_missing_values(tmp_path):
    one = completed(0, 0.75, 0.4, (4,), 0.1, "tanh")
    one = dataclasses.replace(one, train_metric=None, curves={**one.curves, "dev_cost": [None] * 20}, metric_name="r2")
    text = write_report(tmp_path / "report.html", [one], summary_for([one], test_metric=float("nan"))).read_text(
        encoding="utf-8"
    )
    pngs = images(text)
    assert len(pngs) == 2 and all(png.startswith(PNG_MAGIC) for png in pngs)  # no train-vs-dev points
    assert "No train vs dev plot" in text and "0.7500" in text and "R²" in text


def test_report_with_cost_objective_and_list_params(tmp_path, records):
    # params as read back from JSON: tuples become lists
    records = [changed(record, hidden_layers=list(record.params["hidden_layers"])) for record in records]
    summary = summary_for(records, "cost", "minimize")
    text = write_report(tmp_path / "report.html", records, summary).read_text(encoding="utf-8")
    assert "hidden_layers=5,5" in text and len(images(text)) == 3


def test_report_draws_the_decision_boundary_of_a_fitted_model(tmp_path, records):
    X, Y = make_moons(seed=0)
    model = Model(hidden_layers=(5,), activation="tanh", learning_rate=0.5, epochs=30).fit(X, Y)
    top = rank_trials(records, "accuracy", "maximize")[:2]
    path = write_report(tmp_path / "report.html", top, summary_for(top), boundary=(model, X, Y))
    text = path.read_text(encoding="utf-8")
    pngs = images(text)
    assert len(pngs) == 4 and all(png.startswith(PNG_MAGIC) for png in pngs)
    assert 'alt="decision boundary"' in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]

    X3 = np.vstack([X, X[:1] * X[1:]])  # three features: no plane to draw on, a note instead
    three = Model(hidden_layers=(3,), epochs=5).fit(X3, Y)
    text = write_report(tmp_path / "r3.html", [], {}, boundary=(three, X3, Y)).read_text(encoding="utf-8")
    assert "2 features" in text and images(text) == []
    with pytest.raises(TypeError, match="boundary"):
        write_report(tmp_path / "bad.html", records, summary_for(records), boundary=model)
    assert not (tmp_path / "bad.html").exists()


def test_ties_are_broken_by_dev_cost_then_trial_number():
    # the issue's five trials at 90.00 % dev accuracy, and a sixth with trial 33's cost
    costs = {8: 0.3293, 15: 0.3130, 25: 0.2696, 30: 0.2746, 33: 0.3201, 40: 0.3201}
    records = [TrialRecord(number=n, state="COMPLETE", dev_metric=0.9, dev_cost=c) for n, c in costs.items()]
    records.append(TrialRecord(number=2, state="COMPLETE", dev_metric=0.85, dev_cost=0.1))
    ranked = [r.number for r in rank_trials(records, "accuracy", "maximize")]
    assert ranked == [25, 30, 15, 33, 40, 8, 2]
    # objective cost: ties in cost go to the higher dev metric, then the smaller number
    records = [TrialRecord(number=n, state="COMPLETE", dev_metric=m, dev_cost=0.5) for n, m in ((3, 0.8), (1, 0.9), (2, 0.9))]
    assert [r.number for r in rank_trials(records, "cost", "minimize")] == [1, 2, 3]


def test_the_command_lines_number_formats_show_a_missing_value_as_a_dash():
    from nnlab.text import format_cost_fixed, format_metric_fixed

    assert format_metric_fixed(float("nan"), "accuracy") == "-" and format_cost_fixed(None) == "-"
    assert format_metric_fixed(0.9, "accuracy") == "90.00 %" and format_cost_fixed(0.25) == "0.250000"
