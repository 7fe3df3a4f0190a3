"""Evaluation metrics."""

from __future__ import annotations

import numpy as np

__all__ = [
    "DECISION_THRESHOLD",
    "accuracy",
    "binary_predictions",
    "confusion_matrix",
    "correct_count",
    "r2_from_sums",
    "score_outputs",
    "squared_error",
    "total_variation",
]


#: A sigmoid output above this is predicted positive (the course's ``A > 0.5``).
DECISION_THRESHOLD = 0.5


def binary_predictions(A):
    """``A > 0.5``: the positive-class decisions of sigmoid outputs (or of 0/1 labels), as bools.

    The one place the threshold is applied: ``predict``, the accuracy counts and the Model's
    decoded labels all call this.
    """
    return np.greater(A, DECISION_THRESHOLD)


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


def correct_count(AL, Y, output: str, w=None):
    """How many of the m columns the outputs ``AL`` classify as the labels ``Y`` do.

    sigmoid: :func:`binary_predictions` of ``AL`` against those of ``Y`` (every output unit must agree); softmax: the
    argmax of each column against the one-hot ``Y``. ``AL`` (n[L], m) gives an int; a stack
    of outputs (K, n[L], m) gives K counts. With example weights ``w`` (m,): the sum of the
    weights of the agreeing columns (a float).
    """
    if output == "softmax":
        agree = np.argmax(AL, axis=-2) == np.argmax(Y, axis=-2)
    else:
        agree = np.all(binary_predictions(AL) == binary_predictions(Y), axis=-2)
    if w is not None:  # the weight of the agreeing columns
        return float(np.dot(agree, w))
    counts = np.count_nonzero(agree, axis=-1)
    return int(counts) if np.ndim(counts) == 0 else counts


def squared_error(AL, Y, w=None) -> float:
    """``sum((AL - Y)**2)``: the residual sum of squares of a regression (each column times its
    weight ``w_i`` when ``w`` (m,) is given)."""
    if w is not None:
        return float(np.dot(np.sum(np.square(AL - Y), axis=0), w))
    return float(np.sum(np.square(AL - Y)))


def total_variation(Y, w=None) -> float:
    """``sum((Y - mean(Y))**2)`` per output row: the denominator of R²."""
    if w is not None:  # around the weighted mean, each column times its weight
        mean = (Y @ w / np.sum(w))[:, None]  # (n[L], 1)
        return float(np.dot(np.sum(np.square(Y - mean), axis=0), w))
    return float(np.sum(np.square(Y - Y.mean(axis=1, keepdims=True))))


def score_outputs(AL, Y, output: str, w=None) -> float:
    """The metric of outputs against targets: accuracy for sigmoid/softmax, R² for linear.

    R² = 1 - SS_res / SS_tot (summed over the output rows; 0 residual and 0 variation is 1).
    With example weights ``w`` (m,): weighted accuracy, or R² of weighted sums.
    """
    m = AL.shape[1] if w is None else float(np.sum(w))
    if output in ("sigmoid", "softmax"):
        return correct_count(AL, Y, output, w) / m
    return r2_from_sums(squared_error(AL, Y, w), total_variation(Y, w))


def r2_from_sums(ss_res: float, ss_tot: float) -> float:
    """``1 - ss_res / ss_tot`` (1.0 for a perfect fit of constant targets, else 0 variance -> -inf avoided)."""
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return 1.0 - ss_res / ss_tot


def confusion_matrix(true_index, predicted_index, n_classes: int) -> list[list[int]]:
    """Counts ``C[i][j]`` of examples of class i predicted as class j (as nested lists)."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(true_index), np.asarray(predicted_index)), 1)
    return counts.tolist()
