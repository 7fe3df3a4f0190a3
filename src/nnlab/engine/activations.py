"""Activation functions g and their derivatives, as a registry of forward/backward pairs.

Each pair works on whole layers at once: ``forward(Z) -> A`` and ``backward(dA, Z) -> dZ`` with
``dZ = dA * g'(Z)`` (softmax: the Jacobian-vector product). The backward pass receives ``Z``, the
course's activation cache, and recomputes what it needs from it.

Stability: inputs as large as +-1e4 give finite results without overflow or underflow, because
``exp`` only ever sees arguments inside ``[-limit, limit]`` where both ``exp(limit)`` and
``exp(-limit)`` are normal numbers of the array's dtype. Inside that range the formulas are the
course's own, bit for bit.

Adding an activation = one pair of functions + one entry in ``ACTIVATIONS``; the parametrized
tests pick it up.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "leaky_relu",
    "leaky_relu_backward",
    "linear",
    "linear_backward_activation",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
]

LEAKY_SLOPE = 0.01


def _exp_limit(dtype) -> float:
    """Largest |x| such that exp(x) and exp(-x) are both finite, normal numbers of ``dtype``.

    float64: 699, float32: 77. Ten units of headroom below log(max) keep products such as
    ``s * (1 - s) * dA`` away from the subnormal range too.
    """
    return float(np.floor(np.log(np.finfo(dtype).max)) - 10.0)


def _floating(Z) -> np.ndarray:
    Z = np.asarray(Z)
    return Z if np.issubdtype(Z.dtype, np.floating) else Z.astype(np.float64)


def sigmoid(Z):
    """Logistic sigmoid ``1 / (1 + exp(-Z))``, shape preserved."""
    Z = _floating(Z)
    limit = _exp_limit(Z.dtype)
    return 1 / (1 + np.exp(-np.clip(Z, -limit, limit)))


def sigmoid_backward(dA, Z):
    """``dZ = dA * s * (1 - s)`` with ``s = sigmoid(Z)``."""
    s = sigmoid(Z)
    return dA * s * (1 - s)


def tanh(Z):
    """Hyperbolic tangent."""
    return np.tanh(_floating(Z))


def tanh_backward(dA, Z):
    """``dZ = dA * (1 - tanh(Z)**2)``."""
    t = np.tanh(Z)
    return dA * (1 - t * t)


def relu(Z):
    """Rectified linear unit ``max(0, Z)``."""
    return np.maximum(0, _floating(Z))


def relu_backward(dA, Z):
    """``dZ = dA`` where ``Z > 0``, else 0 (the course's convention at the kink Z = 0)."""
    return np.where(Z > 0, dA, 0)


def leaky_relu(Z):
    """Leaky ReLU: ``Z`` where positive, ``0.01 * Z`` elsewhere."""
    Z = _floating(Z)
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_backward(dA, Z):
    """``dZ = dA`` where ``Z > 0``, else ``0.01 * dA``."""
    return np.where(Z > 0, dA, LEAKY_SLOPE * dA)


def linear(Z):
    """Identity, for regression outputs."""
    return _floating(Z)


def linear_backward_activation(dA, Z):
    """Identity derivative: ``dZ = dA``."""
    return dA


def softmax(Z):
    """Column-wise softmax: each column of the (C, m) result sums to 1."""
    Z = _floating(Z)
    shifted = Z - Z.max(axis=0, keepdims=True)  # <= 0, so exp cannot overflow
    e = np.exp(np.maximum(shifted, -_exp_limit(Z.dtype)))  # nor underflow
    return e / e.sum(axis=0, keepdims=True)


def softmax_backward(dA, Z):
    """Jacobian-vector product of softmax: ``dZ = A * (dA - sum(dA * A, axis=0))``."""
    A = softmax(Z)
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


class Activation(NamedTuple):
    """A registered activation: its name and its forward/backward pair."""

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    backward: Callable[[np.ndarray, np.ndarray], np.ndarray]


ACTIVATIONS: dict[str, Activation] = {
    activation.name: activation
    for activation in (
        Activation("sigmoid", sigmoid, sigmoid_backward),
        Activation("tanh", tanh, tanh_backward),
        Activation("relu", relu, relu_backward),
        Activation("leaky_relu", leaky_relu, leaky_relu_backward),
        Activation("linear", linear, linear_backward_activation),
        Activation("softmax", softmax, softmax_backward),
    )
}


def get_activation(name) -> Activation:
    """Look up an activation by name.

    Raises
    ------
    ValueError
        Quoting the unknown name and the allowed names.
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)}; got {name!r}"
        ) from None
