"""Week 4: the cat / non-cat application — a two-layer and an L-layer model on the course's images."""

from __future__ import annotations

import numpy as np

from .. import data
from ..engine import initializers, network, training
from ._common import COURSE_CROSS_ENTROPY, CostLog, iteration_count
from .deep import HIDDEN, OUTPUT, initialize_parameters

__all__ = ["L_layer_model", "initialize_parameters", "initialize_parameters_deep", "load_data", "predict", "two_layer_model"]


def load_data(data_dir="datasets"):
    """Read ``train_catvnoncat.h5`` and ``test_catvnoncat.h5`` from ``data_dir``.

    Returns
    -------
    train_x_orig : ndarray of shape (209, 64, 64, 3)
    train_y : ndarray of shape (1, 209)
    test_x_orig : ndarray of shape (50, 64, 64, 3)
    test_y : ndarray of shape (1, 50)
    classes : ndarray of bytes, ``[b'non-cat', b'cat']``
    """
    return data.load_catvnoncat(data_dir)


def initialize_parameters_deep(layer_dims):
    """L-layer parameters from seed 1: weights ``randn / sqrt(n[l-1])``, zero biases."""
    return initializers.initialize_parameters(layer_dims, method="scaled", seed=1)


def _train(X, Y, parameters, learning_rate, num_iterations, print_cost):
    # The course's notebook also prints the last iteration when print_cost is False (an operator
    # precedence slip); here print_cost=False prints nothing. Zero iterations: the course's loop
    # does not run, and the initial parameters come back with no costs.
    num_iterations = iteration_count(num_iterations)
    if num_iterations == 0:
        return parameters, []
    log = CostLog(100, "Cost after iteration {i}: {cost}", print_cost, last=num_iterations - 1)
    parameters, _ = training.gradient_descent(
        X, Y, parameters, num_iterations, learning_rate, HIDDEN, OUTPUT, loss=COURSE_CROSS_ENTROPY, callback=log
    )
    return parameters, log.costs


def two_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False):
    """LINEAR -> RELU -> LINEAR -> SIGMOID, from ``initialize_parameters`` (seed 1).

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m)
    layers_dims : (n_x, n_h, n_y)

    Returns
    -------
    parameters : dict
    costs : list of 0-d ndarray
        Every 100 iterations.
    """
    if len(layers_dims) != 3:
        raise ValueError(f"layers_dims must be (n_x, n_h, n_y); got {layers_dims!r}")
    n_x, n_h, n_y = layers_dims
    return _train(X, Y, initialize_parameters(n_x, n_h, n_y), learning_rate, num_iterations, print_cost)


def L_layer_model(X, Y, layers_dims, learning_rate=0.0075, num_iterations=3000, print_cost=False):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID, from ``initialize_parameters_deep`` (seed 1).

    Returns
    -------
    parameters : dict
    costs : list of 0-d ndarray
        Every 100 iterations.
    """
    return _train(X, Y, initialize_parameters_deep(layers_dims), learning_rate, num_iterations, print_cost)


def predict(X, y, parameters):
    """Predict 0/1 labels with an L-layer model and print the accuracy against ``y``.

    Returns
    -------
    p : ndarray of shape (1, m)
        Floats 0.0 / 1.0.
    """
    p = network.predict(X, parameters, HIDDEN, OUTPUT).astype(np.float64)
    m = p.shape[1]
    print("Accuracy: " + str(np.sum((p == y) / m)))
    return p
