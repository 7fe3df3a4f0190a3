"""Cost functions J and the gradients that start backpropagation.

Gradients follow the course's scaling: they are m times the derivative of J (the ``1/m`` is
applied once, in ``linear_backward``). Each loss has a *canonical* output activation for which
the chain rule through the output layer collapses to the fused, exact and always finite::

    dZ[L] = A[L] - Y        (sigmoid + binary CE, softmax + categorical CE, linear + MSE)

For any other pairing, ``gradient`` gives dA[L] and the output activation's backward finishes
the step. An output of exactly 0 (or 1) inside a log or a denominator is replaced by the
dtype's smallest normal number, so costs stay finite; no other value is changed, so the cost
stays consistent with its gradient even for outputs as small as 1e-300.

Example weights ``w`` (m,), non-negative with a positive sum, weigh each example's loss L_i
(scikit-learn's convention, L2 included)::

    J_w = ( sum_i w_i L_i  +  lambd/2 sum_l ||W[l]||_F^2 ) / sum_i w_i

Unit weights give ``J = (1/m) sum_i L_i + lambd/(2m) sum_l ||W[l]||^2``. In the course's scaling
(m times dJ/dZ[L]) its gradient is the unweighted one with each column i scaled by
``w_i m / sum w`` (:attr:`SampleWeights.scale`), and the L2 strength ``lambd`` becomes
``lambd m / sum w`` (:attr:`SampleWeights.l2_ratio`), so that ``dW`` gets ``lambd / sum w * W``::

    dZ[L] = (m / sum_i w_i) * w * (A[L] - Y)        (canonical pairings; columns scaled by w_i)
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .validation import as_float_array, check_finite, check_labels_in_range, check_positive_number

__all__ = [
    "LOSSES",
    "Loss",
    "SampleWeights",
    "canonical_loss",
    "check_labels",
    "check_sample_weight",
    "compute_cost",
    "get_loss",
    "l2_penalty",
    "sample_weights",
    "weighted_cost",
]


def _tiny(A: np.ndarray) -> float:
    """The smallest positive normal number of A's dtype: logs and divisions see at least this."""
    return float(np.finfo(A.dtype).tiny)


def _away_from_zero(x: np.ndarray, eps: float) -> np.ndarray:
    """``x`` with entries closer to 0 than ``eps`` moved to ``+-eps`` (a safe denominator)."""
    return np.where(np.abs(x) < eps, np.where(x < 0, -eps, eps), x)


def _per_output(total, AL):
    """``total / m``: a float for one output AL (n[L], m); an array (K,) for a stack (K, n[L], m)."""
    cost = total / AL.shape[-1]
    return float(cost) if np.ndim(cost) == 0 else cost


def _summed(terms):
    """The sum of all entries of each output: over the last two axes (np.sum's order either way)."""
    return np.sum(terms) if terms.ndim <= 2 else np.sum(terms, axis=(-2, -1))


# Every cost takes one output AL (n[L], m) and gives a float, or a stack of outputs
# (K, n[L], m) (the training loop scores several epochs at once) and gives K costs, each
# bit-identical to the cost of that output alone.


def _times(Y, X):
    """``Y * X``, written over X (a temporary) when X can hold the result: the same bits, without
    a new array the size of a stack of outputs."""
    fits = type(Y) is np.ndarray and Y.dtype == X.dtype and Y.shape == X.shape[X.ndim - Y.ndim:]
    return np.multiply(Y, X, out=X if fits else None)


def _floored_log(X):
    """``log(max(X, tiny))``, in one new array: only an exact 0 inside a log is replaced (by the
    smallest normal number), so the cost stays finite and, everywhere else, exact."""
    out = np.maximum(X, _tiny(X))
    return np.log(out, out=out)


def _bce_cost(AL, Y):
    # J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)), term by term in that order
    if AL.ndim > 2 and np.ndim(Y) == 2 and np.all((Y == 0) | (Y == 1)):
        # The same terms, evaluated with one log instead of two for a stack of outputs scored
        # against hard 0/1 labels (checked once for all K): each entry is the log of the one
        # probability its label picks; the other term, 0 * (a finite log), is +-0 and adds
        # nothing, so every cost is bit-identical to the two-log line. (Logs dominate the cost
        # of block scoring: float64 logs are not vectorized, and the two-log line alone would
        # make the flower's 10,000 full-batch iterations about 8 % slower.)
        return _per_output(-_summed(_floored_log(np.where(Y == 1, AL, 1 - AL))), AL)
    terms = _times(Y, _floored_log(AL)) + _times(1 - Y, _floored_log(1 - AL))
    return _per_output(-_summed(terms), AL)


def _bce_gradient(AL, Y):
    # dA = -(Y / A - (1 - Y) / (1 - A)), the course's dAL
    tiny = _tiny(AL)
    return -(Y / _away_from_zero(AL, tiny) - (1 - Y) / _away_from_zero(1 - AL, tiny))


def _cce_cost(AL, Y):
    # J = -(1/m) sum over classes and examples of Y log A
    return _per_output(-_summed(_times(Y, _floored_log(AL))), AL)


def _cce_gradient(AL, Y):
    return -Y / _away_from_zero(AL, _tiny(AL))


def _mse_cost(AL, Y):
    # J = (1/2m) sum ||a - y||^2, so that dA = A - Y
    diff = AL - Y
    return _per_output(_summed(diff * diff) / 2, AL)


def _mse_gradient(AL, Y):
    return AL - Y


