"""Course 2, week 1: Initialization — zeros, large random and He weights on the circles.

The three-layer network ``[n_x, 10, 5, 1]`` (LINEAR -> RELU -> LINEAR -> RELU -> LINEAR ->
SIGMOID) trained with 15,000 steps of batch gradient descent from each initialization. The
lessons: zeros cannot break the symmetry between the units of a layer (every unit learns the
same thing: accuracy 0.5); weights x 10 saturate the sigmoid (the first cost is ``inf``) and
learn slowly; He's ``sqrt(2 / n[l-1])`` scaling learns the circles (0.9933 train, 0.96 test).

Where this follows the course's order of operations rather than the engine's: the backward
pass (init_utils divides by m once, first) and the cost (unfloored logs); see
:mod:`nnlab.course._sequel`.
"""

from __future__ import annotations

import numpy as np

from .. import data
from ..engine import as_random_state, initialize_parameters
from ..engine.validation import as_float_array, check_positive_number
from ._common import CostLog, iteration_count
from ._sequel import (  # the helpers the sequel shares
    backward_scaled_first, checked_run, course_cost, forward_propagation, labels_row, predict,
    predict_dec, relu, run_forward, run_outputs, run_scaled_first, run_state, run_update, sigmoid, update_parameters,
)

__all__ = [
    "backward_propagation", "compute_loss", "forward_propagation", "initialize_parameters_he",
    "initialize_parameters_random", "initialize_parameters_zeros", "load_dataset", "model", "predict",
    "predict_dec", "relu", "sigmoid", "update_parameters",
]

HIDDEN_UNITS = (10, 5, 1)  # the model's layers after the input


def load_dataset():
    """The course's circles: ``make_circles(n_samples=300, noise=.05)`` after ``np.random.seed(1)``
    for training, 100 points after ``np.random.seed(2)`` for testing (scikit-learn's default
    ``factor=0.8``), regenerated bit for bit by :func:`nnlab.data.make_circles` from local seeds.

    The course's version also draws a scatter plot and leaves NumPy's global state seeded; this
    one does neither.

    Returns
    -------
    train_X : ndarray of shape (2, 300)
    train_Y : ndarray of shape (1, 300), int64 0/1
    test_X : ndarray of shape (2, 100)
    test_Y : ndarray of shape (1, 100), int64 0/1
    """
    train_X, train_Y = data.make_circles(n_samples=300, factor=0.8, noise=0.05, seed=1)
    test_X, test_Y = data.make_circles(n_samples=100, factor=0.8, noise=0.05, seed=2)
    return train_X, train_Y, test_X, test_Y


def initialize_parameters_zeros(layers_dims):
    """Every ``W{l}`` and ``b{l}`` zero.

    Parameters
    ----------
    layers_dims : list of int
        ``[n[0], n[1], ..., n[L]]``.

    Returns
    -------
    parameters : dict
        ``W{l}`` of shape (n[l], n[l-1]) and ``b{l}`` of shape (n[l], 1), all zeros.
    """
    return initialize_parameters(layers_dims, method="zeros")


def initialize_parameters_random(layers_dims):
    """Large random weights: ``randn(n[l], n[l-1]) * 10`` from seed 3, zero biases.

    The course's deliberately bad scale (no engine initializer offers it): the draws are the
    engine's seeded stream, the ``* 10`` is the lesson.

    Returns
    -------
    parameters : dict
        ``W{l}`` of shape (n[l], n[l-1]), ``b{l}`` of shape (n[l], 1).
    """
    parameters = initialize_parameters(layers_dims, method="zeros")  # validated shapes, zero biases
    rng = as_random_state(3)  # the course's np.random.seed(3), without the global state
    for l in range(1, len(parameters) // 2 + 1):
        parameters[f"W{l}"] = rng.randn(*parameters[f"W{l}"].shape) * 10
    return parameters


def initialize_parameters_he(layers_dims):
    """He initialization: ``randn(n[l], n[l-1]) * sqrt(2 / n[l-1])`` from seed 3, zero biases.

    Returns
    -------
    parameters : dict
        ``W{l}`` of shape (n[l], n[l-1]), ``b{l}`` of shape (n[l], 1).
    """
    return initialize_parameters(layers_dims, method="he", seed=3)


INITIALIZATIONS = {
    "zeros": initialize_parameters_zeros,
    "random": initialize_parameters_random,
    "he": initialize_parameters_he,
}


def compute_loss(a3, Y):
    """Cross-entropy as init_utils computes it: ``inf`` when an output is saturated at exactly the
    wrong label (the random initialization's first cost), else the engine's cost (a float)."""
    return course_cost(a3, Y)


backward_propagation = backward_scaled_first  # the helpers' order: 1/m first (see _sequel)


def model(X, Y, learning_rate=0.01, num_iterations=15000, print_cost=True, initialization="he"):
    """Train the three-layer network ``[n_x, 10, 5, 1]`` with batch gradient descent.

    Parameters
    ----------
    X : ndarray of shape (2, m)
    Y : ndarray of shape (1, m), 0/1
    learning_rate : float
    num_iterations : int
    print_cost : bool
        Print ``Cost after iteration i: c`` every 1000 iterations.
    initialization : {"zeros", "random", "he"}

    Returns
    -------
    parameters : dict
        The learnt ``W1, b1, W2, b2, W3, b3``.

    Raises
    ------
    ValueError
        An unknown ``initialization`` or another bad argument, named; or a diverging step.
    """
    if not isinstance(initialization, str) or initialization not in INITIALIZATIONS:
        raise ValueError(f"initialization must be one of {list(INITIALIZATIONS)}; got {initialization!r}")
    X = as_float_array(X, "X")
    Y = labels_row(Y, X.shape[1])
    num_iterations = iteration_count(num_iterations)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    parameters = INITIALIZATIONS[initialization]([X.shape[0], *HIDDEN_UNITS])
    log = CostLog(1000, "Cost after iteration {i}: {cost}", print_cost)
    # Checked once here; the steps are the graded functions' engine calls without their checks.
    X, Y, activations = checked_run(X, Y, parameters)
    state = run_state(parameters)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations):
            a3, workspace = run_forward(X, state, activations)
            if print_cost and i % 1000 == 0:  # the course computes it every time, to print one in 1000
                log(i, compute_loss(a3, Y))
            run_scaled_first(X, Y, run_outputs(a3, workspace), workspace.weights[1:], state.grads.views)
            run_update(state, learning_rate, "iteration", i)
    return state.parameters_copy()
