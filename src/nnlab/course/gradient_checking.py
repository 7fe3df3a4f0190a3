"""Course 2, week 1: Gradient checking — backpropagation against two-sided differences.

First the one-dimensional ``J(theta) = theta x``, then the three-layer fraud-detection network
(LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID). For every parameter theta_i::

    gradapprox_i = (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)
    difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)

and a difference above 2e-7 means the backward pass has a mistake.

**Which backward pass?** The course ships ``backward_propagation_n`` with two planted mistakes
(``dW2`` doubled, ``db1`` four times too large) for the learner to find with
``gradient_check_n``. Here ``backward_propagation_n`` is the *correct* backward pass (the
engine's) by default; ``backward_propagation_n(..., planted_mistakes=True)`` is the course's
shipped version, and ``gradient_check_n`` reports it (difference ~0.29).

The numerical gradient is the engine's (:func:`nnlab.engine.gradient_check` perturbs each
parameter in the order ``W1, b1, W2, ...`` and row-major within each, the course's vector order)
and the difference is :func:`nnlab.engine.relative_difference`. The course's helpers hard-code
the shapes of its 4-5-3-1 network; :func:`vector_to_dictionary` takes them from a template
instead (defaulting to the course's network).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..engine import gradient_check as engine_gradient_check, n_layers, relative_difference
from ..engine.validation import as_float_array, check_positive_number, describe
from ._sequel import HIDDEN, OUTPUT, backward_per_dw, course_cost, labels_row, relu, sigmoid, unpack
from ._sequel import forward_propagation as network_forward

__all__ = [
    "backward_propagation", "backward_propagation_n", "dictionary_to_vector", "forward_propagation",
    "forward_propagation_n", "gradient_check", "gradient_check_n", "gradients_to_vector", "relu", "sigmoid",
    "vector_to_dictionary",
]

THRESHOLD = 2e-7  # the course's: above it, "There is a mistake in the backward propagation!"
COURSE_LAYERS = [4, 5, 3, 1]  # the network gc_utils' vector_to_dictionary hard-codes


def _report(difference: float, print_msg: bool) -> None:
    if not print_msg:
        return
    if difference > THRESHOLD:
        print("\033[93m" + "There is a mistake in the backward propagation! difference = " + str(difference) + "\033[0m")
    else:
        print("\033[92m" + "Your backward propagation works perfectly fine! difference = " + str(difference) + "\033[0m")


def _real(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    return value


# ----------------------------------------------------------------------------------------------
# One dimension: J(theta) = theta * x


def forward_propagation(x, theta):
    """``J = theta * x``."""
    return _real(theta, "theta") * _real(x, "x")


def backward_propagation(x, theta):
    """``dJ/dtheta = x``."""
    _real(theta, "theta")
    return _real(x, "x")


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    """Relative difference between :func:`backward_propagation` and the two-sided difference.

    Returns
    -------
    difference : float
    """
    epsilon = check_positive_number(epsilon, "epsilon")
    J_plus = forward_propagation(x, theta + epsilon)
    J_minus = forward_propagation(x, theta - epsilon)
    gradapprox = (J_plus - J_minus) / (2 * epsilon)
    difference = relative_difference(backward_propagation(x, theta), gradapprox)
    _report(difference, print_msg)
    return difference


# ----------------------------------------------------------------------------------------------
# N dimensions: the three-layer network


def forward_propagation_n(X, Y, parameters):
    """The network's cost (cross-entropy) and the course's flat cache.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m) or (m,), 0/1
    parameters : dict ``W1, b1, W2, b2, W3, b3``

    Returns
    -------
    cost : float
    cache : tuple ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``
    """
    A3, cache = network_forward(X, parameters)
    return course_cost(A3, Y), cache


def backward_propagation_n(X, Y, cache, planted_mistakes=False):
    """Gradients of :func:`forward_propagation_n`'s cost.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m) or (m,)
    cache : tuple from :func:`forward_propagation_n`
    planted_mistakes : bool
        False (default): the correct gradients (the engine's backward pass). True: the course's
        shipped version, with ``dW2`` multiplied by 2 and ``db1`` by 4 (3-layer caches only).

    Returns
    -------
    gradients : dict
        ``dZ{l}``, ``dW{l}``, ``db{l}`` for every layer and ``dA{l}`` for the hidden ones.
    """
    if planted_mistakes and len(unpack(cache)) != 3:
        raise ValueError(f"planted_mistakes is the course's 3-layer version; got a {len(unpack(cache))}-layer cache")
    gradients = backward_per_dw(X, Y, cache)
    if planted_mistakes:
        gradients["dW2"] = gradients["dW2"] * 2  # the course's first planted mistake
        gradients["db1"] = gradients["db1"] * 4  # and its second (4./m instead of 1./m)
    return gradients


def dictionary_to_vector(parameters):
    """Roll ``W1, b1, ..., WL, bL`` into one column, row-major within each array.

    Returns
    -------
    theta : ndarray of shape (n_parameters, 1)
    keys : list of str
        The name of the array each entry came from (``["W1", "W1", ..., "b3"]``).
    """
    L = n_layers(parameters)
    names = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    pieces = [np.reshape(parameters[name], (-1, 1)) for name in names]
    keys = [name for name, piece in zip(names, pieces) for _ in range(piece.shape[0])]
    return np.concatenate(pieces, axis=0), keys


def vector_to_dictionary(theta, like=None):
    """Unroll a column into ``W1, b1, ..., WL, bL`` with the shapes of ``like``.

    Parameters
    ----------
    theta : ndarray of shape (n_parameters, 1)
    like : dict, optional
        Parameters whose shapes to use; default the course's 4-5-3-1 network.

    Returns
    -------
    parameters : dict
    """
    if like is None:
        shapes = {}
        for l in range(1, len(COURSE_LAYERS)):
            shapes[f"W{l}"] = (COURSE_LAYERS[l], COURSE_LAYERS[l - 1])
            shapes[f"b{l}"] = (COURSE_LAYERS[l], 1)
    else:
        L = n_layers(like)
        shapes = {f"{p}{l}": np.shape(like[f"{p}{l}"]) for l in range(1, L + 1) for p in "Wb"}
    theta = np.asarray(theta)
    total = sum(int(np.prod(shape)) for shape in shapes.values())
    if theta.size != total:
        raise ValueError(f"theta must hold {total} values for shapes {shapes}; got {theta.size}")
    parameters, start = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        parameters[name] = theta.reshape(-1)[start : start + size].reshape(shape)
        start += size
    return parameters


def gradients_to_vector(gradients):
    """Roll ``dW1, db1, ..., dWL, dbL`` into one column (the order of :func:`dictionary_to_vector`).

    Returns
    -------
    theta : ndarray of shape (n_parameters, 1)
    """
    L = 1
    while f"dW{L + 1}" in gradients:
        L += 1
    missing = [f"d{p}{l}" for l in range(1, L + 1) for p in "Wb" if f"d{p}{l}" not in gradients]
    if missing:
        raise ValueError(f"gradients must hold dW1, db1, ..., dW{L}, db{L}; missing {missing}")
    return np.concatenate([np.reshape(gradients[f"d{p}{l}"], (-1, 1)) for l in range(1, L + 1) for p in "Wb"])


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False):
    """Check ``gradients`` against two-sided differences of :func:`forward_propagation_n`'s cost.

    Parameters
    ----------
    parameters : dict ``W1, b1, ..., WL, bL``
    gradients : dict
        At least ``dW1, db1, ..., dWL, dbL`` (e.g. from :func:`backward_propagation_n`).
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m) or (m,)
    epsilon : float
    print_msg : bool
        Print the course's verdict (mistake above 2e-7).

    Returns
    -------
    difference : float
    """
    X = as_float_array(X, "X")
    Y = labels_row(Y, X.shape[1])
    epsilon = check_positive_number(epsilon, "epsilon")
    numeric = engine_gradient_check(parameters, X, Y, HIDDEN, OUTPUT, epsilon=epsilon).numeric
    grad = gradients_to_vector(gradients)
    if grad.shape[0] != numeric.shape[0]:
        raise ValueError(f"gradients must match the parameters' {numeric.shape[0]} values; got {grad.shape[0]}")
    difference = relative_difference(grad, numeric)
    _report(difference, print_msg)
    return difference
