"""Course 2, week 1: Regularization — L2 and dropout on the "French football" points.

The three-layer network ``[n_x, 20, 3, 1]`` trained for 30,000 steps: without regularization it
overfits (0.948 train, 0.915 test); L2 with ``lambd=0.7`` (0.938 / 0.93) and inverted dropout
with ``keep_prob=0.86`` (0.929 / 0.95) trade training accuracy for test accuracy.

Every formula is the engine's: the L2 term is :func:`nnlab.engine.l2_penalty`, its gradient and
the dropout masks' gradient are :func:`nnlab.engine.model_backward`'s, and the dropped forward
pass is :func:`nnlab.engine.model_forward` with ``keep_prob``. reg_utils divides each dW and db
by m, as the engine does, so the engine's backward pass reproduces the course's runs.

Where this follows the course rather than the engine: ``forward_propagation_with_dropout``
draws its masks from a fresh ``RandomState(1)`` on every call (the course re-seeds NumPy with
``np.random.seed(1)`` each time), so the same units are dropped at every iteration of the
course's model. The engine's training loop draws fresh masks every step, which is what
dropout means; this façade keeps the course's fixed masks because its published numbers
depend on them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..engine import (
    as_random_state,
    gradient_descent,
    initialize_parameters as engine_initialize,
    l2_penalty,
    model_forward,
)
from ..engine.validation import as_float_array, check_positive_number, check_real
from ..errors import DataError
from ._common import CostLog, iteration_count
from ._sequel import (  # the helpers the sequel shares
    HIDDEN, OUTPUT, backward_per_dw, checked_run, course_cost, forward_propagation, labels_row, predict, predict_dec,
    relu, run_backward, run_forward, run_state, run_update, sigmoid, update_parameters,
)

__all__ = [
    "backward_propagation", "backward_propagation_with_dropout", "backward_propagation_with_regularization",
    "compute_cost", "compute_cost_with_regularization", "forward_propagation",
    "forward_propagation_with_dropout", "initialize_parameters", "load_2D_dataset", "model", "predict",
    "predict_dec", "relu", "sigmoid", "update_parameters",
]

HIDDEN_UNITS = (20, 3, 1)  # the model's layers after the input
DROPOUT_SEED = 1  # the course's np.random.seed(1) at the top of forward_propagation_with_dropout


def load_2D_dataset(data_dir="datasets"):
    """Read the course's football points from ``data_dir/data.mat`` (MATLAB v5).

    Needs SciPy (``pip install 'nnlab[course2]'``). The course's version also plots them.

    Returns
    -------
    train_X : ndarray of shape (2, 211)
    train_Y : ndarray of shape (1, 211), uint8 0/1
    test_X : ndarray of shape (2, 200)
    test_Y : ndarray of shape (1, 200), uint8 0/1
    """
    try:
        import scipy.io
    except ImportError:
        raise ImportError(
            "load_2D_dataset reads a MATLAB file with SciPy, which is not installed; "
            "install the extra: pip install 'nnlab[course2]'"
        ) from None
    path = Path(data_dir) / "data.mat"
    if not path.is_file():
        raise FileNotFoundError(f"load_2D_dataset: no data.mat in {str(data_dir)!r} (looked for {path})")
    contents = scipy.io.loadmat(path)
    missing = [key for key in ("X", "y", "Xval", "yval") if key not in contents]
    if missing:
        raise DataError(f"{path}: expected the arrays X, y, Xval, yval; missing {missing}")
    return contents["X"].T, contents["y"].T, contents["Xval"].T, contents["yval"].T


def initialize_parameters(layer_dims):
    """reg_utils' initialization: ``randn(n[l], n[l-1]) / sqrt(n[l-1])`` from seed 3, zero biases."""
    return engine_initialize(layer_dims, method="scaled", seed=3)


def compute_cost(a3, Y):
    """reg_utils' cross-entropy (``inf`` only for an output saturated at exactly the wrong label)."""
    return course_cost(a3, Y)


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    """Cross-entropy plus the L2 term ``lambd / (2 m) * sum_l ||W{l}||_F^2``.

    Returns
    -------
    cost : float
    """
    A3 = as_float_array(A3, "A3")
    return compute_cost(A3, Y) + l2_penalty(parameters, lambd, A3.shape[1])


def backward_propagation(X, Y, cache):
    """Gradients of the cross-entropy (``dZ3 = A3 - Y``, each dW and db divided by m).

    Returns
    -------
    gradients : dict
        ``dZ{l}``, ``dW{l}``, ``db{l}`` for l = 3, 2, 1 and ``dA2``, ``dA1``.
    """
    return backward_per_dw(X, Y, cache)


def backward_propagation_with_regularization(X, Y, cache, lambd):
    """Gradients with the L2 term: each ``dW{l}`` gets ``+ lambd / m * W{l}``.

    Returns
    -------
    gradients : dict
        As :func:`backward_propagation`.
    """
    return backward_per_dw(X, Y, cache, lambd=lambd)


def forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    """Forward pass with inverted dropout on both hidden layers.

    The masks ``D[l] = rand(n[l], m) < keep_prob`` come from a fresh ``RandomState(1)`` on every
    call: the course's ``np.random.seed(1)``, so each call drops the same units.

    Returns
    -------
    A3 : ndarray of shape (1, m)
    cache : tuple ``(Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)``
        ``D{l}``: int 0/1 masks of shape (n[l], m); ``A{l}``: the dropped, rescaled activations.
    """
    keep_prob = check_real(keep_prob, "keep_prob", low=0.0, low_open=True, high=1.0)
    rng = as_random_state(DROPOUT_SEED) if keep_prob < 1 else None
    A3, caches = model_forward(X, parameters, HIDDEN, OUTPUT, keep_prob, rng)
    if keep_prob < 1:
        masks = [mask.astype(int) for mask in caches.masks]
    else:  # rand < 1 always holds: the course's masks keep everything
        masks = [np.ones(np.shape(Z), dtype=int) for _, Z in caches[:-1]]
    outputs = [cache.linear_cache.A_prev for cache in caches[1:]] + [A3]
    flat = []
    for l, ((linear, Z), A) in enumerate(zip(caches, outputs)):
        flat += [Z, masks[l], A, linear.W, linear.b] if l < len(masks) else [Z, A, linear.W, linear.b]
    return A3, tuple(flat)


def backward_propagation_with_dropout(X, Y, cache, keep_prob):
    """Gradients through the dropped network: ``dA{l} * D{l} / keep_prob`` on each hidden layer.

    Returns
    -------
    gradients : dict
        As :func:`backward_propagation`; ``dA{l}`` is after the mask, as in the course.
    """
    keep_prob = check_real(keep_prob, "keep_prob", low=0.0, low_open=True, high=1.0)
    if not isinstance(cache, (tuple, list)) or len(cache) < 5 or (len(cache) - 4) % 5:
        raise ValueError(
            "cache must be the tuple (Z1, D1, A1, W1, b1, ..., ZL, AL, WL, bL) that "
            "forward_propagation_with_dropout returns"
        )
    hidden = [cache[i : i + 5] for i in range(0, len(cache) - 4, 5)]
    masks = [np.asarray(D).astype(bool) for _, D, _, _, _ in hidden]
    plain = tuple(x for Z, _, A, W, b in hidden for x in (Z, A, W, b)) + tuple(cache[-4:])
    return backward_per_dw(X, Y, plain, masks, keep_prob)


def model(X, Y, learning_rate=0.3, num_iterations=30000, print_cost=True, lambd=0, keep_prob=1):
    """Train ``[n_x, 20, 3, 1]`` with batch gradient descent, L2 (``lambd``) or dropout (``keep_prob``).

    Prints ``Cost after iteration i: c`` every 10,000 iterations when ``print_cost``. As in the
    course, L2 and dropout are not combined.

    Returns
    -------
    parameters : dict
        The learnt ``W1, b1, W2, b2, W3, b3`` of the three layers.

    Raises
    ------
    ValueError
        A bad argument, named (all are checked before the first iteration); or a diverging step.
    """
    X = as_float_array(X, "X")
    Y = labels_row(Y, X.shape[1])
    num_iterations = iteration_count(num_iterations)
    keep_prob = check_real(keep_prob, "keep_prob", low=0.0, low_open=True, high=1.0)
    lambd = check_real(lambd, "lambd", low=0.0)
    if lambd != 0 and keep_prob < 1:
        raise ValueError(f"use L2 (lambd) or dropout (keep_prob), not both; got lambd={lambd}, keep_prob={keep_prob}")
    parameters = initialize_parameters([X.shape[0], *HIDDEN_UNITS])
    log = CostLog(10000, "Cost after iteration {i}: {cost}", print_cost)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    X, Y, activations = checked_run(X, Y, parameters)  # once, for every path
    if num_iterations == 0:
        return parameters
    if keep_prob == 1:
        # Deterministic steps: the engine's own loop (the same numbers as the step-by-step
        # functions above, in a fraction of the time). Its cost is cross-entropy + L2 term.
        parameters, _ = gradient_descent(
            X, Y, parameters, num_iterations, learning_rate, HIDDEN, OUTPUT, lambd=lambd, callback=log
        )
        return parameters
    # The course's loop with the same masks at every step: the graded functions' engine calls,
    # without their conversions to and from the course's flat caches or their checks.
    rng = as_random_state(DROPOUT_SEED)
    state = run_state(parameters)
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(num_iterations):
            rng.seed(DROPOUT_SEED)  # the course's np.random.seed(1): a fresh RandomState(1)'s stream, cheaply
            a3, workspace = run_forward(X, state, activations, keep_prob, rng)
            if print_cost and i % 10000 == 0:
                log(i, compute_cost(a3, Y))
            run_backward(a3, Y, workspace, activations)
            run_update(state, learning_rate, "iteration", i)
    return state.parameters_copy()
