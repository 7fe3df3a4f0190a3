"""Figures: functions that return matplotlib figures; callers save them (:func:`save_png`) or
embed them (:func:`png_bytes`). The learning curve and the 2-D decision boundary of a model live
here; the search's figures (:mod:`nnlab.search.figures`) are drawn on the same :func:`new_figure`.

Rendering uses matplotlib's Agg canvas through the object-oriented API (``Figure`` +
``FigureCanvasAgg``), never pyplot: nothing here selects a global backend (so importing nnlab in
a notebook leaves its backend alone), opens a window, or registers a figure that would have to
be closed — each figure is an ordinary object, freed with its last reference.

:func:`save_png` writes atomically: the PNG is rendered to memory, written to a temporary file in
the target's directory, flushed, and renamed over the target (:func:`os.replace`), so a crash or a
full disk never leaves a half-written image where a previous one was. :func:`plot_learning_curve`
and :func:`plot_decision_boundary` draw and save in one call.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .io import atomic_write

__all__ = [
    "COLORS",
    "cost_axes",
    "decision_boundary_figure",
    "learning_curve_figure",
    "new_figure",
    "plot_decision_boundary",
    "plot_learning_curve",
    "png_bytes",
    "save_png",
]

# Qualitative colours for up to ten classes (matplotlib's "tab10"); more classes use a colormap.
COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
PNG_DPI = 100


# --------------------------------------------------------------------------- learning curve


def plot_learning_curve(history, path, title=None) -> Path:
    """Save :func:`learning_curve_figure` of ``history`` as the PNG file ``path`` (atomically)."""
    return save_png(learning_curve_figure(history, title), path)


def learning_curve_figure(history, title=None):
    """The training (and dev) cost per epoch.

    Parameters
    ----------
    history : nnlab.engine.training.History or mapping
        Anything with ``train_cost`` and optionally ``dev_cost`` (one value per epoch) and
        ``epoch``: a model's ``history_``, or ``History.as_dict()``. NaN dev costs (no dev set)
        are left out.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    The cost axis is logarithmic when every cost is positive and they span more than a factor
    of ten (a cost falling from 0.69 to 0.01 is readable only on a log scale).
    """
    values = history.as_dict() if hasattr(history, "as_dict") else history
    if not isinstance(values, Mapping) or "train_cost" not in values:
        raise TypeError(f"history must be a History or a mapping with 'train_cost'; got {type(history).__name__}")
    train = np.asarray(values["train_cost"], dtype=np.float64).ravel()
    if train.size == 0:
        raise ValueError("history holds no epochs; nothing to plot")
    epochs = np.asarray(values.get("epoch", np.arange(train.size)), dtype=np.float64).ravel()
    dev = np.asarray(values.get("dev_cost", np.full(train.size, np.nan)), dtype=np.float64).ravel()
    if epochs.size != train.size or dev.size != train.size:
        raise ValueError(
            f"history lists must have one entry per epoch; got {epochs.size} epochs, "
            f"{train.size} train costs, {dev.size} dev costs"
        )

    figure, (axes,) = new_figure()
    axes.plot(epochs, train, label="train", color=COLORS[0], linewidth=1.5)
    has_dev = bool(np.isfinite(dev).any())
    if has_dev:
        axes.plot(epochs, dev, label="dev", color=COLORS[1], linewidth=1.5)
    cost_axes(axes, [train, dev])
    axes.set_title(title or ("Learning curve: train and dev cost" if has_dev else "Learning curve: train cost"))
    axes.legend()
    return figure


def cost_axes(axes, costs) -> None:
    """Label ``axes`` as cost per epoch; the cost axis is logarithmic when every finite cost is
    positive and they span more than a factor of ten."""
    shown = np.concatenate([np.asarray(c, dtype=np.float64).ravel() for c in costs])
    shown = shown[np.isfinite(shown)]
    if shown.size and shown.min() > 0 and shown.max() / shown.min() > 10:
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cost J")
    axes.grid(True, which="major", alpha=0.3)


# --------------------------------------------------------------------------- decision boundary


def plot_decision_boundary(model, X, Y, path, title=None, *, feature_names=None, resolution=300) -> Path:
    """Save :func:`decision_boundary_figure` as the PNG file ``path`` (atomically)."""
    return save_png(decision_boundary_figure(model, X, Y, title, feature_names=feature_names, resolution=resolution),
                    path)


def decision_boundary_figure(model, X, Y, title=None, *, feature_names=None, resolution=300):
    """A fitted model's predictions over the plane of two features, with the data on top.

    The background is ``model.predict`` on a ``resolution x resolution`` grid spanning the data
    plus one unit on every side: one colour per class (binary or multiclass) or, for a
    regression model, a filled contour of the predicted value. The examples are drawn as points
    coloured by their label with the same colours.

    Parameters
    ----------
    model : nnlab.Model
        Fitted on 2 features.
    X : ndarray of shape (2, m)
        The examples, one per column, in the units the model was fitted on (unscaled: the model
        applies its own standardization).
    Y : ndarray of shape (1, m) or (C, m)
        Their labels (as the model was fitted with), or regression targets.
    title : str, optional
    feature_names : pair of str, optional
        Axis labels (default ``"x0"``, ``"x1"``).
    resolution : int
        Grid points per axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (2, m), two features and one example per column; got {X.shape}")
    targets = getattr(model, "targets_", None)
    if targets is None:
        raise ValueError("the model is not fitted yet: fit it (or load it) before plotting its decision boundary")
    resolution = int(resolution)
    if resolution < 2:
        raise ValueError(f"resolution must be at least 2 grid points per axis; got {resolution}")
    low, high = X.min(axis=1) - 1.0, X.max(axis=1) + 1.0
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution))
    grid = np.vstack([xx.ravel(), yy.ravel()])  # (2, resolution**2)
    outputs = model.predict_proba(grid)  # (n[L], resolution**2)

    figure, (axes,) = new_figure()
    if targets.task == "regression":
        surface = targets.decode(outputs)[0].reshape(xx.shape)
        values = np.asarray(Y, dtype=np.float64)[0]
        vmin, vmax = min(surface.min(), values.min()), max(surface.max(), values.max())
        filled = axes.contourf(xx, yy, surface, levels=20, cmap="viridis", vmin=vmin, vmax=vmax, alpha=0.6)
        axes.scatter(X[0], X[1], c=values, cmap="viridis", vmin=vmin, vmax=vmax, s=16, edgecolors="black", linewidths=0.4)
        figure.colorbar(filled, ax=axes, label="prediction")
    else:
        from matplotlib.colors import BoundaryNorm, ListedColormap

        classes = list(targets.classes)
        k = len(classes)
        if k <= len(COLORS):
            cmap = ListedColormap(COLORS[:k])
        else:
            from matplotlib import colormaps

            cmap = colormaps["viridis"].resampled(k)
        norm = BoundaryNorm(np.arange(k + 1) - 0.5, cmap.N)
        predicted = targets.class_indices(outputs).reshape(xx.shape)  # class index per grid point
        axes.contourf(xx, yy, predicted, levels=np.arange(k + 1) - 0.5, cmap=cmap, norm=norm, alpha=0.3)
        true = targets.class_indices(targets.encode(Y))  # the labels as class indices, shape (m,)
        for index, label in enumerate(classes):
            members = true == index
            if members.any():
                axes.scatter(
                    X[0, members], X[1, members], color=cmap(norm(index)), s=16,
                    edgecolors="black", linewidths=0.4, label=str(label),
                )
        axes.legend(title="class", loc="best", fontsize="small")
    axes.set_xlim(low[0], high[0])
    axes.set_ylim(low[1], high[1])
    names = tuple(feature_names) if feature_names is not None else ("x0", "x1")
    axes.set_xlabel(names[0])
    axes.set_ylabel(names[1])
    axes.set_title(title or "Decision boundary")
    return figure


# --------------------------------------------------------------------------- helpers


def new_figure(n_axes=1, width=6.4, height=4.8, columns=1):
    """A figure of ``n_axes`` axes in a grid on an Agg canvas (no pyplot, no global backend).

    Returns
    -------
    figure : matplotlib.figure.Figure
    axes : list of matplotlib.axes.Axes
        ``n_axes`` of them, row by row; each is ``width`` x ``height`` inches.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = -(-n_axes // columns)
    figure = Figure(figsize=(width * columns, height * rows), dpi=PNG_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, [figure.add_subplot(rows, columns, index + 1) for index in range(n_axes)]


def png_bytes(figure) -> bytes:
    """``figure`` rendered as PNG bytes (to embed it). The figure is cleared afterwards (its
    artists freed): render or save a figure once."""
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")
    finally:
        figure.clear()
    return buffer.getvalue()


def save_png(figure, path) -> Path:
    """Render ``figure`` as PNG and put it at ``path`` atomically; returns ``path`` as a Path."""
    target = Path(os.fspath(path))
    data = png_bytes(figure)
    with atomic_write(target, "wb") as handle:
        handle.write(data)
    return target
