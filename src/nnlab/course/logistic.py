"""Week 2: logistic regression as a neural network (``layer_dims = [n_x, 1]``, sigmoid output).

The course keeps the weights as a column ``w`` of shape (n_x, 1) and the bias as a scalar
``b``; the engine's single layer is ``W1 = w.T`` of shape (1, n_x) and ``b1`` of shape (1, 1).
"""

from __future__ import annotations

import numpy as np

from ..engine import activations, initializers, losses, metrics, network, training
from ..engine.validation import as_float_array, check_finite, check_positive_int
from ._common import COURSE_CROSS_ENTROPY, CostLog, labels_as_row

__all__ = ["initialize_with_zeros", "model", "optimize", "predict", "propagate", "sigmoid"]


def sigmoid(z):
    """Sigmoid of a scalar or array ``z``: ``1 / (1 + exp(-z))``."""
    return activations.sigmoid(z)


def initialize_with_zeros(dim):
    """Zero weights and bias.

    Returns
    -------
    w : ndarray of shape (dim, 1)
    b : float
        0.0
    """
    dim = check_positive_int(dim, "dim")
    W1 = initializers.initialize_parameters([dim, 1], method="zeros")["W1"]
    return W1.T.copy(), 0.0


def _engine_parameters(w, b, X) -> dict:
    """The course's ``(w, b)`` as the engine's ``{"W1": w.T, "b1": [[b]]}``, checked against X."""
    n_x = np.shape(X)[0] if np.ndim(X) == 2 else None
    w = as_float_array(w, "w", ndim=None)
    if n_x is not None and w.size != n_x:
        raise ValueError(f"w must have shape (n_x, 1) = ({n_x}, 1) to match X of shape {np.shape(X)}; got {w.shape}")
    b = as_float_array(b, "b", ndim=None)
    if b.size != 1:
        raise ValueError(f"b must be a scalar; got shape {b.shape}")
    check_finite(w, "w")
    check_finite(b, "b")
    return {"W1": w.reshape(1, -1), "b1": b.reshape(1, 1)}


def _labels(Y, X):
    """``Y`` as the engine's (1, m) row: the course's ``A - Y`` also broadcasts a 1-D Y of length m."""
    return labels_as_row(Y, np.shape(X)[1]) if np.ndim(X) == 2 else Y


def _course_gradients(grads: dict) -> dict:
    return {"dw": grads["dW1"].T, "db": np.float64(grads["db1"].item())}


def propagate(w, b, X, Y):
    """Cost and gradients of logistic regression.

    Parameters
    ----------
    w : ndarray of shape (n_x, 1)
    b : float
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m), or 1-D of length m
        0/1 (or bool) labels; like the course's arithmetic, any finite value is accepted.

    Returns
    -------
    grads : dict
        ``"dw"`` of shape (n_x, 1) and ``"db"`` (np.float64).
    cost : 0-d ndarray
        The binary cross-entropy (the course's ``np.squeeze(np.array(cost))``).
    """
    parameters = _engine_parameters(w, b, X)
    Y = _labels(Y, X)
    A, caches = network.model_forward(X, parameters, output="sigmoid")
    cost = losses.compute_cost(A, Y, COURSE_CROSS_ENTROPY)
    grads = network.model_backward(A, Y, caches, output="sigmoid", loss=COURSE_CROSS_ENTROPY)
    return _course_gradients(grads), np.array(cost)


def optimize(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
    """Gradient descent on ``(w, b)``; records the cost every 100 iterations.

    ``Y`` as in :func:`propagate`.

    Returns
    -------
    params : dict
        ``"w"`` of shape (n_x, 1) and ``"b"`` (float) after training.
    grads : dict
        ``"dw"`` and ``"db"`` of the last iteration.
    costs : list of 0-d ndarray
        The cost at iterations 0, 100, 200, ...
    """
    log = CostLog(100, "Cost after iteration {i}: {cost:f}", print_cost)
    parameters, grads = training.gradient_descent(
        X, _labels(Y, X), _engine_parameters(w, b, X), num_iterations, learning_rate,
        hidden="sigmoid", output="sigmoid", loss=COURSE_CROSS_ENTROPY, callback=log,
    )
    params = {"w": parameters["W1"].T, "b": np.float64(parameters["b1"].item())}
    return params, _course_gradients(grads), log.costs


def predict(w, b, X):
    """Predict 0/1 labels: 1 where ``sigmoid(w.T X + b) > 0.5``.

    Returns
    -------
    Y_prediction : ndarray of shape (1, m)
        Floats 0.0 / 1.0, as the course returns them.
    """
    return network.predict(X, _engine_parameters(w, b, X), output="sigmoid").astype(np.float64)


def model(X_train, Y_train, X_test, Y_test, num_iterations=2000, learning_rate=0.5, print_cost=False):
    """Train logistic regression from zero initialization and predict on both sets.

    Returns
    -------
    d : dict
        ``costs, Y_prediction_test, Y_prediction_train, w, b, learning_rate, num_iterations``.
    """
    if np.ndim(X_train) == 2 and np.ndim(X_test) == 2 and np.shape(X_test)[0] != np.shape(X_train)[0]:
        raise ValueError(
            f"X_test must have the features (rows) of X_train, {np.shape(X_train)[0]}; got shape {np.shape(X_test)}"
        )
    w, b = initialize_with_zeros(np.shape(X_train)[0])
    params, grads, costs = optimize(w, b, X_train, Y_train, num_iterations, learning_rate, print_cost)
    w, b = params["w"], params["b"]
    Y_prediction_test = predict(w, b, X_test)
    Y_prediction_train = predict(w, b, X_train)
    if print_cost:
        for name, predictions, labels in (("train", Y_prediction_train, Y_train), ("test", Y_prediction_test, Y_test)):
            labels = np.reshape(labels, predictions.shape)  # the course's tests pass a 1-D y_test
            print(f"{name} accuracy: {100 * metrics.accuracy(predictions, labels)} %")
    return {
        "costs": costs,
        "Y_prediction_test": Y_prediction_test,
        "Y_prediction_train": Y_prediction_train,
        "w": w,
        "b": b,
        "learning_rate": learning_rate,
        "num_iterations": num_iterations,
    }
