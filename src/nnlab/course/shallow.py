"""Week 3: planar data classification with one hidden layer (``[n_x, n_h, n_y]``, tanh, sigmoid).

The course's cache is a dict ``{"Z1", "A1", "Z2", "A2"}``; the engine's is a list of
``((A_prev, W, b), Z)`` per layer. The adapters below translate between the two.
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..engine import blocks, initializers, losses, network, optimizers, training
from ..engine.validation import as_float_array, check_positive_int
from ._common import CostLog

__all__ = [
    "backward_propagation",
    "compute_cost",
    "forward_propagation",
    "initialize_parameters",
    "layer_sizes",
    "load_extra_datasets",
    "load_planar_dataset",
    "nn_model",
    "predict",
    "update_parameters",
]

HIDDEN, OUTPUT = "tanh", "sigmoid"


def layer_sizes(X, Y):
    """Sizes of the input, hidden (4) and output layers: ``(n_x, n_h, n_y)``."""
    X = as_float_array(X, "X")
    Y = as_float_array(Y, "Y")
    return X.shape[0], 4, Y.shape[0]


def initialize_parameters(n_x, n_h, n_y):
    """Small random weights (x 0.01) and zero biases.

    Draws from NumPy's global random state, exactly as the course does: seed it first
    (``np.random.seed(2)``) to reproduce the course's numbers.

    Returns
    -------
    parameters : dict
        ``W1`` (n_h, n_x), ``b1`` (n_h, 1), ``W2`` (n_y, n_h), ``b2`` (n_y, 1).
    """
    global_state = np.random.mtrand._rand  # the RandomState behind np.random.seed / randn
    return initializers.initialize_parameters([n_x, n_h, n_y], method="random", seed=global_state)


def forward_propagation(X, parameters):
    """Forward pass: ``A1 = tanh(W1 X + b1)``, ``A2 = sigmoid(W2 A1 + b2)``.

    Returns
    -------
    A2 : ndarray of shape (n_y, m)
    cache : dict
        ``Z1``, ``A1`` of shape (n_h, m) and ``Z2``, ``A2`` of shape (n_y, m).
    """
    A2, (first, second) = network.model_forward(X, parameters, HIDDEN, OUTPUT)
    return A2, {"Z1": first.activation_cache, "A1": second.linear_cache.A_prev, "Z2": second.activation_cache, "A2": A2}


def compute_cost(A2, Y):
    """Binary cross-entropy of ``A2`` against labels ``Y`` (0/1 or bool), as a Python float."""
    return losses.compute_cost(A2, Y, "binary_cross_entropy")


def backward_propagation(parameters, cache, X, Y):
    """Gradients of the cost: ``dZ2 = A2 - Y``, ``dZ1 = W2.T dZ2 * (1 - A1**2)``.

    As in the course, tanh' comes from the cached ``A1`` and the start from ``A2``.

    Returns
    -------
    grads : dict
        ``dW1``, ``db1``, ``dW2``, ``db2``.
    """
    missing = {"Z1", "A1", "Z2", "A2"} - set(cache)
    if missing:
        raise ValueError(f"cache must hold 'Z1', 'A1', 'Z2', 'A2' from forward_propagation; missing {sorted(missing)}")
    W1, b1, W2, b2 = (parameters[key] for key in ("W1", "b1", "W2", "b2"))
    caches = [
        blocks.LayerCache(blocks.LinearCache(X, W1, b1), cache["Z1"]),
        blocks.LayerCache(blocks.LinearCache(cache["A1"], W2, b2), cache["Z2"]),
    ]
    grads = network.model_backward(cache["A2"], Y, caches, HIDDEN, OUTPUT)
    return {key: grads[key] for key in ("dW1", "db1", "dW2", "db2")}


def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient-descent step; returns new parameters."""
    return optimizers.update_parameters(parameters, grads, learning_rate)


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """Train the one-hidden-layer network from the course's seed (3) with learning rate 1.2.

    Prints ``Cost after iteration %i: %f`` every 1000 iterations when ``print_cost``.

    Returns
    -------
    parameters : dict
    """
    n_x, _, n_y = layer_sizes(X, Y)
    n_h = check_positive_int(n_h, "n_h")
    parameters = initializers.initialize_parameters([n_x, n_h, n_y], method="random", seed=3)
    log = CostLog(1000, "Cost after iteration {i}: {cost:f}", print_cost)
    parameters, _ = training.gradient_descent(
        X, Y, parameters, num_iterations, 1.2, HIDDEN, OUTPUT, callback=log
    )
    return parameters


def predict(parameters, X):
    """Boolean predictions ``A2 > 0.5`` of shape (1, m)."""
    return network.predict(X, parameters, HIDDEN, OUTPUT).astype(bool)


def load_planar_dataset():
    """The course's flower: X of shape (2, 400), Y of shape (1, 400) (uint8 0/1)."""
    return data.load_planar_dataset()


def load_extra_datasets():
    """The course's extra sets in its layout: a tuple of ``(X (N, 2), Y (N,))`` pairs.

    Order: noisy_circles, noisy_moons, blobs, gaussian_quantiles, no_structure (N = 200).
    Transpose as the course does: ``X, Y = X.T, Y.reshape(1, Y.shape[0])``.
    """
    sets = data.load_extra_datasets()
    names = ("noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles", "no_structure")
    return tuple((sets[name][0].T, sets[name][1].ravel()) for name in names)
