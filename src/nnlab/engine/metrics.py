"""Evaluation metrics."""

from __future__ import annotations

import numpy as np

__all__ = ["accuracy"]


def accuracy(predictions, Y) -> float:
    """Fraction of examples whose predicted label equals the true one.

    Parameters
    ----------
    predictions, Y : array-like of shape (1, m)
        Labels (0/1, bool or class indices); compared elementwise.
    """
    predictions, Y = np.asarray(predictions), np.asarray(Y)
    if predictions.shape != Y.shape:
        raise ValueError(f"predictions must have the shape of Y, {Y.shape}; got {predictions.shape}")
    if Y.size == 0:
        raise ValueError("Y must hold at least one example; got an empty array")
    return float(np.mean(predictions == Y))