class Loss(NamedTuple):
    """A registered cost: its value, its gradient w.r.t. A[L], and its canonical output."""

    name: str
    cost: Callable[[np.ndarray, np.ndarray], float]
    gradient: Callable[[np.ndarray, np.ndarray], np.ndarray]
    canonical_output: str
    label_range: tuple[float, float | None] | None  # allowed Y values, None: any finite


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("binary_cross_entropy", _bce_cost, _bce_gradient, "sigmoid", (0.0, 1.0)),
        Loss("categorical_cross_entropy", _cce_cost, _cce_gradient, "softmax", (0.0, 1.0)),
        Loss("mean_squared_error", _mse_cost, _mse_gradient, "linear", None),
    )
}


def get_loss(name) -> Loss:
    """Look up a loss by name; ``ValueError`` quotes the bad name and the allowed ones."""
    if isinstance(name, Loss):
        return name
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {name!r}") from None


def canonical_loss(output: str) -> Loss:
    """The loss whose gradient fuses with ``output`` into ``dZ = A - Y``."""
    for loss in LOSSES.values():
        if loss.canonical_output == output:
            return loss
    raise ValueError(
        f"output activation {output!r} has no default loss; pass one of {sorted(LOSSES)}"
    )


def check_labels(Y, loss: Loss, shape: tuple[int, int], dtype) -> np.ndarray:
    """Validate labels ``Y`` for ``loss`` and return them as an array of ``dtype``.

    Labels may be bool or int; ``shape`` is that of the network's output, (n[L], m).
    """
    Y = as_float_array(Y, "Y", ndim=None, dtype=dtype)
    if Y.shape != tuple(shape):
        raise ValueError(f"Y must have the shape of the output AL, (n[L], m) = {tuple(shape)}; got {Y.shape}")
    if loss.label_range is None:
        check_finite(Y, "Y")
    else:
        check_labels_in_range(Y, "Y", *loss.label_range)
    return Y


def check_cost_inputs(AL, Y, loss: Loss) -> tuple[np.ndarray, np.ndarray]:
    """Validate and convert ``AL`` and ``Y`` for ``loss``."""
    AL = as_float_array(AL, "AL")
    check_finite(AL, "AL")
    return AL, check_labels(Y, loss, AL.shape, AL.dtype)


def compute_cost(AL, Y, loss="binary_cross_entropy") -> float:
    """The cost J of outputs ``AL`` against labels ``Y``.

    Parameters
    ----------
    AL : ndarray of shape (n[L], m)
    Y : ndarray of shape (n[L], m)
        0/1 (or bool) labels for binary cross-entropy, one-hot columns for categorical
        cross-entropy, real targets for mean squared error.
    loss : {"binary_cross_entropy", "categorical_cross_entropy", "mean_squared_error"}

    Returns
    -------
    cost : float
    """
    loss = get_loss(loss)
    AL, Y = check_cost_inputs(AL, Y, loss)
    with np.errstate(over="ignore"):  # e.g. squared errors of targets near 1e300: the cost is inf
        return loss.cost(AL, Y)


def l2_penalty(parameters: dict, lambd: float, m: int) -> float:
    """The L2 term ``lambd / (2m) * sum_l ||W{l}||_F^2`` added to the cost."""
    return l2_penalty_unchecked(parameters, check_positive_number(lambd, "lambd", allow_zero=True), m)


def l2_penalty_unchecked(parameters: dict, lambd: float, m) -> float:
    """:func:`l2_penalty` for a ``lambd`` already validated (the training loop's, per batch)."""
    if lambd == 0:
        return 0.0
    total = sum(float(np.sum(np.square(W))) for key, W in parameters.items() if key.startswith("W"))
    return lambd / (2 * m) * total


class SampleWeights(NamedTuple):
    """Example weights of one (mini-)batch and the factors of the weighted gradient.

    w : ndarray of shape (m,), float64
    total : float
        ``sum_i w_i`` (> 0).
    scale : ndarray of shape (m,), in the run's dtype
        ``w_i * m / total``: the column factors of dZ[L].
    l2_ratio : float
        ``m / total``: the L2 strength's factor (``lambd / m * l2_ratio = lambd / total``).
    """

    w: np.ndarray
    total: float
    scale: np.ndarray
    l2_ratio: float


def sample_weights(w: np.ndarray, dtype) -> SampleWeights | None:
    """The :class:`SampleWeights` of trusted weights ``w`` (m,); None when they sum to 0 (a batch
    that carries no loss)."""
    total = float(np.sum(w))
    if total == 0:
        return None
    ratio = w.shape[0] / total
    return SampleWeights(w, total, (w * ratio).astype(dtype, copy=False), ratio)


def weighted_cost(loss: Loss, AL: np.ndarray, Y: np.ndarray, weights: SampleWeights) -> float:
    """``sum_i w_i L_i / sum_i w_i`` of outputs ``AL`` (n[L], m) (without the L2 term: add
    ``l2_penalty(parameters, lambd, weights.total)``).

    Each L_i is ``loss.cost`` of example i alone (a stack of m outputs of one column each).
    """
    per_example = np.atleast_1d(loss.cost(AL.T[:, :, None], Y.T[:, :, None]))  # (m,)
    return float(np.dot(per_example.astype(np.float64, copy=False), weights.w)) / weights.total


def check_sample_weight(w, m: int, name: str = "sample_weight") -> np.ndarray:
    """Validate example weights: shape (m,), finite, non-negative, with a positive sum; float64."""
    w = as_float_array(w, name, ndim=None, dtype=np.float64)
    if w.shape != (m,):
        raise ValueError(f"{name} must have shape ({m},), one weight per example; got {w.shape}")
    check_finite(w, name)
    if m and float(w.min()) < 0:
        raise ValueError(f"{name} must be non-negative; got a minimum of {float(w.min())!r}")
    if not float(np.sum(w)) > 0:
        raise ValueError(f"{name} must have a positive sum; got {float(np.sum(w))!r}")
    return w
