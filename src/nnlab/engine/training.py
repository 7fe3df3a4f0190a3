"""The general method as a loop: forward, cost, backward, update — full-batch gradient descent."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .activations import get_activation
from .losses import canonical_loss, check_labels, get_loss, l2_penalty
from .network import backward_unchecked, check_inputs, forward_unchecked
from .optimizers import update_parameters
from .validation import check_positive_int, check_positive_number

__all__ = ["gradient_descent"]


def gradient_descent(
    X,
    Y,
    parameters: dict,
    num_iterations: int,
    learning_rate: float,
    hidden: str = "relu",
    output: str = "sigmoid",
    loss=None,
    lambd: float = 0.0,
    callback: Callable[[int, float], None] | None = None,
):
    """Train by batch gradient descent, starting from ``parameters`` (left unchanged).

    Each iteration runs forward propagation, the cost, backward propagation and the update, and
    then calls ``callback(i, cost)`` with the cost of the parameters *before* the update.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
    parameters : dict of initial ``"W{l}"``, ``"b{l}"``
    num_iterations : int
    learning_rate : float
    hidden, output, loss, lambd : as in :func:`model_backward`
    callback : callable, optional

    Returns
    -------
    parameters : dict
        After ``num_iterations`` updates.
    grads : dict
        The gradients of the last iteration.
    """
    # Validate once; the loop then runs the unchecked kernels.
    X, L = check_inputs(X, parameters)
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    lambd = check_positive_number(lambd, "lambd", allow_zero=True)
    get_activation(hidden), get_activation(output)
    loss = canonical_loss(output) if loss is None else get_loss(loss)
    m = X.shape[1]
    Y = check_labels(Y, loss, (np.shape(parameters[f"W{L}"])[0], m), X.dtype)
    grads = {}
    for i in range(num_iterations):
        AL, caches = forward_unchecked(X, parameters, L, hidden, output)
        cost = loss.cost(AL, Y) + l2_penalty(parameters, lambd, m)
        grads = backward_unchecked(AL, Y, caches, hidden, output, loss, lambd)
        if callback is not None:
            callback(i, cost)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, grads
