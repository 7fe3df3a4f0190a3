"""L-layer forward and backward propagation, built from the per-layer blocks.

Architecture: ``L - 1`` hidden layers sharing one activation, then an output layer whose
activation is sigmoid (binary), softmax (multiclass) or linear (regression). The loop over
examples is vectorized away (each layer handles all m columns at once); the loop over layers
cannot be, since layer l needs A[l-1].
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .blocks import linear_activation_forward, linear_backward
from .losses import canonical_loss, check_cost_inputs, get_loss
from .validation import as_float_array, check_finite, check_positive_number, describe

__all__ = ["model_backward", "model_forward", "n_layers", "predict"]


def n_layers(parameters) -> int:
    """Number of layers L of a parameter dict ``{"W1", "b1", ..., "WL", "bL"}``, validated.

    Checks that every ``W{l}``/``b{l}`` is present, 2-D, and that consecutive shapes chain:
    ``W{l}`` is (n[l], n[l-1]) and ``b{l}`` is (n[l], 1).
    """
    if not isinstance(parameters, dict) or not parameters or len(parameters) % 2:
        raise ValueError(
            "parameters must be a dict {'W1', 'b1', ..., 'WL', 'bL'} with one W and one b per "
            f"layer; got {describe(parameters) if not isinstance(parameters, dict) else sorted(parameters)}"
        )
    L = len(parameters) // 2
    expected = {f"{name}{l}" for l in range(1, L + 1) for name in "Wb"}
    if set(parameters) != expected:
        raise ValueError(f"parameters must have keys {sorted(expected)}; got {sorted(parameters)}")
    for l in range(1, L + 1):
        W, b = np.shape(parameters[f"W{l}"]), np.shape(parameters[f"b{l}"])
        if len(W) != 2:
            raise ValueError(f"W{l} must be 2-D (n[{l}], n[{l - 1}]); got shape {W}")
        if b != (W[0], 1):
            raise ValueError(f"b{l} must have shape (n[{l}], 1) = ({W[0]}, 1); got {b}")
        if l > 1 and W[1] != np.shape(parameters[f"W{l - 1}"])[0]:
            raise ValueError(
                f"W{l} must have shape (n[{l}], n[{l - 1}]) with n[{l - 1}] = "
                f"{np.shape(parameters[f'W{l - 1}'])[0]} (the rows of W{l - 1}); got {W}"
            )
    return L


def check_inputs(X, parameters) -> tuple[np.ndarray, int]:
    """Validate ``X`` against the network: 2-D, finite, ``n[0]`` rows. Returns ``(X, L)``."""
    L = n_layers(parameters)
    X = as_float_array(X, "X")
    n_x = np.shape(parameters["W1"])[1]
    if X.shape[0] != n_x:
        raise ValueError(
            f"X must have shape (n_x, m) = ({n_x}, m) to match W1 of shape "
            f"{np.shape(parameters['W1'])} (one example per column); got {X.shape}"
        )
    check_finite(X, "X")
    return X, L


def model_forward(X, parameters, hidden="relu", output="sigmoid"):
    """Forward propagation through all L layers.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    parameters : dict
        ``"W{l}"`` of shape (n[l], n[l-1]) and ``"b{l}"`` of shape (n[l], 1).
    hidden : str
        Activation of layers 1 .. L-1.
    output : str
        Activation of layer L: "sigmoid", "softmax" or "linear" (any registered name works).

    Returns
    -------
    AL : ndarray of shape (n[L], m)
    caches : list of L LayerCache ``((A_prev, W, b), Z)``
    """
    get_activation(hidden), get_activation(output)
    X, L = check_inputs(X, parameters)
    return forward_unchecked(X, parameters, L, hidden, output)


def forward_unchecked(X, parameters, L, hidden, output):
    """:func:`model_forward` for inputs already validated (the training loop's hot path)."""
    A, caches = X, []
    for l in range(1, L + 1):
        activation = output if l == L else hidden
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], activation)
        caches.append(cache)
    return A, caches


