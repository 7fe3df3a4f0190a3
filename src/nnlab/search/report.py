"""What a person reads after a search: a ranked table, a CSV, and one self-contained HTML report.

Everything here works on plain records (dicts), never on Optuna objects, so a report can be
rebuilt from any store. A *trial record* is::

    {"number": 3, "state": "COMPLETE" | "FAIL" | "RUNNING", "params": {"learning_rate": 0.01, ...},
     "reason": None, "dev_metric": 0.93, "dev_cost": 0.21, "train_metric": 0.97, "train_cost": 0.12,
     "metric_name": "accuracy" | "r2", "seconds": 4.2,
     "curves": {"epoch": [...], "train_cost": [...], "dev_cost": [...], "train_metric": [...], "dev_metric": [...]}}

and a *summary* is::

    {"objective": "accuracy" | "cost", "direction": "maximize" | "minimize", "strategy": "tpe",
     "trials_requested": 20, "data": "moons", "best_number": 7, "test_metric": 0.95, "test_cost": 0.14,
     "best_params": {...}, "run_dir": "runs/moons"}

Objective ``"accuracy"`` ranks by the dev *metric* (accuracy for classification, R² for
regression), ``"cost"`` by the dev cost. Missing keys, ``None`` and NaN are tolerated everywhere:
they show as ``-`` (or an empty CSV cell) and rank last.

The report (:func:`write_report`) is one HTML file with its PNG plots embedded as base64 data
URIs: no JavaScript, no external assets, every user-supplied string (parameter values, failure
reasons, the data source) HTML-escaped. Plots are drawn with matplotlib's object-oriented API on
an Agg canvas (never pyplot, as in :mod:`nnlab.plots`); the decision boundary reuses
:func:`nnlab.plots.plot_decision_boundary`. Files are written atomically
(:func:`nnlab.io.atomic_write`).
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..io import atomic_write
from ..text import (
    as_float,
    format_cost,
    format_metric,
    format_params,
    format_seconds,
    format_value,
    is_finite,
    metric_label,
    one_line,
    table,
)

__all__ = [
    "format_leaderboard",
    "format_params",
    "rank_trials",
    "write_leaderboard_csv",
    "write_report",
]

OBJECTIVE_KEYS = {"accuracy": "dev_metric", "cost": "dev_cost"}
"""The record field each objective ranks by."""

DIRECTIONS = ("maximize", "minimize")
METRIC_FIELDS = ("dev_metric", "dev_cost", "train_metric", "train_cost")
CSV_FIXED_COLUMNS = ("rank", "number", "state")
CSV_TAIL_COLUMNS = (*METRIC_FIELDS, "seconds", "reason")
REASON_CHARS = 100  # characters of a failure reason shown in the terminal table
LEARNING_CURVES = 5  # trials whose learning curves the report draws
LOG_SPAN = 100.0  # a numeric axis spanning more than two decades is drawn on a log scale
PNG_DPI = 100

_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
_BEST_COLOR = "#d62728"


# --------------------------------------------------------------------------- values


def _category(value):
    """A parameter value as a hashable category: lists (``hidden_layers`` read back from JSON) as
    tuples, NaN as None, anything unhashable as its text."""
    if isinstance(value, (list, tuple)):
        return tuple(_category(item) for item in value)
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return None if math.isnan(value) else float(value)
    try:
        hash(value)
    except TypeError:
        return format_value(value)
    return value


def _csv_value(value) -> str:
    """A cell of the CSV: full float precision, tuples as ``20,7``, None/NaN empty."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value)) if math.isfinite(value) else ""
    if isinstance(value, (list, tuple)):
        return format_value(value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return str(value)


def _metric_name(records, summary) -> str:
    """``"accuracy"`` or ``"r2"``: the summary's, else the first completed record's."""
    name = summary.get("metric_name") if isinstance(summary, Mapping) else None
    if name is None:
        name = next((r.get("metric_name") for r in records if r.get("metric_name")), None)
    return str(name) if name else "accuracy"


# --------------------------------------------------------------------------- ranking


def _check_objective(objective, direction) -> str:
    if objective not in OBJECTIVE_KEYS:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVE_KEYS)}; got {objective!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {list(DIRECTIONS)}; got {direction!r}")
    return OBJECTIVE_KEYS[objective]


def _objective_of(summary) -> tuple[str, str]:
    """The summary's objective and direction (defaults: accuracy, and its natural direction)."""
    objective = summary.get("objective") or "accuracy"
    direction = summary.get("direction") or ("minimize" if objective == "cost" else "maximize")
    _check_objective(objective, direction)
    return objective, direction


def rank_trials(records, objective, direction) -> list[dict]:
    """The completed trials, best first.

    Parameters
    ----------
    records : iterable of dict
        Trial records (see the module docstring).
    objective : {"accuracy", "cost"}
        Rank by ``dev_metric`` (accuracy, or R² for regression) or by ``dev_cost``.
    direction : {"maximize", "minimize"}

    Returns
    -------
    list of dict
        The records whose ``state`` is ``"COMPLETE"`` (the same dict objects), sorted by the
        objective's dev value in ``direction``, ties broken by the smaller trial number. A
        completed trial without a finite value (None, NaN) ranks after all others.

    Raises
    ------
    ValueError
        If ``objective`` or ``direction`` is not one of the allowed values.
    """
    key = _check_objective(objective, direction)
    sign = -1.0 if direction == "maximize" else 1.0

    def order(record):
        value = as_float(record.get(key))
        finite = math.isfinite(value)
        return (not finite, sign * value if finite else 0.0, record["number"])

    return sorted((r for r in records if r.get("state") == "COMPLETE"), key=order)


def _split(records, summary):
    """``(ranked completed, failed, running)`` records; the last two by trial number."""
    objective, direction = _objective_of(summary)
    ranked = rank_trials(records, objective, direction)
    failed = sorted((r for r in records if r.get("state") == "FAIL"), key=lambda r: r["number"])
    running = sorted((r for r in records if r.get("state") not in ("COMPLETE", "FAIL")), key=lambda r: r["number"])
    return ranked, failed, running


def _counts_line(ranked, failed, running, requested=None) -> str:
    total = len(ranked) + len(failed) + len(running)
    parts = [f"{len(ranked)} completed", f"{len(failed)} failed"]
    if running:
        parts.append(f"{len(running)} running or unfinished")
    of = f" (of {requested} requested)" if requested is not None else ""
    return f"{total} trial{'s' if total != 1 else ''}{of}: " + ", ".join(parts)


def _best_number(ranked, summary):
    """The summary's best trial number; the top-ranked one if the summary names none."""
    best = summary.get("best_number")
    if best is None and ranked:
        best = ranked[0]["number"]
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
    records : list of dict
        Trial records.
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
    ranked, failed, running = _split(records, summary)
    objective, direction = _objective_of(summary)
    metric = _metric_name(records, summary)
    lines = [f"Leaderboard: dev {'cost' if objective == 'cost' else metric} ({direction})"]
    if ranked:
        shown = ranked if top is None else ranked[: int(top)]
        header = ("rank", "trial", f"dev {metric}", "dev cost", f"train {metric}", "seconds", "params")
        rows = [
            (
                str(rank), str(r["number"]), format_metric(r.get("dev_metric"), metric),
                format_cost(r.get("dev_cost")), format_metric(r.get("train_metric"), metric),
                format_seconds(r.get("seconds")), format_params(r.get("params")),
            )
            for rank, r in enumerate(shown, start=1)
        ]
        lines += table(header, rows, ">>>>>>")
        if len(shown) < len(ranked):
            lines.append(f"... {len(ranked) - len(shown)} more completed trials not shown")
    else:
        lines.append("no trial completed")
    lines.append(_counts_line(ranked, failed, running, summary.get("trials_requested")))
    for r in failed:
        lines.append(f"  trial {r['number']} failed: {one_line(r.get('reason') or 'no reason recorded', REASON_CHARS)}")
    best = summary.get("best_number")
    if best is not None and (is_finite(summary.get("test_metric")) or is_finite(summary.get("test_cost"))):
        lines.append(
            f"best trial {best}: test {metric} {format_metric(summary.get('test_metric'), metric)}, "
            f"test cost {format_cost(summary.get('test_cost'))}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- CSV


def _param_names(records) -> list[str]:
    names = set()
    for record in records:
        names.update(record.get("params") or {})
    return sorted(names, key=str)


def write_leaderboard_csv(path, records, summary) -> Path:
    """Write every trial to a CSV file, atomically.

    Rows: the completed trials in rank order, then the others (failed, running) by trial
    number. Columns: ``rank`` (empty for trials not ranked), ``number``, ``state``, one column
    per parameter (the union of names over all trials, sorted; a name that clashes with a fixed
    column is written as ``param_<name>``), ``dev_metric``, ``dev_cost``, ``train_metric``,
    ``train_cost``, ``seconds``, ``reason``. Floats keep full precision; tuples are written
    ``20,7``; missing values, None and NaN are empty cells.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(os.fspath(path))
    ranked, failed, running = _split(records, summary or {})
    params = _param_names(records)
    fixed = set(CSV_FIXED_COLUMNS) | set(CSV_TAIL_COLUMNS)
    param_columns = [f"param_{name}" if name in fixed else str(name) for name in params]
    rows = [(rank, r) for rank, r in enumerate(ranked, start=1)]
    rows += [(None, r) for r in sorted((*failed, *running), key=lambda r: r["number"])]
    with atomic_write(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*CSV_FIXED_COLUMNS, *param_columns, *CSV_TAIL_COLUMNS])
        for rank, r in rows:
            values = r.get("params") or {}
            writer.writerow([
                "" if rank is None else rank, r["number"], r.get("state", ""),
                *(_csv_value(values.get(name)) for name in params),
                *(_csv_value(as_float(r.get(field)) if r.get(field) is not None else None) for field in METRIC_FIELDS),
                _csv_value(as_float(r.get("seconds")) if r.get("seconds") is not None else None),
                one_line(r.get("reason")) if r.get("reason") else "",
            ])
    return target


# --------------------------------------------------------------------------- figures


def _new_figure(n_axes=1, width=6.4, height=4.8, columns=1):
    """A figure of ``n_axes`` axes in a grid on an Agg canvas (no pyplot, no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = -(-n_axes // columns)
    figure = Figure(figsize=(width * columns, height * rows), dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = [figure.add_subplot(rows, columns, index + 1) for index in range(n_axes)]
    return figure, axes


def _png(figure) -> bytes:
    """Render ``figure`` to PNG bytes and free its artists."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    return buffer.getvalue()


def _log_span(values) -> bool:
    values = np.asarray(values, dtype=np.float64)
    return bool(values.size) and bool((values > 0).all()) and values.max() / values.min() > LOG_SPAN


def _is_numeric(values) -> bool:
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in values
    )


def _sorted_categories(values):
    unique = list(dict.fromkeys(values))
    try:
        return sorted(unique)
    except TypeError:  # mixed types: order by their text
        return sorted(unique, key=lambda v: (type(v).__name__, format_value(v)))


def _objective_axis(objective, metric):
    """``(record field, axis label)`` of the value the search optimized."""
    if objective == "cost":
        return "dev_cost", "dev cost"
    return "dev_metric", f"dev {metric_label(metric)}"


def _plot_params(ranked, objective, metric, best):
    """(a) The optimized dev value against each hyperparameter; None if there is nothing to draw."""
    field, label = _objective_axis(objective, metric)
    scored = [r for r in ranked if is_finite(r.get(field))]
    names = _param_names(scored)
    if not names:
        return None
    columns = min(3, len(names))
    figure, axes_list = _new_figure(len(names), width=4.2, height=3.2, columns=columns)
    for axes, name in zip(axes_list, names):
        points = [
            (_category(r["params"][name]), as_float(r.get(field)), r["number"] == best)
            for r in scored if name in (r.get("params") or {})
        ]
        numeric = [p for p in points if p[0] is not None]
        if numeric and _is_numeric([p[0] for p in numeric]) and any(is_finite(p[0]) for p in numeric):
            points = [p for p in numeric if is_finite(p[0])]
            x = np.array([p[0] for p in points], dtype=np.float64)
            y = np.array([p[1] for p in points])
            is_best = np.array([p[2] for p in points])
            axes.scatter(x[~is_best], y[~is_best], s=24, color=_COLORS[0], alpha=0.8, edgecolors="none")
            if is_best.any():
                axes.scatter(x[is_best], y[is_best], s=90, marker="*", color=_BEST_COLOR, label="best", zorder=3)
            if _log_span(x):
                axes.set_xscale("log")
        else:
            categories = _sorted_categories([p[0] for p in points])
            position = {value: index for index, value in enumerate(categories)}
            groups = [[p[1] for p in points if p[0] == value] for value in categories]
            boxed = [index for index, group in enumerate(groups) if len(group) >= 3]
            if boxed:
                axes.boxplot(
                    [groups[i] for i in boxed], positions=boxed, widths=0.5, showfliers=False,
                    patch_artist=False, medianprops={"color": "#555555"},
                )
            # a strip: each category's points spread evenly across a band (deterministic, no jitter)
            x, y, is_best = [], [], []
            for value, group in zip(categories, groups):
                offsets = np.linspace(-0.15, 0.15, len(group)) if len(group) > 1 else np.zeros(1)
                members = [p for p in points if p[0] == value]
                x += [position[value] + offset for offset in offsets]
                y += [p[1] for p in members]
                is_best += [p[2] for p in members]
            x, y, is_best = np.array(x), np.array(y), np.array(is_best, dtype=bool)
            axes.scatter(x[~is_best], y[~is_best], s=24, color=_COLORS[0], alpha=0.8, edgecolors="none", zorder=2)
            if is_best.any():
                axes.scatter(x[is_best], y[is_best], s=90, marker="*", color=_BEST_COLOR, zorder=3)
            axes.set_xticks(range(len(categories)))
            axes.set_xticklabels([format_value(v) for v in categories], rotation=30 if len(categories) > 4 else 0)
            axes.set_xlim(-0.6, len(categories) - 0.4)
        if objective == "cost" and _log_span([p[1] for p in points]):
            axes.set_yscale("log")
        axes.set_xlabel(str(name))
        axes.set_ylabel(label)
        axes.grid(True, alpha=0.3)
    figure.suptitle(f"{label} by hyperparameter (star: best trial)")
    return _png(figure)


def _curve(record, name):
    values = (record.get("curves") or {}).get(name) or []
    return np.array([as_float(v) for v in values], dtype=np.float64)


def _plot_learning_curves(ranked):
    """(b) Train (dashed) and dev (solid) cost per epoch of the top trials; None without curves."""
    drawn = [r for r in ranked[:LEARNING_CURVES] if np.isfinite(_curve(r, "train_cost")).any()]
    if not drawn:
        return None
    figure, (axes,) = _new_figure()
    shown = []
    for color, record in zip(_COLORS, drawn):
        train = _curve(record, "train_cost")
        dev = _curve(record, "dev_cost")
        epochs = _curve(record, "epoch")
        if epochs.size != train.size:
            epochs = np.arange(train.size, dtype=np.float64)
        axes.plot(epochs, train, linestyle="--", color=color, linewidth=1.2)
        shown.append(train)
        if dev.size == train.size and np.isfinite(dev).any():
            axes.plot(epochs, dev, color=color, linewidth=1.5)
            shown.append(dev)
        axes.plot([], [], color=color, label=f"trial {record['number']}")
    values = np.concatenate(shown)
    values = values[np.isfinite(values)]
    if values.size and values.min() > 0 and values.max() / values.min() > 10:  # as nnlab.plots does
        axes.set_yscale("log")
    axes.plot([], [], color="black", linestyle="--", label="train")
    axes.plot([], [], color="black", label="dev")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cost J")
    axes.set_title(f"Learning curves of the top {len(drawn)} trial{'s' if len(drawn) != 1 else ''}")
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(fontsize="small")
    return _png(figure)


def _plot_gap(ranked, metric, best):
    """(c) Train metric against dev metric per trial, with the line y = x; None without points."""
    points = [
        (as_float(r.get("train_metric")), as_float(r.get("dev_metric")), r["number"])
        for r in ranked if is_finite(r.get("train_metric")) and is_finite(r.get("dev_metric"))
    ]
    if not points:
        return None
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    is_best = np.array([p[2] == best for p in points])
    figure, (axes,) = _new_figure(width=5.6, height=5.0)
    low, high = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    pad = 0.05 * (high - low) if high > low else 0.05
    axes.plot([low - pad, high + pad], [low - pad, high + pad], color="#888888", linewidth=1, label="y = x")
    axes.scatter(x[~is_best], y[~is_best], s=28, color=_COLORS[0], alpha=0.8, edgecolors="none", label="trial")
    if is_best.any():
        axes.scatter(x[is_best], y[is_best], s=110, marker="*", color=_BEST_COLOR, label="best", zorder=3)
    if len(points) <= 30:  # label the points with their trial numbers, one label per spot
        labels: dict[tuple[float, float], list[str]] = {}
        for px, py, number in points:
            labels.setdefault((round(px, 6), round(py, 6)), []).append(str(number))
        for (px, py), numbers in labels.items():
            axes.annotate(",".join(numbers), (px, py), textcoords="offset points", xytext=(4, 3), fontsize=7,
                          color="#444444")
    axes.set_xlim(low - pad, high + pad)
    axes.set_ylim(low - pad, high + pad)
    name = metric_label(metric)
    axes.set_xlabel(f"train {name}")
    axes.set_ylabel(f"dev {name}")
    axes.set_title("Train vs dev: points below the line overfit")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small", loc="best")
    return _png(figure)


def _plot_boundary(boundary, best):
    """(d) The decision boundary of ``(model, X, Y)`` as PNG bytes, or a note why it is not drawn."""
    from ..plots import plot_decision_boundary

    if not isinstance(boundary, (tuple, list)) or len(boundary) != 3:
        raise TypeError(f"boundary must be a tuple (model, X, Y); got {type(boundary).__name__}")
    model, X, Y = boundary
    shape = np.shape(X)
    if len(shape) != 2 or shape[0] != 2:
        return None, f"The decision boundary is drawn for data with 2 features; X has shape {shape}."
    title = f"Decision boundary of trial {best}" if best is not None else "Decision boundary"
    with tempfile.TemporaryDirectory(prefix="nnlab-report-") as directory:
        path = plot_decision_boundary(model, X, Y, Path(directory) / "boundary.png", title=title, resolution=200)
        return path.read_bytes(), None


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #fff4d6; font-weight: 600; }
table.summary th { width: 12em; }
.scroll { overflow-x: auto; }
figure { margin: 1em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; } .note { color: #666; font-style: italic; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def _e(value) -> str:
    """HTML-escaped text (quotes included) of any value."""
    return html.escape("" if value is None else str(value), quote=True)


def _image(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _summary_html(records, summary, ranked, failed, running, metric, best) -> str:
    objective, direction = _objective_of(summary)
    best_record = next((r for r in ranked if r["number"] == best), None)
    best_params = summary.get("best_params") or (best_record or {}).get("params") or {}
    rows = [
        ("data", _e(summary.get("data"))),
        ("strategy", _e(summary.get("strategy"))),
        ("objective", f"{_e(objective)} ({_e(direction)}), on the dev split"),
        ("trials", _e(_counts_line(ranked, failed, running, summary.get("trials_requested")))),
    ]
    if best is not None:
        dev = ""
        if best_record is not None:
            dev = (
                f" — dev {_e(metric_label(metric))} {_e(format_metric(best_record.get('dev_metric'), metric))}, "
                f"dev cost {_e(format_cost(best_record.get('dev_cost')))}"
            )
        rows.append(("best trial", f"{_e(best)}{dev}"))
        rows.append(("best params", f"<code>{_e(format_params(best_params)) or '(none)'}</code>"))
        test = (
            f"{_e(metric_label(metric))} {_e(format_metric(summary.get('test_metric'), metric))}, "
            f"cost {_e(format_cost(summary.get('test_cost')))}"
            if is_finite(summary.get("test_metric")) or is_finite(summary.get("test_cost"))
            else "not scored"
        )
        rows.append(("test (scored once)", test))
    else:
        rows.append(("best trial", "none: no trial completed"))
    if summary.get("run_dir"):
        rows.append(("run folder", f"<code>{_e(summary.get('run_dir'))}</code>"))
    body = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    return f'<table class="summary">{body}</table>'


def _leaderboard_html(ranked, metric, best) -> str:
    if not ranked:
        return '<p class="note">No trial completed; there is nothing to rank.</p>'
    names = _param_names(ranked)
    label = _e(metric_label(metric))
    header = (
        "<tr><th>rank</th><th>trial</th>" + "".join(f"<th>{_e(n)}</th>" for n in names)
        + f"<th>dev {label}</th><th>dev cost</th><th>train {label}</th><th>train cost</th><th>seconds</th></tr>"
    )
    body = []
    for rank, r in enumerate(ranked, start=1):
        params = r.get("params") or {}
        cells = [f'<td class="num">{rank}</td>', f'<td class="num">{_e(r["number"])}</td>']
        cells += [f"<td>{_e(format_value(params[n])) if n in params else '-'}</td>" for n in names]
        cells += [
            f'<td class="num">{_e(text)}</td>'
            for text in (
                format_metric(r.get("dev_metric"), metric), format_cost(r.get("dev_cost")),
                format_metric(r.get("train_metric"), metric), format_cost(r.get("train_cost")),
                format_seconds(r.get("seconds")),
            )
        ]
        css = ' class="best"' if r["number"] == best else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table>{header}{"".join(body)}</table></div>'


def _failed_html(failed, running) -> str:
    if not failed and not running:
        return ""
    rows = "".join(
        f'<tr><td class="num">{_e(r["number"])}</td><td>{_e(r.get("state"))}</td>'
        f"<td><code>{_e(format_params(r.get('params')))}</code></td>"
        f"<td>{_e(one_line(r.get('reason') or ('no reason recorded' if r.get('state') == 'FAIL' else ''), 1000))}</td></tr>"
        for r in (*failed, *running)
    )
    return (
        "<h2>Trials that did not complete</h2>"
        f'<div class="scroll"><table><tr><th>trial</th><th>state</th><th>params</th><th>reason</th></tr>{rows}</table></div>'
    )


def _plots_html(ranked, summary, metric, best, boundary) -> str:
    objective, _ = _objective_of(summary)
    parts = []
    if not ranked:
        parts.append('<p class="note">No plots of the search: no trial completed.</p>')
    else:
        _, label = _objective_axis(objective, metric)
        plots = (
            (_plot_params(ranked, objective, metric, best), "hyperparameters",
             f"{label[0].upper()}{label[1:]} of each completed trial against each hyperparameter; log x where values span over two "
             "decades; categories as strips with a box where they hold three trials or more."),
            (_plot_learning_curves(ranked), "learning curves",
             f"Train (dashed) and dev (solid) cost per epoch of the top {LEARNING_CURVES} trials."),
            (_plot_gap(ranked, metric, best), "train vs dev",
             f"Train {metric_label(metric)} against dev {metric_label(metric)} per trial; the gap to the line "
             "y = x is the variance (overfitting), the distance from perfect the bias."),
        )
        for png, alt, caption in plots:
            if png is None:
                parts.append(f'<p class="note">No {_e(alt)} plot: no trial recorded the values it needs.</p>')
            else:
                parts.append(_image(png, alt, caption))
    if boundary is not None:
        png, note = _plot_boundary(boundary, best)
        if png is None:
            parts.append(f'<p class="note">{_e(note)}</p>')
        else:
            who = f"trial {best}" if best is not None else "the chosen model"
            parts.append(_image(png, "decision boundary",
                                f"Predictions of the best model ({who}) over the plane of the two features."))
    return "\n".join(parts)


def write_report(path, records, summary, boundary=None) -> Path:
    """Write the search report: one self-contained HTML file, atomically.

    It holds a header with the summary (data, strategy, objective, trials completed and failed,
    the best trial and its parameters, the test score), the leaderboard of completed trials
    (best row highlighted), the trials that failed with their reasons, and PNG plots embedded as
    ``data:image/png;base64,`` URIs:

    (a) the optimized dev value (metric, or cost for ``objective="cost"``) against each
        hyperparameter: a scatter for numbers (log x over two decades), strips and boxes per
        category for strings, booleans and tuples such as ``hidden_layers``;
    (b) the train and dev cost per epoch of the top five trials;
    (c) the train metric against the dev metric per trial, with y = x;
    (d) with ``boundary=(model, X, Y)`` and 2 features, the best model's decision boundary
        (:func:`nnlab.plots.plot_decision_boundary`); other feature counts get a note instead.

    With no completed trial the report says so and draws no search plots. The file carries no
    timestamp: the same records give the same bytes.

    Parameters
    ----------
    path : str or os.PathLike
        The HTML file (its directory must exist).
    records : list of dict
        Trial records.
    summary : dict
        The search summary.
    boundary : tuple (model, X, Y), optional
        A fitted :class:`nnlab.Model`, ``X`` of shape (2, m) and its labels ``Y``.

    Returns
    -------
    Path
        ``path``.
    """
    target = Path(os.fspath(path))
    summary = summary or {}
    records = list(records)
    ranked, failed, running = _split(records, summary)
    metric = _metric_name(records, summary)
    best = _best_number(ranked, summary)
    data = summary.get("data")
    title = f"nnlab search: {data}" if data else "nnlab search"
    document = "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        "<h2>Summary</h2>",
        _summary_html(records, summary, ranked, failed, running, metric, best),
        "<h2>Leaderboard</h2>",
        _leaderboard_html(ranked, metric, best),
        _failed_html(failed, running),
        "<h2>Plots</h2>",
        _plots_html(ranked, summary, metric, best, boundary),
        "</body></html>",
        "",
    ])
    with atomic_write(target, "w", encoding="utf-8") as handle:
        handle.write(document)
    return target
