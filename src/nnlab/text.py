"""Text shared by the CLI and the search report: number formats, one-line messages, plain tables.

One home for how nnlab writes a metric, a cost, a parameter value or an aligned table, so the
terminal, the leaderboard CSV and the HTML report agree.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "as_float",
    "csv_cell",
    "error_line",
    "format_cost",
    "format_cost_fixed",
    "format_metric",
    "format_metric_fixed",
    "format_params",
    "format_seconds",
    "format_value",
    "is_finite",
    "metric_label",
    "objective_words",
    "one_line",
    "shorten",
    "table",
]


def as_float(value) -> float:
    """``value`` as a float; ``None``, non-numbers and bools become NaN."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def is_finite(value) -> bool:
    return math.isfinite(as_float(value))


def format_value(value) -> str:
    """One parameter value, compactly: ``(20, 7)`` -> ``20,7``, ``0.0100`` -> ``0.01``."""
    if isinstance(value, (list, tuple)):
        return ",".join(format_value(item) for item in value)
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return format(float(value), ".6g")
    return str(value)


def csv_cell(value) -> str:
    """A cell of a CSV file: full float precision, tuples as ``20,7``, None and NaN empty."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return repr(float(value)) if math.isfinite(value) else ""
    return format_value(value)


def format_params(params) -> str:
    """Parameters as ``name=value`` pairs in sorted name order, e.g.
    ``activation=tanh hidden_layers=20,7 learning_rate=1.2`` (floats to 6 significant digits,
    tuples joined by commas). An empty or missing mapping gives ``""``.
    """
    if not params:
        return ""
    return " ".join(f"{name}={format_value(params[name])}" for name in sorted(params, key=str))


def metric_label(metric_name: str, *, ascii: bool = False) -> str:
    """The metric's column title; ``ascii``: ``R^2`` instead of ``R²`` (the terminal's form)."""
    return {"accuracy": "accuracy", "r2": "R^2" if ascii else "R²"}.get(metric_name, metric_name)


def objective_words(objective: str, metric) -> str:
    """What a search optimizes, in words: "dev cost" for the cost objective, else "dev accuracy"
    or "dev R²" (the dev metric's name)."""
    return "dev cost" if objective == "cost" else f"dev {metric_label(metric)}"


def format_metric(value, metric_name: str, *, percent: str = "%", number_format=None) -> str:
    """Accuracy as a percentage with two decimals, R² (or any other metric) as a number; ``-``
    for a missing value. ``percent`` and ``number_format`` are the command line's variants
    (:func:`format_metric_fixed`)."""
    number = as_float(value)
    if not math.isfinite(number):
        return "-"
    if metric_name == "accuracy":
        return f"{100.0 * number:.2f}{percent}"
    return number_format(number) if number_format is not None else f"{number:.4f}"


def format_cost(value) -> str:
    """A cost with four decimals (aligned in columns); tiny costs in scientific notation."""
    number = as_float(value)
    if not math.isfinite(number):
        return "-"
    return f"{number:.4f}" if number == 0 or abs(number) >= 1e-3 else f"{number:.2e}"


def _fixed(number: float, decimals: int) -> str:
    """``decimals`` fixed decimals, or 4 significant digits from 1e6 on (never 12-digit columns)."""
    return f"{number:.{decimals}f}" if abs(number) < 1e6 else f"{number:.4g}"


def format_metric_fixed(value, metric_name: str) -> str:
    """The command line's form of a metric: accuracy as ``90.00 %``, others with 4 decimals."""
    return format_metric(value, metric_name, percent=" %", number_format=lambda number: _fixed(number, 4))


def format_cost_fixed(value) -> str:
    """The command line's form of a cost: 6 decimals (4 significant digits from 1e6 on)."""
    number = as_float(value)
    return _fixed(number, 6) if math.isfinite(number) else "-"


def format_seconds(value) -> str:
    number = as_float(value)
    return f"{number:.1f}" if math.isfinite(number) else "-"


def one_line(text) -> str:
    """``text`` on one line (whitespace collapsed); :func:`shorten` also cuts it to a length."""
    return " ".join(str(text).split()) if text is not None else ""


def shorten(text, limit: int) -> str:
    """``text`` on one line (whitespace collapsed), at most ``limit`` characters: a longer line is
    cut to end in ``...`` (a database error may quote data; a failure reason may be a page long)."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def error_line(error: BaseException) -> str:
    """``"Type: message"`` of an exception on one line (an OSError: its reason, without the file
    name, since the messages that use this name the file already)."""
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    text = one_line(text)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def table(header, rows, align, *, pad_last: bool = False) -> list[str]:
    """Plain-text columns; ``align`` holds ``"<"`` or ``">"`` per column; the last is not padded
    unless ``pad_last`` (a right-aligned last column of numbers). ``header`` may be ``None``."""
    rows = [[str(cell) for cell in row] for row in ([] if header is None else [header]) + list(rows)]
    widths = [max(len(cell) for cell in column) for column in zip(*rows)]
    lines = []
    for row in rows:
        padded = row if pad_last else row[:-1]
        cells = [f"{cell:{a}{w}}" for cell, a, w in zip(padded, align, widths)]
        lines.append("  ".join([*cells, *row[len(padded):]]).rstrip())
    return lines
