"""Figures of a training run: the learning curve and a 2-D decision boundary (PNG files).

Rendering uses matplotlib's Agg canvas through the object-oriented API (``Figure`` +
``FigureCanvasAgg``), never pyplot: nothing here selects a global backend (so importing nnlab in
a notebook leaves its backend alone), opens a window, or registers a figure that would have to
be closed — each figure is an ordinary object, freed with its last reference.

Every file is written atomically: the PNG is rendered to memory, written to a temporary file in
the target's directory, flushed, and renamed over the target (:func:`os.replace`), so a crash or a
full disk never leaves a half-written image where a previous one was.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .io import atomic_write

__all__ = ["plot_decision_boundary", "plot_learning_curve"]

# Qualitative colours for up to ten classes (matplotlib's "tab10"); more classes use a colormap.
_CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)


# --------------------------------------------------------------------------- learning curve


def plot_learning_curve(history, path, title=None) -> Path:
    """Plot the training (and dev) cost per epoch and save it as a PNG.

    Parameters
    ----------
    history : nnlab.engine.training.History or mapping
        Anything with ``train_cost`` and optionally ``dev_cost`` (one value per epoch) and
        ``epoch``: a model's ``history_``, or ``History.as_dict()``. NaN dev costs (no dev set)
        are left out.
    path : str or os.PathLike
        The PNG file to write (its directory must exist); replaced atomically.
    title : str, optional

    Returns
    -------
    Path
        ``path``.

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

    figure, axes = _new_figure()
    axes.plot(epochs, train, label="train", color=_CLASS_COLORS[0], linewidth=1.5)
    has_dev = bool(np.isfinite(dev).any())
    if has_dev:
        axes.plot(epochs, dev, label="dev", color=_CLASS_COLORS[1], linewidth=1.5)
    shown = np.concatenate([train, dev[np.isfinite(dev)]])
    shown = shown[np.isfinite(shown)]
    if shown.size and shown.min() > 0 and shown.max() / shown.min() > 10:
        axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("cost J")
    axes.set_title(title or ("Learning curve: train and dev cost" if has_dev else "Learning curve: train cost"))
    axes.grid(True, which="major", alpha=0.3)
    axes.legend()
    return _save(figure, path)


# --------------------------------------------------------------------------- decision boundary


def plot_decision_boundary(model, X, Y, path, title=None, *, feature_names=None, resolution=300) -> Path:
    """Plot a fitted model's predictions over the plane of two features, with the data on top.

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
    path : str or os.PathLike
        The PNG file to write (its directory must exist); replaced atomically.
    title : str, optional
    feature_names : pair of str, optional
        Axis labels (default ``"x0"``, ``"x1"``).
    resolution : int
        Grid points per axis.

    Returns
    -------
    Path
        ``path``.
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

    figure, axes = _new_figure()
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
        if k <= len(_CLASS_COLORS):
            cmap = ListedColormap(_CLASS_COLORS[:k])
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
    return _save(figure, path)


# --------------------------------------------------------------------------- helpers


def _new_figure():
    """A figure with one axes on an Agg canvas (no pyplot, no global backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.8), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _save(figure, path) -> Path:
    """Render ``figure`` as PNG and put it at ``path`` atomically."""
    target = Path(os.fspath(path))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    with atomic_write(target, "wb") as handle:
        handle.write(buffer.getvalue())
    return target
