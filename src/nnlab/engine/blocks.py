"""The building blocks of forward and backward propagation, one layer at a time.

Forward steps return ``(output, cache)``; backward steps take ``(upstream gradient, cache)``. The
caches are named tuples that unpack exactly like the course's tuples::

    linear_cache = (A_prev, W, b)
    cache = (linear_cache, Z)

so caches built by hand as plain tuples work everywhere a cache is accepted. These are the only
lines of the project that compute ``Z = W A_prev + b`` and its gradients.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .activations import get_activation
from .validation import as_float_array

__all__ = [
    "LayerCache",
    "affine",
    "linear_gradients",
    "LinearCache",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
]


class LinearCache(NamedTuple):
    """What ``linear_backward`` needs: the layer's input and parameters."""

    A_prev: np.ndarray  # (n[l-1], m)
    W: np.ndarray  # (n[l], n[l-1])
    b: np.ndarray  # (n[l], 1)


class LayerCache(NamedTuple):
    """A layer's cache: ``(linear_cache, activation_cache)`` where the activation cache is Z."""

    linear_cache: LinearCache
    activation_cache: np.ndarray  # Z, (n[l], m)


def _check_linear(A_prev, W, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    A_prev = as_float_array(A_prev, "A_prev")
    W = as_float_array(W, "W")
    b = as_float_array(b, "b")
    n, n_prev = W.shape
    if A_prev.shape[0] != n_prev:
        raise ValueError(
            f"A_prev must have shape (n[l-1], m) = ({n_prev}, m) to match W of shape {W.shape}; "
            f"got {A_prev.shape}"
        )
    if b.shape != (n, 1):
        raise ValueError(f"b must have shape (n[l], 1) = ({n}, 1) to match W of shape {W.shape}; got {b.shape}")
    return A_prev, W, b


def affine(A_prev, W, b, out=None):
    """``Z = W A_prev + b`` for checked inputs; ``out``: a (n[l], m) buffer to write Z into,
    C-contiguous and of the result's dtype (``np.dot``'s rule)."""
    Z = np.dot(W, A_prev, out=out)  # (n[l], n[l-1]) @ (n[l-1], m) -> (n[l], m)
    return np.add(Z, b, out=Z)  # + (n[l], 1) broadcast over the m columns


def linear_gradients(dZ, A_prev, W, m, dW=None, db=None, dA_prev=None, need_dA_prev=True):
    """``dW = dZ A_prev.T / m``, ``db = sum(dZ, axis=1) / m``, ``dA_prev = W.T dZ`` (no checks).

    ``dW``, ``db``, ``dA_prev``: optional buffers to write into (dW and dA_prev C-contiguous and
    of the result's dtype, ``np.dot``'s rule for its ``out``). ``m=None`` leaves dW and db
    unscaled (m times larger) for a caller that divides all its gradients at once.
    """
    dW = np.dot(dZ, A_prev.T, out=dW)  # (n[l], m) @ (m, n[l-1]) -> (n[l], n[l-1])
    db = np.add.reduce(dZ, axis=1, keepdims=True, out=db)  # (n[l], 1): np.sum without its wrapper's cost
    if m is not None:
        np.divide(dW, m, out=dW)
        np.divide(db, m, out=db)
    dA_prev = np.dot(W.T, dZ, out=dA_prev) if need_dA_prev else None  # (n[l-1], n[l]) @ (n[l], m) -> (n[l-1], m)
    return dA_prev, dW, db


def linear_forward(A_prev, W, b):
    """Linear part of a layer: ``Z = W A_prev + b``.

    Parameters
    ----------
    A_prev : ndarray of shape (n[l-1], m)
    W : ndarray of shape (n[l], n[l-1])
    b : ndarray of shape (n[l], 1)

    Returns
    -------
    Z : ndarray of shape (n[l], m)
    cache : LinearCache ``(A_prev, W, b)``
    """
    A_prev, W, b = _check_linear(A_prev, W, b)
    return affine(A_prev, W, b), LinearCache(A_prev, W, b)


def linear_backward(dZ, cache, need_dA_prev=True):
    """Gradients of the linear part, given ``dZ`` (m times dJ/dZ, the course's scaling).

    ``dW = dZ A_prev.T / m``, ``db = sum(dZ, axis=1) / m``, ``dA_prev = W.T dZ``.

    Parameters
    ----------
    dZ : ndarray of shape (n[l], m)
    cache : ``(A_prev, W, b)``, a LinearCache or a plain tuple
    need_dA_prev : bool
        False skips ``W.T dZ`` (returning None): the first layer's dA[0], the gradient w.r.t.
        X, is a third of that layer's backward products and no update uses it.

    Returns
    -------
    dA_prev : ndarray of shape (n[l-1], m), or None
    dW : ndarray of shape (n[l], n[l-1])
    db : ndarray of shape (n[l], 1)
    """
    A_prev, W, b = cache
    dZ = as_float_array(dZ, "dZ")
    if dZ.shape != (W.shape[0], A_prev.shape[1]):
        raise ValueError(
            f"dZ must have shape (n[l], m) = ({W.shape[0]}, {A_prev.shape[1]}) to match the cache; "
            f"got {dZ.shape}"
        )
    return linear_gradients(dZ, A_prev, W, A_prev.shape[1], need_dA_prev=need_dA_prev)


def linear_activation_forward(A_prev, W, b, activation):
    """One layer: ``A = g(W A_prev + b)``.

    Parameters
    ----------
    A_prev : ndarray of shape (n[l-1], m)
    W : ndarray of shape (n[l], n[l-1])
    b : ndarray of shape (n[l], 1)
    activation : str
        A name registered in ``ACTIVATIONS`` ("sigmoid", "tanh", "relu", ...).

    Returns
    -------
    A : ndarray of shape (n[l], m)
    cache : LayerCache ``((A_prev, W, b), Z)``
    """
    g = get_activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    return g.forward(Z), LayerCache(linear_cache, Z)


def linear_activation_backward(dA, cache, activation):
    """Backward step of one layer: ``dZ = dA * g'(Z)``, then :func:`linear_backward`.

    Parameters
    ----------
    dA : ndarray of shape (n[l], m)
    cache : ``((A_prev, W, b), Z)``, a LayerCache or a plain tuple
    activation : str

    Returns
    -------
    dA_prev, dW, db : as :func:`linear_backward`
    """
    g = get_activation(activation)
    linear_cache, Z = cache
    dA = as_float_array(dA, "dA")
    if dA.shape != np.shape(Z):
        raise ValueError(f"dA must have the shape of Z, {np.shape(Z)}; got {dA.shape}")
    return linear_backward(g.backward(dA, Z), linear_cache)
