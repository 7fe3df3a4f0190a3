"""The search report: one self-contained HTML file.

Its PNG plots (:mod:`nnlab.search.figures`, and :func:`nnlab.plots.decision_boundary_figure`)
are embedded as base64 data URIs, rendered in memory: no JavaScript, no external assets, no
temporary files, every user-supplied string (parameter values, failure reasons, the data
source) HTML-escaped. The file is written atomically (:func:`nnlab.io.atomic_write`). Records
and summaries are those of :mod:`nnlab.search.leaderboard`.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

import numpy as np

from ..io import atomic_write
from ..plots import decision_boundary_figure, png_bytes
from ..text import format_cost, format_metric, format_params, format_seconds, format_value, is_finite, metric_label, shorten
from .figures import (
    LEARNING_CURVES,
    objective_axis,
    params_figure,
    pruning_figure,
    top_curves_figure,
    train_dev_figure,
)
from .leaderboard import (
    best_number,
    counts_line,
    metric_name_of,
    objective_label,
    pruned_detail,
    objective_of,
    param_names,
    pruned_of,
    split_by_state,
)

__all__ = ["write_report"]


def _boundary_figure(boundary, best):
    """(d) The decision boundary of ``(model, X, Y)``, or ``(None, a note why it is not drawn)``."""
    if not isinstance(boundary, (tuple, list)) or len(boundary) != 3:
        raise TypeError(f"boundary must be a tuple (model, X, Y); got {type(boundary).__name__}")
    model, X, Y = boundary
    shape = np.shape(X)
    if len(shape) != 2 or shape[0] != 2:
        return None, f"The decision boundary is drawn for data with 2 features; X has shape {shape}."
    title = f"Decision boundary of trial {best}" if best is not None else "Decision boundary"
    return decision_boundary_figure(model, X, Y, title=title, resolution=200), None


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


def _image(figure, alt: str, caption: str) -> str:
    data = base64.b64encode(png_bytes(figure)).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(alt)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _summary_html(records, summary, ranked, failed, running, metric, best) -> str:
    objective, direction = objective_of(summary)
    best_record = next((r for r in ranked if r.number == best), None)
    best_params = summary.get("best_params") or (best_record.params if best_record is not None else {})
    pruner = summary.get("pruner")
    rows = [
        ("data", _e(summary.get("data"))),
        ("strategy", _e(summary.get("strategy")) + (f", pruner {_e(pruner)}" if pruner and pruner != "none" else "")),
        ("objective", f"{_e(objective_label(summary, metric))} ({_e(direction)})"),
        ("trials", _e(counts_line(ranked, failed, running, summary.get("trials_requested"), pruned_of(records)))),
    ]
    if best is not None:
        dev = ""
        if best_record is not None:
            dev = (
                f" — dev {_e(metric_label(metric))} {_e(format_metric(best_record.dev_metric, metric))}, "
                f"dev cost {_e(format_cost(best_record.dev_cost))}"
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
    names = param_names(ranked)
    label = _e(metric_label(metric))
    header = (
        "<tr><th>rank</th><th>trial</th>" + "".join(f"<th>{_e(n)}</th>" for n in names)
        + f"<th>dev {label}</th><th>dev cost</th><th>train {label}</th><th>train cost</th><th>seconds</th></tr>"
    )
    body = []
    for rank, r in enumerate(ranked, start=1):
        params = r.params
        cells = [f'<td class="num">{rank}</td>', f'<td class="num">{_e(r.number)}</td>']
        cells += [f"<td>{_e(format_value(params[n])) if n in params else '-'}</td>" for n in names]
        cells += [
            f'<td class="num">{_e(text)}</td>'
            for text in (
                format_metric(r.dev_metric, metric), format_cost(r.dev_cost),
                format_metric(r.train_metric, metric), format_cost(r.train_cost),
                format_seconds(r.seconds),
            )
        ]
        css = ' class="best"' if r.number == best else ""
        body.append(f"<tr{css}>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table>{header}{"".join(body)}</table></div>'


def _why(record, metric) -> str:
    """Why a trial did not complete: a pruned trial's epoch and scores, else its reason."""
    if record.state == "PRUNED":
        return pruned_detail(record, metric)
    return shorten(record.reason or ("no reason recorded" if record.state == "FAIL" else ""), 1000)


