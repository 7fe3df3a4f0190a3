"""Activation functions g and their derivatives, as a registry of forward/backward pairs.

Each entry works on whole layers at once: ``forward(Z) -> A`` and ``derivative(dA, A) -> dZ``
with ``dZ = dA * g'(Z)`` written through the output A (softmax: the Jacobian-vector product);
``backward(dA, Z)`` gives the same from the cached Z.

Stability: inputs as large as +-1e4 give finite results without overflow or underflow, because
``exp`` only ever sees arguments inside ``[-limit, limit]`` where both ``exp(limit)`` and
``exp(-limit)`` are normal numbers of the array's dtype. Inside that range the formulas are the
course's own, bit for bit.

Adding an activation = a forward and a derivative function + one entry in ``ACTIVATIONS``; the parametrized
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
    """A bound L such that exp(x) for |x| <= L is a finite, normal number of ``dtype``.

    90 % of the smaller of log(max) and -log(smallest normal): float64 637, float32 78,
    float16 8. The 10 % headroom keeps products such as ``s * (1 - s) * dA`` out of the
    subnormal range too.
    """
    info = np.finfo(dtype)
    return float(np.floor(0.9 * min(np.log(info.max), -np.log(info.tiny))))


def _floating(Z) -> np.ndarray:
    Z = np.asarray(Z)
    return Z if np.issubdtype(Z.dtype, np.floating) else Z.astype(np.float64)


def sigmoid(Z):
    """Logistic sigmoid ``1 / (1 + exp(-Z))``, shape preserved."""
    Z = _floating(Z)
    limit = _exp_limit(Z.dtype)
    return 1 / (1 + np.exp(-np.clip(Z, -limit, limit)))


def sigmoid_derivative(dA, A):
    """``dZ = dA * A * (1 - A)`` from the output ``A = sigmoid(Z)``."""
    return dA * A * (1 - A)


def tanh(Z):
    """Hyperbolic tangent."""
    return np.tanh(_floating(Z))


def tanh_derivative(dA, A):
    """``dZ = dA * (1 - A**2)`` from the output ``A = tanh(Z)``."""
    return dA * (1 - A * A)


def relu(Z):
    """Rectified linear unit ``max(0, Z)``."""
    return np.maximum(0, _floating(Z))


def relu_derivative(dA, A):
    """``dZ = dA`` where ``A > 0`` (i.e. ``Z > 0``), else 0: the course's choice at the kink."""
    return np.where(A > 0, dA, 0)


def leaky_relu(Z):
    """Leaky ReLU: ``Z`` where positive, ``0.01 * Z`` elsewhere."""
    Z = _floating(Z)
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


def leaky_relu_derivative(dA, A):
    """``dZ = dA`` where ``A > 0`` (i.e. ``Z > 0``), else ``0.01 * dA``."""
    return np.where(A > 0, dA, LEAKY_SLOPE * dA)


def linear(Z):
    """Identity, for regression outputs."""
    return _floating(Z)


def linear_derivative(dA, A):
    """Identity derivative: ``dZ = dA``."""
    return dA


def softmax(Z):
    """Column-wise softmax: each column of the (C, m) result sums to 1."""
    Z = _floating(Z)
    shifted = Z - Z.max(axis=0, keepdims=True)  # <= 0, so exp cannot overflow
    e = np.exp(np.maximum(shifted, -_exp_limit(Z.dtype)))  # nor underflow
    return e / e.sum(axis=0, keepdims=True)


def softmax_derivative(dA, A):
    """Jacobian-vector product of softmax: ``dZ = A * (dA - sum(dA * A, axis=0))``."""
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


class Activation(NamedTuple):
    """A registered activation g.

    Every g here has a derivative expressible through its output, so one function serves both
    ways a backward pass may be asked for:

    - ``derivative(dA, A)``: ``dZ`` from the layer's output A (no recomputation; what the
      course's week 3 does with ``1 - A1**2``);
    - :meth:`backward` ``(dA, Z)``: ``dZ`` from the cached pre-activation Z (week 4's
      ``relu_backward(dA, Z)``), recomputing ``A = g(Z)``.
    """

    name: str
    forward: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray, np.ndarray], np.ndarray]

    def backward(self, dA, Z):
        """``dZ = dA * g'(Z)`` from the pre-activation ``Z``."""
        return self.derivative(dA, self.forward(Z))


ACTIVATIONS: dict[str, Activation] = {
    activation.name: activation
    for activation in (
        Activation("sigmoid", sigmoid, sigmoid_derivative),
        Activation("tanh", tanh, tanh_derivative),
        Activation("relu", relu, relu_derivative),
        Activation("leaky_relu", leaky_relu, leaky_relu_derivative),
        Activation("linear", linear, linear_derivative),
        Activation("softmax", softmax, softmax_derivative),
    )
}

sigmoid_backward = ACTIVATIONS["sigmoid"].backward
tanh_backward = ACTIVATIONS["tanh"].backward
relu_backward = ACTIVATIONS["relu"].backward
leaky_relu_backward = ACTIVATIONS["leaky_relu"].backward
linear_backward_activation = ACTIVATIONS["linear"].backward
softmax_backward = ACTIVATIONS["softmax"].backward


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
