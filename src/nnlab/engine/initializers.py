"""Parameter initialization: ``W{l}`` of shape (n[l], n[l-1]) drawn per layer, ``b{l}`` zeros.

Layers are drawn in order ``W1, W2, ...`` from one random source, so with an int seed the
numbers are exactly those of the course's ``np.random.seed(seed); np.random.randn(...)``, while
NumPy's global random state is never touched.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .seeding import as_random_state
from .validation import check_positive_int, describe

__all__ = [
    "INITIALIZERS",
    "initialize_parameters",
    "validate_layer_dims",
]

# Each initializer maps a standard-normal draw of shape (n[l], n[l-1]) to W{l}. Written as the
# course writes them (``* 0.01``, ``/ np.sqrt(n_prev)``) so the course's numbers reproduce exactly.
def _zeros(draw, n, n_prev):
    return np.zeros((n, n_prev))


def _random(draw, n, n_prev):
    return draw(n, n_prev) * 0.01


def _scaled(draw, n, n_prev):
    return draw(n, n_prev) / np.sqrt(n_prev)


def _he(draw, n, n_prev):
    return draw(n, n_prev) * np.sqrt(2.0 / n_prev)


def _xavier(draw, n, n_prev):
    return draw(n, n_prev) * np.sqrt(2.0 / (n_prev + n))


INITIALIZERS: dict[str, Callable] = {
    "zeros": _zeros,  # breaks nothing for logistic regression, no symmetry in deeper nets
    "random": _random,  # small random, x 0.01 (course weeks 3 and 4)
    "scaled": _scaled,  # / sqrt(n[l-1]) (course week 4 application)
    "he": _he,  # * sqrt(2 / n[l-1]), for relu-like hidden layers
    "xavier": _xavier,  # Glorot: * sqrt(2 / (n[l-1] + n[l])), for tanh / sigmoid
}


def validate_layer_dims(layer_dims) -> list[int]:
    """Return ``layer_dims`` as a list of ints, each >= 1, with at least an input and an output."""
    if isinstance(layer_dims, (str, bytes)) or not isinstance(layer_dims, Sequence | np.ndarray):
        raise TypeError(f"layer_dims must be a sequence of ints like [n_x, n_h, n_y]; got {describe(layer_dims)}")
    dims = list(layer_dims)
    if len(dims) < 2:
        raise ValueError(
            f"layer_dims must list at least the input and output sizes [n_x, ..., n_y]; got {dims}"
        )
    return [check_positive_int(n, f"layer_dims[{i}]") for i, n in enumerate(dims)]


def initialize_parameters(layer_dims, method: str = "he", seed=None, dtype=np.float64) -> dict:
    """Initialize the parameters of an L-layer network.

    Parameters
    ----------
    layer_dims : sequence of int
        ``[n[0], n[1], ..., n[L]]``; ``n[0]`` is the number of input features.
    method : {"zeros", "random", "scaled", "he", "xavier"}
        How to scale the standard-normal draws (biases are always zero).
    seed : None, int, RandomState or Generator
        Random source, see :func:`~nnlab.engine.seeding.as_random_state`.
    dtype : numpy dtype
        float64 (default) or float32.

    Returns
    -------
    parameters : dict
        ``"W{l}"``: ndarray of shape (n[l], n[l-1]); ``"b{l}"``: ndarray of shape (n[l], 1).
    """
    dims = validate_layer_dims(layer_dims)
    try:
        init = INITIALIZERS[method]
    except (KeyError, TypeError):
        raise ValueError(f"method must be one of {sorted(INITIALIZERS)}; got {method!r}") from None
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype!r}")
    dtype = resolved
    rng = as_random_state(seed)
    draw = lambda n, n_prev: rng.randn(n, n_prev)  # noqa: E731
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = init(draw, dims[l], dims[l - 1]).astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((dims[l], 1), dtype=dtype)
    return parameters
