"""The leaderboard of a search: trial records ranked, as terminal text and as a CSV file.

Everything here works on :class:`~nnlab.search.trial.TrialRecord`\\ s, never on Optuna objects, so
a leaderboard can be rebuilt from any store. A *summary* is::

    {"objective": "accuracy" | "cost", "direction": "maximize" | "minimize", "strategy": "tpe",
     "trials_requested": 20, "data": "moons", "best_number": 7, "test_metric": 0.95, "test_cost": 0.14,
     "best_params": {...}, "run_dir": "runs/moons"}

Objective ``"accuracy"`` ranks by the dev *metric* (accuracy for classification, R² for
regression), ``"cost"`` by the dev cost. Missing summary keys, ``None`` and NaN are tolerated
everywhere: they show as ``-`` (or an empty CSV cell) and rank last. Files are written
atomically (:func:`nnlab.io.atomic_write`).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..io import atomic_write
from ..text import (
    objective_words,
    as_float,
    csv_cell,
    format_cost,
    format_metric,
    format_params,
    format_seconds,
    is_finite,
    metric_label,
    one_line,
    shorten,
    table,
)
from .trial import METRIC_FIELDS

__all__ = [
    "best_number",
    "counts_line",
    "format_leaderboard",
    "format_params",
    "metric_name_of",
    "objective_label",
    "pruned_detail",
    "objective_of",
    "param_names",
    "pruned_of",
    "rank_trials",
    "split_by_state",
    "write_leaderboard_csv",
]

OBJECTIVE_KEYS = {"accuracy": "dev_metric", "cost": "dev_cost"}
"""The record field each objective ranks by."""

DIRECTIONS = ("maximize", "minimize")
CSV_FIXED_COLUMNS = ("rank", "number", "state")
CSV_TAIL_COLUMNS = (*METRIC_FIELDS, "epochs_run", "seconds", "reason")
REASON_CHARS = 100  # characters of a failure reason shown in the terminal table


def metric_name_of(records, summary) -> str:
    """``"accuracy"`` or ``"r2"``: the summary's, else the first completed record's."""
    name = summary.get("metric_name") if isinstance(summary, Mapping) else None
    if name is None:
        name = next((r.metric_name for r in records if r.metric_name), None)
    return str(name) if name else "accuracy"


# --------------------------------------------------------------------------- ranking


def _check_objective(objective, direction) -> str:
    if objective not in OBJECTIVE_KEYS:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVE_KEYS)}; got {objective!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {list(DIRECTIONS)}; got {direction!r}")
    return OBJECTIVE_KEYS[objective]


def objective_of(summary) -> tuple[str, str]:
    """The summary's objective and direction (defaults: accuracy, and its natural direction)."""
    objective = summary.get("objective") or "accuracy"
    direction = summary.get("direction") or ("minimize" if objective == "cost" else "maximize")
    _check_objective(objective, direction)
    return objective, direction


def rank_trials(records, objective, direction) -> list:
    """The completed trials, best first.

    Parameters
    ----------
    records : iterable of TrialRecord
    objective : {"accuracy", "cost"}
        Rank by ``dev_metric`` (accuracy, or R² for regression) or by ``dev_cost``.
    direction : {"maximize", "minimize"}

    Returns
    -------
    list of TrialRecord
        The records whose ``state`` is ``"COMPLETE"`` (the same objects), sorted by the
        objective's dev value in ``direction``; ties broken by the other dev value (the lower
        dev cost for ``"accuracy"``, the higher dev metric for ``"cost"``), then by the smaller
        trial number. A value that is not finite (None, NaN) ranks after all finite ones.

    Raises
    ------
    ValueError
        If ``objective`` or ``direction`` is not one of the allowed values.
    """
    key = _check_objective(objective, direction)
    sign = -1.0 if direction == "maximize" else 1.0

    other, other_sign = ("dev_cost", 1.0) if key == "dev_metric" else ("dev_metric", -1.0)

    def order(record):
        value = as_float(getattr(record, key))
        finite = math.isfinite(value)
        tie = as_float(getattr(record, other))
        tie_finite = math.isfinite(tie)
        return (not finite, sign * value if finite else 0.0, not tie_finite, other_sign * tie if tie_finite else 0.0,
                record.number)

    return sorted((r for r in records if r.state == "COMPLETE"), key=order)


def split_by_state(records, summary):
    """``(ranked completed, failed, running)`` records; the last two by trial number. Pruned
    trials are in none of them: :func:`pruned_of`."""
    objective, direction = objective_of(summary)
    ranked = rank_trials(records, objective, direction)
    failed = sorted((r for r in records if r.state == "FAIL"), key=lambda r: r.number)
    running = sorted((r for r in records if r.state not in ("COMPLETE", "FAIL", "PRUNED")), key=lambda r: r.number)
    return ranked, failed, running


def pruned_of(records) -> list:
    """The pruned trials, by trial number."""
    return sorted((r for r in records if r.state == "PRUNED"), key=lambda r: r.number)


def objective_label(summary, metric) -> str:
    """What the search optimized, in words: "dev accuracy", "dev R²" or "dev cost"."""
    return objective_words(objective_of(summary)[0], metric)


def pruned_detail(record, metric) -> str:
    """``pruned at epoch 30: dev accuracy 61.25%, dev cost 0.6931`` (the terminal and the report)."""
    return (f"pruned at epoch {record.epochs_run}: dev {metric_label(metric)} "
            f"{format_metric(record.dev_metric, metric)}, dev cost {format_cost(record.dev_cost)}")


