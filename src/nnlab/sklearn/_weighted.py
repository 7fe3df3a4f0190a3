"""Sample-weighted, resumable training epochs: the estimators' path for weights, partial_fit and warm_start.

# lead: move into the engine at merge. ``weighted_cost_and_dZ`` belongs in the engine's losses
# (a ``sample_weight`` argument of each cost), and :func:`run_epochs` goes away once the engine's
# one loop (``engine.training.train``) takes ``sample_weight`` of shape (m,) and hands its
# optimizer state in and out (``state=`` / ``TrainResult.state``); the estimators then call
# ``Model.fit`` for every fit. Until then this loop is built from the engine's public blocks
# only (``model_forward``, ``model_backward``, ``optimizer_step``, ``learning_rate_at``).

The weighted cost of a batch, L2 included (the convention of scikit-learn's MLP)::

    J = ( sum_i w_i L_i  +  lambda/2 sum_l ||W[l]||_F^2 ) / sum_i w_i

Unit weights give the engine's ``J = (1/m) sum_i L_i + lambda/(2m) sum_l ||W[l]||^2`` exactly.
For the canonical pairings (sigmoid + binary CE, softmax + categorical CE, linear + MSE), the
gradient that starts backpropagation, in the engine's scaling (m times dJ/dZ[L]), is::

    dZ[L] = (m / sum_i w_i) * w * (A[L] - Y)        # each column i scaled by its weight
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..engine import (
    Loss,
    get_activation,
    l2_penalty,
    learning_rate_at,
    model_backward,
    model_forward,
    optimizer_step,
)
from ..data.scaling import Standardizer
from ..errors import TrainingDiverged

__all__ = ["fitted_standardizer", "forward_logits", "run_epochs", "weighted_cost_and_dZ"]


def fitted_standardizer(X, w=None) -> Standardizer:  # lead: a sample_weight argument of Standardizer.fit at merge
    """The Standardizer of X (n_samples, n_features) with rows weighted by ``w`` (n_samples,).

    Weighted mean and (population) standard deviation, so that an integer weight counts as
    repeated rows; rows of weight 0 are left out. Computed on X / max|x| per feature and scaled
    back, as ``Standardizer.fit`` does (no overflow near 1e308); a constant feature keeps its
    value as mean and gets std 1.
    """
    if w is None:
        return Standardizer().fit(X.T)
    X, w = X[w > 0].astype(np.float64), w[w > 0]
    scale = np.abs(X).max(axis=0)  # (n_features,)
    scale[scale == 0] = 1.0
    scaled = X / scale
    mean = np.average(scaled, axis=0, weights=w)
    std = np.sqrt(np.average((scaled - mean) ** 2, axis=0, weights=w)) * scale
    constant = X.max(axis=0) == X.min(axis=0)
    mean = np.where(constant, X[0], mean * scale)
    std = np.where(constant | (std == 0), 1.0, std)
    return Standardizer.from_arrays({"mean": mean[:, None], "std": std[:, None]})


def weighted_cost_and_dZ(ZL, Y, w, output: str, loss: Loss):  # lead: move into the engine's losses at merge
    """Weighted cost (without L2) and the gradient that starts backprop, from the logits.

    Parameters
    ----------
    ZL : ndarray of shape (n[L], m)
        The output layer's pre-activation Z[L].
    Y : ndarray of shape (n[L], m)
        Targets in the loss's domain (0/1, one-hot columns, reals).
    w : ndarray of shape (m,)
        Non-negative example weights with a positive sum.
    output : {"sigmoid", "softmax", "linear"}
        The output activation, canonical for ``loss``.
    loss : Loss
        The engine's loss; its stacked form (K, n[L], 1) gives the K per-example losses L_i.

    Returns
    -------
    AL : ndarray of shape (n[L], m)
        ``output(ZL)``.
    cost : float
        ``sum_i w_i L_i / sum_i w_i``.
    dZ : ndarray of shape (n[L], m)
        ``(m / sum w) * w * (AL - Y)``: m times dJ/dZ[L], the engine's scaling.
    """
    AL = get_activation(output).forward(ZL)  # (n[L], m)
    # one stacked "output" per example: the engine's own cost formula, L_i of shape (m,)
    per_example = np.atleast_1d(loss.cost(AL.T[:, :, None], Y.T[:, :, None]))
    w = np.asarray(w, dtype=AL.dtype)
    total = float(np.sum(w, dtype=np.float64))
    cost = float(np.dot(per_example.astype(np.float64), w.astype(np.float64))) / total
    dZ = (AL - Y) * (w * (ZL.shape[1] / total))  # (n[L], m), columns scaled by w_i
    return AL, cost, dZ.astype(AL.dtype, copy=False)


def forward_logits(X, parameters: dict, hidden: str, keep_prob: float = 1.0, rng=None):
    """``(Z[L], caches)``: the engine's forward pass with a linear output layer."""
    return model_forward(X, parameters, hidden, "linear", keep_prob, rng)


