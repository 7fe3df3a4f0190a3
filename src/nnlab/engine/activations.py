"""Activation functions g and their derivatives, as a registry of forward/backward pairs.

Each entry works on whole layers at once: ``forward(Z, out=None) -> A`` and
``derivative(dA, A, out=None) -> dZ``
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

import functools
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


@functools.lru_cache(maxsize=None)
def _exp_limit(dtype) -> float:
    """A bound L such that exp(x) for |x| <= L is a finite, normal number of ``dtype``.

    90 % of the smaller of log(max) and -log(smallest normal): float64 637, float32 78,
    float16 8. The 10 % headroom keeps products such as ``s * (1 - s) * dA`` out of the
    subnormal range too. Cached: the training loop asks for it on every forward pass.
    """
    info = np.finfo(dtype)
    return float(np.floor(0.9 * min(np.log(info.max), -np.log(info.tiny))))


def _floating(Z) -> np.ndarray:
    if type(Z) is np.ndarray and Z.dtype.kind == "f":  # the training loop's case, without np.issubdtype's cost
        return Z
    Z = np.asarray(Z)
    return Z if np.issubdtype(Z.dtype, np.floating) else Z.astype(np.float64)


def _buffer(out, *arrays) -> np.ndarray:
    """``out``, or a new array of the inputs' broadcast shape and common dtype (0-d included)."""
    if out is not None:
        return out
    return np.empty(np.broadcast(*arrays).shape, np.result_type(*arrays))


def _result(out: np.ndarray):
    """A 0-d result as a NumPy scalar, as plain expressions give it."""
    return out[()] if out.ndim == 0 else out


# Every function below takes an optional ``out``: None returns a new array (the caller's input
# is never modified); an array of the result's shape receives the result (the training loop's
# preallocated buffers). Each formula is written once, as a chain of ufunc calls evaluated in the
# same order as the textbook expression in its docstring, so both forms are bit-identical.
# A forward's ``out`` may be ``Z`` itself (in place); a derivative's ``out`` must share memory
# with neither ``dA`` nor ``A``. The hot ones (sigmoid, tanh, relu and their derivatives) spell
# out ``_buffer`` and ``_result`` inline: two Python calls per layer per step are measurable in
# the flower's 10,000 steps of a 2-4-1 network.


def sigmoid(Z, out=None):
    """Logistic sigmoid ``1 / (1 + exp(-clip(Z)))``, shape preserved."""
    Z = _floating(Z)
    limit = _exp_limit(Z.dtype)
    # np.maximum then np.minimum is np.clip (NaN kept) at a fraction of np.clip's call overhead
    out = np.maximum(Z, -limit, out=out if out is not None else _buffer(out, Z))
    np.minimum(out, limit, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.add(1, out, out=out)
    np.divide(1, out, out=out)
    return out if out.ndim else out[()]


def sigmoid_derivative(dA, A, out=None):
    """``dZ = dA * A * (1 - A)`` from the output ``A = sigmoid(Z)``."""
    one_minus_A = np.subtract(1, A, out=out if out is not None else _buffer(out, dA, A))
    np.multiply(dA * A, one_minus_A, out=one_minus_A)
    return one_minus_A if one_minus_A.ndim else one_minus_A[()]


def tanh(Z, out=None):
    """Hyperbolic tangent."""
    return np.tanh(_floating(Z), out=out)


def tanh_derivative(dA, A, out=None):
    """``dZ = dA * (1 - A**2)`` from the output ``A = tanh(Z)``."""
    out = np.multiply(A, A, out=out if out is not None else _buffer(out, dA, A))
    np.subtract(1, out, out=out)
    np.multiply(dA, out, out=out)
    return out if out.ndim else out[()]


def relu(Z, out=None):
    """Rectified linear unit ``max(0, Z)``."""
    return np.maximum(0, _floating(Z), out=out)


def _where_positive(A, dA, out):
    """``dA`` where ``A > 0``; elsewhere (NaN A included) what ``out`` already holds."""
    np.copyto(out, dA, where=A > 0)
    return out


def relu_derivative(dA, A, out=None):
    """``dZ = dA`` where ``A > 0`` (i.e. ``Z > 0``), else 0: the course's choice at the kink."""
    # dA * [A > 0] is the same numbers, 10x faster than writing through a mask (a data-dependent
    # branch per entry); + 0.0 turns the -0.0 of a negative dA times 0 into the course's 0.
    out = np.multiply(dA, np.greater(A, 0), out=out if out is not None else _buffer(out, dA, A))
    np.add(out, 0.0, out=out)
    return out if out.ndim else out[()]


def leaky_relu(Z, out=None):
    """Leaky ReLU: ``Z`` where positive, ``0.01 * Z`` elsewhere."""
    Z = _floating(Z)
    out = _buffer(out, Z)
    if out is not Z:
        np.copyto(out, Z)
    # where Z <= 0 (NaN stays NaN either way): 0.01 * Z, written over the copy of Z
    np.multiply(LEAKY_SLOPE, out, out=out, where=Z <= 0)
    return _result(out)


def leaky_relu_derivative(dA, A, out=None):
    """``dZ = dA`` where ``A > 0`` (i.e. ``Z > 0``), else ``0.01 * dA``."""
    return _result(_where_positive(A, dA, np.multiply(LEAKY_SLOPE, dA, out=_buffer(out, dA, A))))


def linear(Z, out=None):
    """Identity, for regression outputs."""
    Z = _floating(Z)
    if out is None or out is Z:
        return Z
    np.copyto(out, Z)
    return out


def linear_derivative(dA, A, out=None):
    """Identity derivative: ``dZ = dA``."""
    if out is None:
        return dA
    np.copyto(out, dA)
    return out


def softmax(Z, out=None):
    """Column-wise softmax ``e / sum(e, axis=0)``, ``e = exp(max(Z - max(Z, axis=0), -limit))``.

    Each column of the (C, m) result sums to 1; the shift makes every exponent <= 0 (no
    overflow) and the floor at ``-limit`` keeps it from underflowing.
    """
    Z = _floating(Z)
    column = Z.max(axis=0, keepdims=True)  # (1, m)
    out = np.subtract(Z, column, out=out)  # <= 0, so exp cannot overflow
    np.maximum(out, -_exp_limit(Z.dtype), out=out)  # nor underflow
    np.exp(out, out=out)
    return np.divide(out, np.add.reduce(out, axis=0, keepdims=True, out=column), out=out)  # np.sum's own kernel


def softmax_derivative(dA, A, out=None):
    """Jacobian-vector product of softmax: ``dZ = A * (dA - sum(dA * A, axis=0))``."""
    return np.multiply(A, dA - np.sum(dA * A, axis=0, keepdims=True), out=out)


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

    def with_out(self) -> "Activation":
        """This activation with functions that take ``out=`` (the network loop passes its buffers).

        Every registered function already does (returned as it is); for one written without
        ``out`` the result is computed, then copied into ``out``.
        """
        if self.forward in _TAKES_OUT and self.derivative in _TAKES_OUT:
            return self
        forward, derivative = self.forward, self.derivative

        def forward_out(Z, out=None):
            return _into(forward(Z), out)

        def derivative_out(dA, A, out=None):
            return _into(derivative(dA, A), out)

        return Activation(self.name, forward_out, derivative_out)


def _into(result, out):
    if out is None:
        return result
    np.copyto(out, result)
    return out


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

_TAKES_OUT = frozenset(f for a in ACTIVATIONS.values() for f in (a.forward, a.derivative))

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