def pruned_line(record, metric) -> str:
    """``trial 5 pruned at epoch 30: dev accuracy 61.25%, dev cost 0.6931``."""
    return f"trial {record.number} {pruned_detail(record, metric)}"


def counts_line(ranked, failed, running, requested=None, pruned=()) -> str:
    total = len(ranked) + len(failed) + len(running) + len(pruned)
    parts = [f"{len(ranked)} completed"] + ([f"{len(pruned)} pruned"] if pruned else []) + [f"{len(failed)} failed"]
    if running:
        parts.append(f"{len(running)} running or unfinished")
    of = f" (of {requested} requested)" if requested is not None else ""
    return f"{total} trial{'s' if total != 1 else ''}{of}: " + ", ".join(parts)


def best_number(ranked, summary):
    """The summary's best trial number; the top-ranked one if the summary names none."""
    best = summary.get("best_number")
    if best is None and ranked:
        best = ranked[0].number
    return best


# --------------------------------------------------------------------------- terminal


def format_leaderboard(records, summary, top=10) -> str:
    """The leaderboard as terminal text.

    One row per completed trial, best first (at most ``top``; ``None`` shows all): rank, trial
    number, dev metric (accuracy as a percentage, R² as a number), dev cost, train metric,
    seconds and the parameters (last, so long parameter lists do not widen the other columns).
    Then a line counting completed and failed trials, each failed trial's number and the first
    100 characters of its reason, and the test score of the chosen configuration when the
    summary has one.

    Parameters
    ----------
    records : list of TrialRecord
    summary : dict
        The search summary (``objective``, ``direction``, ``best_number``, ``test_metric``, ...).
    top : int or None
        How many ranked trials to show.

    Returns
    -------
    str
        Lines joined by newlines (no trailing newline).
    """
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(f"top must be a positive int or None; got {top!r}")
    summary = summary or {}
    ranked, failed, running = split_by_state(records, summary)
    direction = objective_of(summary)[1]
    metric = metric_name_of(records, summary)
    pruned = pruned_of(records)
    label = metric_label(metric)
    lines = [f"Leaderboard: {objective_label(summary, metric)} ({direction})"]
    if ranked:
        shown = ranked if top is None else ranked[: int(top)]
        header = ("rank", "trial", f"dev {label}", "dev cost", f"train {label}", "seconds", "params")
        rows = [
            (
                str(rank), str(r.number), format_metric(r.dev_metric, metric),
                format_cost(r.dev_cost), format_metric(r.train_metric, metric),
                format_seconds(r.seconds), format_params(r.params),
            )
            for rank, r in enumerate(shown, start=1)
        ]
        lines += table(header, rows, ">>>>>>")
        if len(shown) < len(ranked):
            lines.append(f"... {len(ranked) - len(shown)} more completed trials not shown")
    else:
        lines.append("no trial completed")
    lines.append(counts_line(ranked, failed, running, summary.get("trials_requested"), pruned))
    for r in pruned[:top]:
        lines.append(f"  {pruned_line(r, metric)}")
    if top is not None and len(pruned) > top:
        lines.append(f"  ... {len(pruned) - top} more pruned trials not shown")
    for r in failed:
        lines.append(f"  trial {r.number} failed: {shorten(r.reason or 'no reason recorded', REASON_CHARS)}")
    best = summary.get("best_number")
    if best is not None and (is_finite(summary.get("test_metric")) or is_finite(summary.get("test_cost"))):
        lines.append(
            f"best trial {best}: test {label} {format_metric(summary.get('test_metric'), metric)}, "
            f"test cost {format_cost(summary.get('test_cost'))}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- CSV


def param_names(records) -> list[str]:
    names = set()
    for record in records:
        names.update(record.params)
    return sorted(names, key=str)


def write_leaderboard_csv(path, records, summary) -> Path:
    """Write every trial to a CSV file, atomically.

    Rows: the completed trials in rank order, then the others (pruned, failed, running) by
    trial number; a pruned trial's scores are those of the epoch where it was stopped. Columns: ``rank`` (empty for trials not ranked), ``number``, ``state``, one column
    per parameter (the union of names over all trials, sorted; a name that clashes with a fixed
    column is written as ``param_<name>``), ``dev_metric``, ``dev_cost``, ``train_metric``,
    ``train_cost``, ``epochs_run``, ``seconds``, ``reason``. Floats keep full precision; tuples are written
    ``20,7``; missing values, None and NaN are empty cells.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(os.fspath(path))
    ranked, failed, running = split_by_state(records, summary or {})
    params = param_names(records)
    fixed = set(CSV_FIXED_COLUMNS) | set(CSV_TAIL_COLUMNS)
    param_columns = [f"param_{name}" if name in fixed else str(name) for name in params]
    rows = [(rank, r) for rank, r in enumerate(ranked, start=1)]
    rows += [(None, r) for r in sorted((*pruned_of(records), *failed, *running), key=lambda r: r.number)]
    with atomic_write(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CSV_FIXED_COLUMNS, *param_columns, *CSV_TAIL_COLUMNS])
        for rank, r in rows:
            values = r.params
            writer.writerow([
                "" if rank is None else rank, r.number, r.state,
                *(csv_cell(values.get(name)) for name in params),
                *(csv_cell(as_float(getattr(r, field))) for field in METRIC_FIELDS),
                r.epochs_run, csv_cell(as_float(r.seconds)),
                one_line(r.reason) if r.reason else "",
            ])
    return target