def _failed_html(failed, running, pruned=(), metric="accuracy") -> str:
    if not failed and not running and not pruned:
        return ""
    rows = "".join(
        f'<tr><td class="num">{_e(r.number)}</td><td>{_e(r.state)}</td>'
        f"<td><code>{_e(format_params(r.params))}</code></td>"
        f"<td>{_e(_why(r, metric))}</td></tr>"
        for r in sorted((*pruned, *failed, *running), key=lambda r: r.number)
    )
    return (
        "<h2>Trials that did not complete</h2>"
        f'<div class="scroll"><table><tr><th>trial</th><th>state</th><th>params</th><th>reason</th></tr>{rows}</table></div>'
    )


def _plots_html(ranked, summary, metric, best, boundary, pruned=()) -> str:
    objective, _ = objective_of(summary)
    parts = []
    if not ranked:
        parts.append('<p class="note">No plots of the search: no trial completed.</p>')
    else:
        _, label = objective_axis(objective, metric)
        plots = (
            (params_figure(ranked, objective, metric, best, summary.get("log_params") or ()), "hyperparameters",
             f"{label[0].upper()}{label[1:]} of each completed trial against each hyperparameter; log x for log-sampled "
             "dimensions and where values span over two decades; categories as strips with a box where they hold three "
             "trials or more."),
            (top_curves_figure(ranked), "learning curves",
             f"Train (dashed) and dev (solid) cost per epoch of the top {LEARNING_CURVES} trials."),
            (train_dev_figure(ranked, metric, best), "train vs dev",
             f"Train {metric_label(metric)} against dev {metric_label(metric)} per trial; the gap to the line "
             "y = x is the variance (overfitting), the distance from perfect the bias."),
        )
        if pruned:
            plots += ((pruning_figure(ranked, pruned, objective, metric), "pruning",
                       f"{label[0].upper()}{label[1:]} per epoch of every trial: completed trials in colour, pruned "
                       "ones in grey, each ending (x) at the epoch where the pruner stopped it."),)
        for figure, alt, caption in plots:
            if figure is None:
                parts.append(f'<p class="note">No {_e(alt)} plot: no trial recorded the values it needs.</p>')
            else:
                parts.append(_image(figure, alt, caption))
    if boundary is not None:
        figure, note = _boundary_figure(boundary, best)
        if figure is None:
            parts.append(f'<p class="note">{_e(note)}</p>')
        else:
            who = f"trial {best}" if best is not None else "the chosen model"
            parts.append(_image(figure, "decision boundary",
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
    (p) when trials were pruned, the optimized dev value per epoch of every trial, pruned ones
        ending where they were stopped;
    (d) with ``boundary=(model, X, Y)`` and 2 features, the best model's decision boundary
        (:func:`nnlab.plots.decision_boundary_figure`); other feature counts get a note instead.

    With no completed trial the report says so and draws no search plots. The file carries no
    timestamp: the same records give the same bytes.

    Parameters
    ----------
    path : str or os.PathLike
        The HTML file (its directory must exist).
    records : list of TrialRecord
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
    ranked, failed, running = split_by_state(records, summary)
    metric = metric_name_of(records, summary)
    best = best_number(ranked, summary)
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
        _failed_html(failed, running, pruned_of(records), metric),
        "<h2>Plots</h2>",
        _plots_html(ranked, summary, metric, best, boundary, pruned_of(records)),
        "</body></html>",
        "",
    ])
    with atomic_write(target, "w", encoding="utf-8") as handle:
        handle.write(document)
    return target
