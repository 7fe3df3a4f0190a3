"""Parameter update rules. Each returns new arrays; the caller's dicts are never modified."""

from __future__ import annotations

from .network import n_layers
from .validation import check_positive_number

__all__ = ["update_parameters"]


def update_parameters(parameters: dict, grads: dict, learning_rate: float) -> dict:
    """One step of gradient descent: ``W{l} - alpha dW{l}``, ``b{l} - alpha db{l}``.

    Parameters
    ----------
    parameters : dict of ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1)
    grads : dict holding at least ``"dW{l}"`` and ``"db{l}"`` of the same shapes
    learning_rate : float
        alpha > 0.

    Returns
    -------
    dict
        New parameters.
    """
    L = n_layers(parameters)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    updated = {}
    for l in range(1, L + 1):
        for name in "Wb":
            key, grad_key = f"{name}{l}", f"d{name}{l}"
            if grad_key not in grads:
                raise ValueError(f"grads must hold {grad_key!r} for parameter {key!r}; got keys {sorted(grads)}")
            value, grad = parameters[key], grads[grad_key]
            if getattr(grad, "shape", None) != getattr(value, "shape", None):
                raise ValueError(
                    f"grads[{grad_key!r}] must have the shape of parameters[{key!r}], "
                    f"{getattr(value, 'shape', None)}; got {getattr(grad, 'shape', None)}"
                )
            updated[key] = value - learning_rate * grad
    return updated