def model_backward(
    AL, Y, caches, hidden="relu", output="sigmoid", loss=None, lambd=0.0, fused=True, derivative_from="A"
):
    """Backward propagation through all L layers.

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
        Output of :func:`model_forward`.
    Y : ndarray of shape (n[L], m)
    caches : list of L caches ``((A_prev, W, b), Z)``
    hidden, output : str
        The activations used in the forward pass.
    loss : str, optional
        Defaults to the output's canonical loss (sigmoid: binary cross-entropy, softmax:
        categorical cross-entropy, linear: mean squared error).
    lambd : float
        L2 regularization strength; adds ``lambd / m * W{l}`` to each ``dW{l}``.
    fused : bool
        With the canonical pairing, start from ``dZ[L] = AL - Y`` (exact, finite). With
        ``fused=False`` (or any other pairing) go through dA[L] and the output activation's
        derivative, as the course's step-by-step ``L_model_backward`` does.
    derivative_from : {"A", "Z"}
        Compute ``g'`` from each layer's output A (the next cache's ``A_prev``, or AL; no
        recomputation, as the course's week 3) or from the cached Z (as week 4's
        ``relu_backward(dA, Z)``). Identical for caches made by :func:`model_forward`.

    Returns
    -------
    grads : dict
        Layer l's step writes ``"dA{l-1}"``, ``"dW{l}"``, ``"db{l}"``; ``"dA0"`` is dJ/dX
        (times m).
    """
    get_activation(hidden)
    loss = canonical_loss(output) if loss is None else get_loss(loss)
    AL, Y = check_cost_inputs(AL, Y, loss)
    if len(caches) < 1:
        raise ValueError("caches must hold one cache per layer; got an empty list")
    if derivative_from not in ("A", "Z"):
        raise ValueError(f"derivative_from must be 'A' or 'Z'; got {derivative_from!r}")
    lambd = check_positive_number(lambd, "lambd", allow_zero=True)
    return backward_unchecked(AL, Y, caches, hidden, output, loss, lambd, fused, derivative_from)


def backward_unchecked(AL, Y, caches, hidden, output, loss, lambd, fused=True, derivative_from="A"):
    """:func:`model_backward` for inputs already validated (``loss`` a :class:`Loss`)."""

    def dZ_of(dA, activation, A, cache):
        g = get_activation(activation)
        return g.derivative(dA, A) if derivative_from == "A" else g.backward(dA, cache[1])

    L = len(caches)
    if fused and loss.canonical_output == output:
        dZ = AL - Y  # (n[L], m)
    else:
        dZ = dZ_of(loss.gradient(AL, Y), output, AL, caches[L - 1])
    grads = {}
    for l in range(L, 0, -1):
        linear_cache = caches[l - 1][0]
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = linear_backward(dZ, linear_cache)
        if l > 1:  # A[l-1] is this layer's A_prev
            dZ = dZ_of(grads[f"dA{l - 1}"], hidden, linear_cache[0], caches[l - 2])
    if lambd:
        m = AL.shape[1]
        for l in range(1, L + 1):
            grads[f"dW{l}"] = grads[f"dW{l}"] + lambd / m * caches[l - 1][0][1]  # + (lambd/m) W
    return grads


def predict(X, parameters, hidden="relu", output="sigmoid"):
    """Class predictions (or regression outputs) of a trained network.

    Returns
    -------
    ndarray of shape (1, m)
        sigmoid: 0/1 as int (``AL > 0.5``); softmax: the argmax class index; otherwise
        (n[L], m) real outputs.
    """
    AL, _ = model_forward(X, parameters, hidden, output)
    if output == "sigmoid":
        return (AL > 0.5).astype(np.int64)
    if output == "softmax":
        return np.argmax(AL, axis=0).reshape(1, -1)
    return AL
