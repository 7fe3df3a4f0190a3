"""Week 3: planar data classification with one hidden layer (``[n_x, n_h, n_y]``, tanh, sigmoid).

The course's cache is a dict ``{"Z1", "A1", "Z2", "A2"}``; the engine's is a list of
``((A_prev, W, b), Z)`` per layer. The adapters below translate between the two.
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..engine import blocks, initializers, losses, network, optimizers, training
from ..engine.validation import as_float_array, check_positive_int
from ._common import COURSE_CROSS_ENTROPY, CostLog, as_row, entries, iteration_count, labels_as_row

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
PARAMETER_KEYS = ("W1", "b1", "W2", "b2")
GRAD_KEYS = ("dW1", "db1", "dW2", "db2")


def _shape_2d(value, name: str) -> tuple[int, int]:
    shape = np.shape(value)
    if len(shape) != 2:
        raise ValueError(f"{name} must be a 2-D array; got shape {shape}")
    return shape


def layer_sizes(X, Y):
    """Sizes of the input, hidden (4) and output layers: ``(n_x, n_h, n_y)``.

    Only the shapes are read, as in the course: X of shape (n_x, m), Y of shape (n_y, m).
    """
    return _shape_2d(X, "X")[0], 4, _shape_2d(Y, "Y")[0]


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

    Only ``W1, b1, W2, b2`` are read from ``parameters``; other entries are ignored, as in the course.

    Returns
    -------
    A2 : ndarray of shape (n_y, m)
    cache : dict
        ``Z1``, ``A1`` of shape (n_h, m) and ``Z2``, ``A2`` of shape (n_y, m).
    """
    A2, (first, second) = network.model_forward(X, entries(parameters, PARAMETER_KEYS, "parameters"), HIDDEN, OUTPUT)
    return A2, {"Z1": first.activation_cache, "A1": second.linear_cache.A_prev, "Z2": second.activation_cache, "A2": A2}


def compute_cost(A2, Y):
    """Binary cross-entropy of ``A2`` against labels ``Y``, as a Python float.

    ``A2`` of shape (1, m), or 1-D of length m (the course's arithmetic broadcasts it); ``Y`` of
    shape (1, m): 0/1, bool, or like the course any finite value.
    """
    return losses.compute_cost(as_row(A2, Y), Y, COURSE_CROSS_ENTROPY)


def backward_propagation(parameters, cache, X, Y):
    """Gradients of the cost: ``dZ2 = A2 - Y``, ``dZ1 = W2.T dZ2 * (1 - A1**2)``.

    As in the course, only ``W1`` and ``W2`` are read from ``parameters`` and only ``A1`` and
    ``A2`` from ``cache`` (tanh' comes from A1, the start from A2): a cache of just those two is
    valid, and any Z1, Z2, b1, b2 (of any shape) are ignored.

    Parameters
    ----------
    parameters : dict
        ``W1`` of shape (n_h, n_x), ``W2`` of shape (n_y, n_h).
    cache : dict
        ``A1`` of shape (n_h, m), ``A2`` of shape (n_y, m).
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (n_y, m)
        Or 1-D of length m when n_y = 1 (the course's ``A2 - Y`` broadcasts it).

    Returns
    -------
    grads : dict
        ``dW1``, ``db1``, ``dW2``, ``db2``.
    """
    W1, W2 = entries(parameters, ("W1", "W2"), "parameters").values()
    A1, A2 = entries(cache, ("A1", "A2"), "cache").values()
    X = as_float_array(X, "X")
    W1, W2 = as_float_array(W1, "W1"), as_float_array(W2, "W2")
    A1, A2 = as_float_array(A1, "cache['A1']"), as_float_array(A2, "cache['A2']")
    (n_y, n_h), (n_x, m) = W2.shape, X.shape
    expected = {"W1": (W1, (n_h, n_x)), "cache['A1']": (A1, (n_h, m)), "cache['A2']": (A2, (n_y, m))}
    for name, (array, shape) in expected.items():
        if array.shape != shape:
            raise ValueError(f"{name} must have shape {shape} to match W2 {W2.shape} and X {X.shape}; "
                             f"got {array.shape}")
    # The engine's layer caches ((A_prev, W, b), Z): reading g' from A (derivative_from="A"),
    # backward never reads b or Z, which the course's backward_propagation does not receive.
    caches = [
        blocks.LayerCache(blocks.LinearCache(X, W1, None), None),
        blocks.LayerCache(blocks.LinearCache(A1, W2, None), None),
    ]
    grads = network.model_backward(
        A2, labels_as_row(Y, m), caches, HIDDEN, OUTPUT, loss=COURSE_CROSS_ENTROPY, derivative_from="A"
    )
    return {key: grads[key] for key in GRAD_KEYS}


def update_parameters(parameters, grads, learning_rate=1.2):
    """One gradient-descent step; returns new ``W1, b1, W2, b2``.

    Only those four parameters and their four gradients are read; other entries are ignored.
    """
    return optimizers.update_parameters(
        entries(parameters, PARAMETER_KEYS, "parameters"), entries(grads, GRAD_KEYS, "grads"), learning_rate
    )


def nn_model(X, Y, n_h, num_iterations=10000, print_cost=False):
    """Train the one-hidden-layer network from the course's seed (3) with learning rate 1.2.

    Prints ``Cost after iteration %i: %f`` every 1000 iterations when ``print_cost``.
    ``num_iterations=0`` returns the initial parameters, as the course's loop does.

    Returns
    -------
    parameters : dict
    """
    n_x, _, n_y = layer_sizes(X, Y)
    n_h = check_positive_int(n_h, "n_h")
    num_iterations = iteration_count(num_iterations)
    parameters = initializers.initialize_parameters([n_x, n_h, n_y], method="random", seed=3)
    if num_iterations == 0:
        return parameters
    log = CostLog(1000, "Cost after iteration {i}: {cost:f}", print_cost)
    parameters, _ = training.gradient_descent(
        X, Y, parameters, num_iterations, 1.2, HIDDEN, OUTPUT, loss=COURSE_CROSS_ENTROPY, callback=log
    )
    return parameters


def predict(parameters, X):
    """Boolean predictions ``A2 > 0.5`` of shape (1, m); reads only ``W1, b1, W2, b2``."""
    return network.predict(X, entries(parameters, PARAMETER_KEYS, "parameters"), HIDDEN, OUTPUT).astype(bool)


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
