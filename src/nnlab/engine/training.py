"""The general method as one loop: forward, cost, backward, update — epoch after epoch.

:func:`train` is the only training loop in nnlab. The course façade reaches it through
:func:`gradient_descent` (full batch, plain gradient descent: the course's loop, number for
number); the Model API, the CLI and the search call it with mini-batches, an optimizer, a
learning-rate schedule, L2, dropout and early stopping on a dev set.

:func:`train` validates its arguments once (:func:`check_training_data`, :class:`TrainOptions`)
and runs :func:`train_unchecked`, which trusts them: a caller that has validated its data at its
own boundary (the Model) calls that directly.

Example weights (``sample_weight``) make every cost, gradient and metric the weighted one (the
formula is in :mod:`~nnlab.engine.losses`); without them the loop runs exactly as before. A run
can continue another: ``state=`` takes the :class:`OptimizerState` a :class:`TrainResult` gave
(moments, Adam's step count, and the epochs done, so a decay schedule continues).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .activations import get_activation
from .buffers import TrainingState, Workspace
from .losses import Loss, canonical_loss, check_labels, check_sample_weight, get_loss, sample_weights
from .network import backward_unchecked, check_inputs, forward_unchecked, layer_activations, n_layers
from .optimizers import MOMENTS, check_beta, check_optimizer
from .schedules import learning_rate_at, scheduled_rate
from .scoring import History, Scorer
from .threads import thread_policy
from .validation import check_int, check_positive_int, check_positive_number, check_real, describe

__all__ = ["History", "OptimizerState", "TrainOptions", "TrainResult", "check_dev_weight", "check_training_data",
           "gradient_descent", "train", "train_unchecked"]


@dataclass(frozen=True)
class TrainOptions:
    """How to train, apart from the data: validated on construction (the fields of :func:`train`)."""

    epochs: int  # passes over the training set
    learning_rate: float  # alpha, or alpha_0 with a decay schedule
    hidden: str = "relu"  # activation of the hidden layers
    output: str = "sigmoid"  # activation of the output layer
    loss: str | Loss | None = None  # None: the output's canonical loss (a Loss after validation)
    optimizer: str = "gd"  # gd | momentum | rmsprop | adam
    beta: float = 0.9  # momentum's average
    beta1: float = 0.9  # Adam's first moment
    beta2: float = 0.999  # Adam's second moment, RMSprop's average
    epsilon: float = 1e-8  # RMSprop / Adam denominator guard
    decay: str | None = None  # None | inverse_time | step (see engine.schedules)
    decay_rate: float = 1.0
    decay_steps: int = 1
    batch_size: int | None = None  # mini-batch size; None: full batch
    lambd: float = 0.0  # L2 strength
    keep_prob: float = 1.0  # dropout keep probability of the hidden units, in (0, 1]
    patience: int | None = None  # early stopping: epochs without a better dev cost
    restore_best: bool = True  # with early stopping, return the best dev epoch's parameters
    threads: int | None = None  # BLAS threads; None: NNLAB_THREADS, else the machine's load (engine.threads)

    def __post_init__(self):
        def set_(name, value):
            object.__setattr__(self, name, value)

        set_("epochs", check_positive_int(self.epochs, "epochs"))
        set_("learning_rate", learning_rate_at(0, self.learning_rate, self.decay, self.decay_rate, self.decay_steps))
        set_("decay_rate", check_positive_number(self.decay_rate, "decay_rate", allow_zero=True))
        set_("decay_steps", check_positive_int(self.decay_steps, "decay_steps"))
        get_activation(self.hidden), get_activation(self.output)
        set_("loss", canonical_loss(self.output) if self.loss is None else get_loss(self.loss))
        check_optimizer(self.optimizer)
        for name in ("beta", "beta1", "beta2"):
            set_(name, check_beta(getattr(self, name), name))
        set_("epsilon", check_positive_number(self.epsilon, "epsilon"))
        if self.batch_size is not None:
            set_("batch_size", check_positive_int(self.batch_size, "batch_size"))
        set_("lambd", check_positive_number(self.lambd, "lambd", allow_zero=True))
        set_("keep_prob", check_real(self.keep_prob, "keep_prob", low=0.0, high=1.0, low_open=True))
        if self.patience is not None:
            set_("patience", check_int(self.patience, "patience", 1))
        if not isinstance(self.restore_best, (bool, np.bool_)):
            raise TypeError(f"restore_best must be true or false; got {describe(self.restore_best)}")
        if self.threads is not None:
            set_("threads", check_positive_int(self.threads, "threads"))

    def learning_rate_of(self, epoch: int) -> float:
        """alpha of ``epoch`` (the schedule's, or the constant rate)."""
        if self.decay is None:
            return self.learning_rate
        return scheduled_rate(epoch, self.learning_rate, self.decay, self.decay_rate, self.decay_steps)


@dataclass(frozen=True)
class OptimizerState:
    """Where a run left its optimizer, for a run that continues it (``train(..., state=)``).

    ``moments`` holds the optimizer's moving averages (``"v"``: momentum / Adam's first moment,
    ``"s"``: RMSprop / Adam's second) as flat arrays in the order ``W1, b1, ..., WL, bL``; an
    empty dict starts them at zero. ``t`` is Adam's step count and ``epoch`` the epochs done: the
    next run's first epoch, so a decay schedule continues where it was.
    """

    optimizer: str
    moments: dict = field(default_factory=dict)
    t: int = 0
    epoch: int = 0

    def __post_init__(self):
        check_optimizer(self.optimizer)
        object.__setattr__(self, "t", check_int(self.t, "t", 0))
        object.__setattr__(self, "epoch", check_int(self.epoch, "epoch", 0))

    def fresh(self) -> "OptimizerState":
        """The same epoch count with the moments and Adam's count at zero."""
        return OptimizerState(self.optimizer, {}, 0, self.epoch)


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    parameters: dict
    history: History
    grads: dict  # of the last update ("dW{l}", "db{l}", "dA{l}" for l >= 1; dA0 is not computed)
    best_epoch: int  # epoch whose parameters were kept (the last one unless restored)
    stopped_early: bool
    state: OptimizerState | None = None  # the optimizer after the last epoch, to continue from


def train(X, Y, parameters: dict, *, dev: tuple | None = None, rng: np.random.RandomState | None = None,
          on_epoch: Callable[[int, History], None] | None = None, sample_weight=None, dev_weight=None,
          state: OptimizerState | None = None, **options) -> TrainResult:
    """Train a network from ``parameters`` (left unchanged).

    Each epoch runs, for every mini-batch, forward propagation (with inverted dropout when
    ``keep_prob < 1``), the cost (+ L2), backward propagation and one optimizer step, then scores
    the dev set. The steps run in preallocated buffers (:mod:`~nnlab.engine.buffers`), with
    results bit-identical to composing ``model_forward``, ``model_backward`` and
    ``optimizer_step``. A non-finite cost stops training with :class:`~nnlab.errors.TrainingDiverged`.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
        Mini-batches are gathered as rows, so an ``X`` that is the transpose of a row-major
        (m, n[0]) array (``X_rows.T``, a view) needs no copy.
    Y : ndarray of shape (n[L], m)
        Targets in the loss's domain (0/1, one-hot columns, or reals).
    parameters : dict
        Initial ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1); their dtype is the run's dtype.
    dev : (X_dev, Y_dev), optional
        Hold-out set scored after every epoch.
    rng : numpy.random.RandomState, optional
        Source for shuffling and dropout masks (needed for either).
    on_epoch : callable, optional
        ``on_epoch(epoch, history)`` after each epoch's record is appended.
    sample_weight : ndarray of shape (m,), optional
        Example weights (non-negative, positive sum): the cost is
        ``(sum_i w_i L_i + lambd/2 sum ||W||^2) / sum_i w_i`` per batch, and the history's costs
        and metrics are weighted. Gathered with the batch rows; a batch of zero weight is skipped.
    dev_weight : ndarray of shape (m_dev,), optional
        Example weights of the dev set (its cost and metric).
    state : OptimizerState, optional
        Continue from a run's ``TrainResult.state`` (same optimizer): its moments, Adam's count,
        and its epoch count (epochs are numbered from there; decay schedules continue).
    **options
        The fields of :class:`TrainOptions`: ``epochs`` and ``learning_rate`` (required),
        ``hidden``, ``output``, ``loss``, ``optimizer``, ``beta``, ``beta1``, ``beta2``,
        ``epsilon``, ``decay``, ``decay_rate``, ``decay_steps``, ``batch_size``, ``lambd``,
        ``keep_prob``, ``patience``, ``restore_best``, ``threads``.

    Returns
    -------
    TrainResult
    """
    options = TrainOptions(**options)
    X, Y, dev = check_training_data(X, Y, parameters, options, dev)
    if sample_weight is not None:
        sample_weight = check_sample_weight(sample_weight, X.shape[1])
    dev_weight = check_dev_weight(dev_weight, dev)
    if state is not None:
        check_state(state, options, parameters)
    return train_unchecked(X, Y, parameters, options, dev=dev, rng=rng, on_epoch=on_epoch,
                           sample_weight=sample_weight, dev_weight=dev_weight, state=state)


def check_state(state, options: TrainOptions, parameters: dict) -> None:
    """Validate an :class:`OptimizerState` to continue from: the run's optimizer, its moments'
    names and sizes."""
    if not isinstance(state, OptimizerState):
        raise TypeError(f"state must be an OptimizerState (a TrainResult's state); got {describe(state)}")
    if state.optimizer != options.optimizer:
        raise ValueError(f"state must come from a run of the same optimizer, {options.optimizer!r}; got {state.optimizer!r}")
    size = sum(int(np.size(value)) for value in parameters.values())
    if state.moments and (sorted(state.moments) != sorted(MOMENTS[options.optimizer])
                          or any(np.shape(value) != (size,) for value in state.moments.values())):
        shapes = {name: np.shape(value) for name, value in state.moments.items()}
        raise ValueError(f"state.moments must be {sorted(MOMENTS[options.optimizer])} of shape ({size},) each; got {shapes}")


def check_dev_weight(dev_weight, dev):
    """``dev_weight`` (m_dev,) checked against the dev set ``(X_dev, Y_dev)``; None stays None."""
    if dev_weight is None:
        return None
    if dev is None:
        raise ValueError("dev_weight needs a dev set; got dev=None")
    return check_sample_weight(dev_weight, dev[0].shape[1], "dev_weight")


def check_training_data(X, Y, parameters: dict, options: TrainOptions, dev=None):
    """Validate the arrays of a run once: ``(X, Y, dev)`` in the parameters' dtype.

    X (and the dev set's) finite, non-empty, with n[0] rows; parameters floating-point and finite;
    Y (n[L], m) in the loss's domain.
    """
    X, L = check_inputs(X, parameters)
    dtype = np.asarray(parameters["W1"]).dtype
    if dtype.kind != "f":
        raise ValueError(f"parameters must be floating-point arrays (their dtype is the run's); got W1 of dtype {dtype}")
    n_y = np.shape(parameters[f"W{L}"])[0]

    def examples(X, Y, name):
        if X.shape[1] == 0:
            raise ValueError(f"{name} must hold at least one example (column); got shape {X.shape}")
        return X.astype(dtype, copy=False), check_labels(Y, options.loss, (n_y, X.shape[1]), dtype)

    X, Y = examples(X, Y, "X")
    if dev is not None:
        dev = examples(check_inputs(dev[0], parameters)[0], dev[1], "dev X")
    return X, Y, dev


def train_unchecked(X, Y, parameters: dict, options: TrainOptions, *, dev=None, rng=None, on_epoch=None,
                    sample_weight=None, dev_weight=None, state: OptimizerState | None = None) -> TrainResult:
    """:func:`train` for validated arrays (X, Y and dev in the parameters' floating dtype; weights
    float64 and valid; ``state`` of this optimizer and these parameters)."""
    o, L, m = options, n_layers(parameters), X.shape[1]
    loss, lambd, keep_prob = o.loss, o.lambd, o.keep_prob
    full_batch = o.batch_size is None or o.batch_size >= m
    if (o.keep_prob < 1 or not full_batch) and rng is None:
        raise ValueError("rng (a numpy.random.RandomState) is needed for mini-batch shuffling and dropout")
    if o.patience is not None and dev is None:
        raise ValueError("patience (early stopping) needs a dev set; got dev=None")
    start, state = state, TrainingState(parameters, L, o.optimizer, (o.beta, o.beta1, o.beta2, o.epsilon))  # own copy
    first = 0 if start is None else start.epoch
    if start is not None:
        state.load_moments(start.moments, start.t)
    weights = None if sample_weight is None else sample_weights(sample_weight, state.dtype)
    activations = layer_activations(L, o.hidden, o.output)
    fused = loss.canonical_output == o.output
    scorer = Scorer(o.loss, o.output, Y, None if dev is None else dev[1], batch_size=None if full_batch else o.batch_size,
                    lambd=o.lambd, fused=fused, watched=on_epoch is not None, early_stopping=o.patience is not None,
                    state=state, weights=weights,
                    dev_weights=None if dev_weight is None else sample_weights(dev_weight, state.dtype))
    batches = _Batches(X, Y, state, full_batch, o.batch_size, o.keep_prob < 1, rng, weights)
    dev_workspace = None if dev is None else Workspace(state.dims, dev[0].shape[1], state.dtype)  # no dropout
    best = (np.inf, -1, None)  # (dev cost, epoch, flat parameters)
    stopped_early = False
    # A run that blows up ends in TrainingDiverged (the finite-cost checks); the overflow
    # warnings NumPy raises on the way there (float32 reaches inf first) are not the message.
    # the run's BLAS threads: the user's, or a thread per core other processes leave free (watch)
    policy = thread_policy(o.threads, state.dims, m if full_batch else o.batch_size)
    with np.errstate(over="ignore", invalid="ignore"), policy as watch:
        for epoch in range(first, first + o.epochs):
            alpha = o.learning_rate_of(epoch)
            scorer.start_epoch(epoch, alpha)
            for X_batch, Y_batch, workspace, w in batches.epoch():  # w: the batch's SampleWeights or None
                out = scorer.train_slot(workspace.m)
                AL = forward_unchecked(X_batch, state.layers, activations, keep_prob, rng, workspace, out)
                scorer.add(AL, Y_batch, w)
                backward_unchecked(AL, Y_batch, None, activations, loss, lambd, fused, workspace=workspace, weights=w)
                if not state.update(alpha):
                    raise scorer.step_diverged()
                if watch is not None:
                    watch.end_step()
            AL_dev = None
            if dev is not None:
                AL_dev = forward_unchecked(dev[0], state.layers, activations, 1.0, None, dev_workspace, scorer.dev_slot())
            dev_cost = scorer.end_epoch(AL_dev)
            if on_epoch is not None:
                on_epoch(epoch, scorer.history)
            if o.patience is not None:
                if dev_cost < best[0]:
                    best = (dev_cost, epoch, state.flat.copy())
                elif epoch - best[1] >= o.patience:
                    stopped_early = True
                    break
        history = scorer.finish()

    best_epoch = first + len(history.epoch) - 1
    parameters = state.parameters_copy()
    if o.patience is not None and o.restore_best and best[1] >= 0:
        parameters, best_epoch = state.parameters_copy(best[2]), best[1]
    end = OptimizerState(o.optimizer, state.moments_copy(), state.t, first + len(history.epoch))
    # the gradients' own buffers: this state takes no further step
    return TrainResult(parameters, history, state.last_grads(batches.workspace), best_epoch, stopped_early, end)


class _Batches:
    """An epoch's (mini-)batches as ``(X_batch, Y_batch, workspace, weights)``: the whole set, or a
    shuffled partition of the examples gathered as rows into each batch size's workspace; with
    example weights (``weights`` of the whole set), each batch's :class:`SampleWeights` (batches of
    zero weight are left out), else None."""

    def __init__(self, X, Y, state: TrainingState, full_batch: bool, batch_size, dropout: bool, rng, weights=None):
        self.X, self.Y, self.state, self.batch_size, self.dropout, self.rng = X, Y, state, batch_size, dropout, rng
        self.full_batch, m = full_batch, X.shape[1]
        self.w = None if weights is None else weights.w  # (m,)
        self.workspace = state.workspace(m, dropout=dropout, gather=False) if full_batch else None
        self.whole = ((X, Y, self.workspace, weights),)
        if not full_batch:  # one example per row, so mini-batches are row blocks
            self.X_rows, self.Y_rows = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)  # (m, n[0]), (m, n[L])

    def epoch(self):
        return self.whole if self.full_batch else self._shuffled()

    def _shuffled(self):
        m = self.X.shape[1]
        permutation = self.rng.permutation(m)
        for start in range(0, m, self.batch_size):
            rows = permutation[start : start + self.batch_size]
            weights = None
            if self.w is not None:
                weights = sample_weights(self.w[rows], self.state.dtype)  # gathered with the rows
                if weights is None:  # a batch of zero weight carries no loss
                    continue
            ws = self.workspace = self.state.workspace(len(rows), dropout=self.dropout, gather=True)
            # gathered rows: contiguous copies, 7x faster than gathering columns
            X_batch = np.take(self.X_rows, rows, axis=0, out=ws.X, mode="clip").T  # (n[0], batch)
            Y_batch = np.take(self.Y_rows, rows, axis=0, out=ws.Y, mode="clip").T  # (n[L], batch)
            yield X_batch, Y_batch, ws, weights


def gradient_descent(
    X,
    Y,
    parameters: dict,
    num_iterations: int,
    learning_rate: float,
    hidden: str = "relu",
    output: str = "sigmoid",
    loss=None,
    lambd: float = 0.0,
    callback: Callable[[int, float], None] | None = None,
):
    """Batch gradient descent, the course's loop: :func:`train` with full batch and ``gd``.

    ``callback(i, cost)`` is called after each iteration with the cost of the parameters
    *before* that iteration's update.

    Returns
    -------
    parameters : dict
        After ``num_iterations`` updates.
    grads : dict
        The gradients of the last iteration.
    """
    num_iterations = check_positive_int(num_iterations, "num_iterations")
    on_epoch = None if callback is None else (lambda i, history: callback(i, history.train_cost[-1]))
    result = train(
        X, Y, parameters, epochs=num_iterations, learning_rate=learning_rate, hidden=hidden,
        output=output, loss=loss, lambd=lambd, on_epoch=on_epoch,
    )
    return result.parameters, result.grads
