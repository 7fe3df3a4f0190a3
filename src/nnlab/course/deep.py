"""Week 4: building a deep neural network step by step (ReLU hidden layers, sigmoid output).

Caches are the engine's named tuples ``((A_prev, W, b), Z)``; plain tuples of the same shape
are accepted everywhere.
"""

from __future__ import annotations

import numpy as np

from ..engine import activations, blocks, initializers, losses, network, optimizers
from ._common import COURSE_CROSS_ENTROPY, as_row

__all__ = [
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "update_parameters",
]

HIDDEN, OUTPUT = "relu", "sigmoid"

linear_forward = blocks.linear_forward
linear_backward = blocks.linear_backward
linear_activation_forward = blocks.linear_activation_forward
linear_activation_backward = blocks.linear_activation_backward


def sigmoid(Z):
    """``A = sigmoid(Z)`` and the activation cache ``Z`` (the course's dnn_utils convention)."""
    return activations.sigmoid(Z), Z


def relu(Z):
    """``A = max(0, Z)`` and the activation cache ``Z``."""
    return activations.relu(Z), Z


def sigmoid_backward(dA, cache):
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(cache)``."""
    return activations.sigmoid_backward(dA, cache)


def relu_backward(dA, cache):
    """``dZ = dA`` where the cached ``Z > 0``, else 0."""
    return activations.relu_backward(dA, cache)


def initialize_parameters(n_x, n_h, n_y):
    """Two-layer parameters from seed 1: weights x 0.01, zero biases."""
    return initializers.initialize_parameters([n_x, n_h, n_y], method="random", seed=1)


def initialize_parameters_deep(layer_dims):
    """L-layer parameters from seed 3: weights x 0.01, zero biases.

    Returns
    -------
    parameters : dict
        ``W{l}`` of shape (layer_dims[l], layer_dims[l-1]), ``b{l}`` of shape (layer_dims[l], 1).
    """
    return initializers.initialize_parameters(layer_dims, method="random", seed=3)


def L_model_forward(X, parameters):
    """[LINEAR -> RELU] * (L-1) -> LINEAR -> SIGMOID.

    Returns
    -------
    AL : ndarray of shape (1, m)
    caches : list of L caches ``((A_prev, W, b), Z)``
    """
    return network.model_forward(X, parameters, HIDDEN, OUTPUT)


def compute_cost(AL, Y):
    """Binary cross-entropy as a 0-d ndarray (the course's ``np.squeeze(cost)``).

    ``AL`` may be (1, m) or, as the course's broadcasting allows, 1-D of length m; like the
    course's arithmetic, any finite ``Y`` is accepted (its own tests train on real-valued Y).
    """
    return np.array(losses.compute_cost(as_row(AL, Y), Y, COURSE_CROSS_ENTROPY))


def L_model_backward(AL, Y, caches):
    """Backward pass as the course writes it: ``dAL = -(Y/AL - (1-Y)/(1-AL))``, then each layer's
    ``g'`` from its cached Z (the course's own test passes an AL and caches that are unrelated
    random arrays, so neither the fused start nor derivatives from A would reproduce it).

    Returns
    -------
    grads : dict
        ``dA{l-1}``, ``dW{l}``, ``db{l}`` for l = L .. 1.
    """
    AL = np.asarray(AL)
    Y = np.asarray(Y)
    if Y.size == AL.size:
        Y = Y.reshape(AL.shape)  # the course's `Y = Y.reshape(AL.shape)`
    return network.model_backward(
        AL, Y, caches, HIDDEN, OUTPUT, loss=COURSE_CROSS_ENTROPY, fused=False, derivative_from="Z"
    )


def update_parameters(params, grads, learning_rate):
    """One gradient-descent step; returns new parameters (``params`` is not modified)."""
    return optimizers.update_parameters(params, grads, learning_rate)