def weighted_step_gradients(X, Y, w, parameters: dict, hp, output: str, loss: Loss, rng):
    """Cost (with L2) and gradients of one weighted batch; X (n[0], m), Y (n[L], m), w (m,)."""
    ZL, caches = forward_logits(X, parameters, hp.activation, hp.keep_prob, rng)
    _, cost, dZ = weighted_cost_and_dZ(ZL, Y, w, output, loss)
    total = float(np.sum(w, dtype=np.float64))
    cost += l2_penalty(parameters, hp.l2, total)
    # backprop from dZ[L]: a linear output whose "loss gradient" is the weighted dZ; the engine
    # adds (lambd / m) W to each dW, so lambd * m / sum(w) gives lambda / sum(w)
    start = Loss("weighted", lambda AL, Y_: cost, lambda AL, Y_: dZ, "none", None)
    grads = model_backward(ZL, Y, caches, hp.activation, "linear", loss=start,
                           lambd=hp.l2 * ZL.shape[1] / total, fused=False)
    return cost, grads


def run_epochs(
    X, Y, w, parameters: dict, state: dict, *, hp, output: str, loss: Loss, batch_size: int,
    epochs: int, rng: np.random.RandomState, first_epoch: int = 0,
    on_epoch: Callable[[int, dict, float], bool] | None = None,
):
    """Train ``epochs`` passes of weighted mini-batch training from ``parameters`` and ``state``.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
    w : ndarray of shape (m,)
        Example weights (a batch whose weights are all zero is skipped: it carries no loss).
    parameters, state : dict
        ``W{l}``/``b{l}`` and the optimizer state of :func:`~nnlab.engine.initialize_optimizer`.
    hp : Hyperparameters
        activation, optimizer and its constants, learning rate and decay, l2, keep_prob.
    first_epoch : int
        Epochs already trained (the learning-rate schedule continues from there).
    on_epoch : callable, optional
        ``on_epoch(epoch, parameters, train_cost) -> stop``; True ends training.

    Returns
    -------
    parameters, state : dict
    losses : list of float
        The weighted mean of the batch costs, per epoch.
    """
    m = X.shape[1]
    losses = []
    for epoch in range(first_epoch, first_epoch + epochs):
        alpha = learning_rate_at(epoch, hp.learning_rate, hp.decay, hp.decay_rate, hp.decay_steps)
        order = rng.permutation(m) if batch_size < m else None  # full batch: no shuffle, as the engine
        batches = [slice(None)] if order is None else [order[i : i + batch_size] for i in range(0, m, batch_size)]
        weighted_sum = 0.0
        for rows in batches:
            w_batch = w[rows]
            if not np.any(w_batch > 0):
                continue
            cost, grads = weighted_step_gradients(X[:, rows], Y[:, rows], w_batch, parameters, hp, output, loss, rng)
            if not np.isfinite(cost):
                raise TrainingDiverged(
                    f"training diverged: the cost became {cost} at epoch {epoch} with learning rate {alpha:g}; "
                    f"try a smaller learning_rate_init (e.g. {alpha / 10:g})",
                    epoch=epoch, learning_rate=alpha, parameters=parameters,
                )
            parameters, state = optimizer_step(parameters, grads, state, hp.optimizer, alpha,
                                               hp.beta, hp.beta1, hp.beta2, hp.epsilon)
            weighted_sum += cost * float(np.sum(w_batch, dtype=np.float64))
        losses.append(weighted_sum / float(np.sum(w, dtype=np.float64)))
        if on_epoch is not None and on_epoch(epoch, parameters, losses[-1]):
            break
    return parameters, state, losses
