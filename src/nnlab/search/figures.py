"""The search report's figures, drawn from trial records: each function returns a matplotlib
figure (or None when no record holds what it needs), drawn on :func:`nnlab.plots.new_figure`.

(a) :func:`params_figure`: the optimized dev value against each hyperparameter;
(b) :func:`top_curves_figure`: train and dev cost per epoch of the top trials;
(c) :func:`train_dev_figure`: train metric against dev metric, with y = x;
(p) :func:`pruning_figure`: the optimized dev value per epoch of every trial, pruned ones ending
    where they were stopped.
"""

from __future__ import annotations

import math

import numpy as np

from ..plots import COLORS, cost_axes, new_figure
from ..text import as_float, format_value, is_finite, metric_label, objective_words
from .leaderboard import param_names

__all__ = ["LEARNING_CURVES", "objective_axis", "params_figure", "pruning_figure", "top_curves_figure",
           "train_dev_figure"]

LEARNING_CURVES = 5  # trials whose learning curves the report draws
LOG_SPAN = 100.0  # a numeric axis spanning more than two decades is drawn on a log scale
_BEST_COLOR = "#d62728"


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


def objective_axis(objective, metric):
    """``(record field, axis label)`` of the value the search optimized."""
    return ("dev_cost" if objective == "cost" else "dev_metric"), objective_words(objective, metric)



def _numeric_ticks(axes, log: bool) -> None:
    """Readable x ticks: powers of ten on a log axis (minor ticks unlabelled), at most five on a linear one."""
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator, NullFormatter

    if log:
        axes.set_xscale("log")
        axes.xaxis.set_major_locator(LogLocator(base=10.0, numticks=6))
        axes.xaxis.set_major_formatter(LogFormatterSciNotation(base=10.0))
        axes.xaxis.set_minor_formatter(NullFormatter())
    else:
        axes.xaxis.set_major_locator(MaxNLocator(nbins=5))


def params_figure(ranked, objective, metric, best, log_params=()):
    """(a) The optimized dev value against each hyperparameter; None if there is nothing to draw.

    ``log_params``: the dimensions sampled on a log scale, drawn on a log x axis."""
    field, label = objective_axis(objective, metric)
    scored = [r for r in ranked if is_finite(getattr(r, field))]
    names = param_names(scored)
    if not names:
        return None
    columns = min(3, len(names))
    figure, axes_list = new_figure(len(names), width=4.2, height=3.2, columns=columns)
    for axes, name in zip(axes_list, names):
        points = [
            (_category(r.params[name]), as_float(getattr(r, field)), r.number == best)
            for r in scored if name in r.params
        ]
        numeric = [p for p in points if p[0] is not None]
        if numeric and _is_numeric([p[0] for p in numeric]) and any(is_finite(p[0]) for p in numeric):
            points = [p for p in numeric if is_finite(p[0])]
            x = np.array([p[0] for p in points], dtype=np.float64)
            y = np.array([p[1] for p in points])
            is_best = np.array([p[2] for p in points])
            axes.scatter(x[~is_best], y[~is_best], s=24, color=COLORS[0], alpha=0.8, edgecolors="none")
            if is_best.any():
                axes.scatter(x[is_best], y[is_best], s=90, marker="*", color=_BEST_COLOR, label="best", zorder=3)
            _numeric_ticks(axes, name in log_params or _log_span(x))
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
            axes.scatter(x[~is_best], y[~is_best], s=24, color=COLORS[0], alpha=0.8, edgecolors="none", zorder=2)
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
    return figure


def _curve(record, name):
    values = record.curves.get(name) or []
    return np.array([as_float(v) for v in values], dtype=np.float64)


def top_curves_figure(ranked):
    """(b) Train (dashed) and dev (solid) cost per epoch of the top trials; None without curves."""
    drawn = [r for r in ranked[:LEARNING_CURVES] if np.isfinite(_curve(r, "train_cost")).any()]
    if not drawn:
        return None
    figure, (axes,) = new_figure()
    shown = []
    for color, record in zip(COLORS, drawn):
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
        axes.plot([], [], color=color, label=f"trial {record.number}")
    cost_axes(axes, shown)
    axes.plot([], [], color="black", linestyle="--", label="train")
    axes.plot([], [], color="black", label="dev")
    axes.set_title(f"Learning curves of the top {len(drawn)} trial{'s' if len(drawn) != 1 else ''}")
    axes.legend(fontsize="small")
    return figure


def pruning_figure(ranked, pruned, objective, metric):
    """(p) The optimized dev value per epoch of the completed (colour) and pruned (grey, ending
    with an x where stopped) trials; None without curves."""
    field, label = objective_axis(objective, metric)
    figure, (axes,) = new_figure(width=7.0)
    drawn = 0
    for record, color in [(r, COLORS[0]) for r in ranked] + [(r, "#999999") for r in pruned]:
        values, epochs = _curve(record, field), _curve(record, "epoch")
        if not values.size or epochs.size != values.size:
            continue
        axes.plot(epochs + 1, values, color=color, linewidth=1.0, alpha=0.7)
        if record.state == "PRUNED":
            axes.plot(epochs[-1:] + 1, values[-1:], marker="x", color="#555555", linestyle="none")
        drawn += 1
    if not drawn:
        return None
    axes.plot([], [], color=COLORS[0], label=f"completed ({len(ranked)})")
    axes.plot([], [], color="#999999", marker="x", label=f"pruned ({len(pruned)})")
    axes.set_xlabel("epoch")
    axes.set_ylabel(label)
    axes.set_title("Every trial's dev curve: pruned trials stop early")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    return figure


def train_dev_figure(ranked, metric, best):
    """(c) Train metric against dev metric per trial, with the line y = x; None without points."""
    points = [
        (as_float(r.train_metric), as_float(r.dev_metric), r.number)
        for r in ranked if is_finite(r.train_metric) and is_finite(r.dev_metric)
    ]
    if not points:
        return None
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    is_best = np.array([p[2] == best for p in points])
    figure, (axes,) = new_figure(width=5.6, height=5.0)
    low, high = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
    pad = 0.05 * (high - low) if high > low else 0.05
    axes.plot([low - pad, high + pad], [low - pad, high + pad], color="#888888", linewidth=1, label="y = x")
    axes.scatter(x[~is_best], y[~is_best], s=28, color=COLORS[0], alpha=0.8, edgecolors="none", label="trial")
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
    return figure


