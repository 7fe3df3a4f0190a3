"""The general method as one loop: forward, cost, backward, update — epoch after epoch.

:func:`train` is the only training loop in nnlab. The course façade reaches it through
:func:`gradient_descent` (full batch, plain gradient descent: the course's loop, number for
number); the Model API, the CLI and the search call it with mini-batches, an optimizer, a
learning-rate schedule, L2, dropout and early stopping on a dev set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import TrainingDiverged
from .activations import get_activation
from .losses import canonical_loss, check_labels, get_loss, l2_penalty
from .metrics import correct_count, r2_from_sums, score_outputs, squared_error, total_variation
from .buffers import TrainingState, Workspace
from .network import backward_unchecked, check_inputs, forward_unchecked, layer_activations
from .optimizers import initialize_optimizer
from .schedules import learning_rate_at, scheduled_rate
from .validation import check_int, check_positive_int, check_positive_number, check_real

__all__ = ["History", "TrainResult", "gradient_descent", "train"]


@dataclass
class History:
    """Per-epoch record of a training run (lists of equal length, one entry per epoch).

    ``train_cost`` and ``train_metric`` are accumulated over the epoch's mini-batches (with full
    batch: the cost of the parameters before the epoch's update, as the course records it);
    ``dev_*`` are measured after the epoch, without dropout, and are NaN without a dev set. The
    metric is accuracy for sigmoid/softmax outputs and R² for linear outputs.
    """

    epoch: list[int] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    train_cost: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    dev_cost: list[float] = field(default_factory=list)
    dev_metric: list[float] = field(default_factory=list)

    def append(self, **values) -> None:
        for name, value in values.items():
            getattr(self, name).append(value)

    def extend(self, **columns) -> None:
        """Append several epochs at once: a list of values per field."""
        for name, values in columns.items():
            getattr(self, name).extend(values)

    def as_dict(self) -> dict[str, list]:
        return {name: list(values) for name, values in vars(self).items()}


@dataclass
class TrainResult:
    """What :func:`train` returns."""

    parameters: dict
    history: History
    grads: dict  # of the last update ("dW{l}", "db{l}", "dA{l}" for l >= 1; dA0 is not computed)
    best_epoch: int  # epoch whose parameters were kept (the last one unless restored)
    stopped_early: bool


def _diverged(what: str, epoch: int, alpha: float, parameters: dict, history: "History") -> TrainingDiverged:
    return TrainingDiverged(
        f"training diverged: {what} at epoch {epoch} (counting from 0) with learning rate {alpha:g}; "
        f"try a smaller learning rate (e.g. {alpha / 10:g})",
        epoch=epoch, learning_rate=alpha, parameters=parameters, history=history,
    )


def _minibatches(m: int, batch_size: int, rng: np.random.RandomState):
    """One epoch's mini-batches (batch_size < m): a shuffled partition of the example indices."""
    permutation = rng.permutation(m)
    return [permutation[start : start + batch_size] for start in range(0, m, batch_size)]


#: Outputs scored together (see ``train``): at most this many epochs or mini-batches, holding
#: at most BLOCK_ENTRIES output values per block (512 KiB of float64, twice that for mini-batches,
#: whose targets are kept too).
BLOCK_OUTPUTS = 256
BLOCK_ENTRIES = 1 << 16


class _ScoreBlock:
    """Outputs A[L] (n[L], m) waiting to be scored together: of recent epochs on one data set
    (``Y`` given: the targets are the same for all), or of mini-batches (``Y`` None: each output
    is kept with its own targets)."""

    def __init__(self, shape: tuple, dtype, Y: np.ndarray | None = None):
        self.Y = Y
        self.outputs = np.empty((self.capacity(shape),) + tuple(shape), dtype)
        self.targets = np.empty_like(self.outputs) if Y is None else None
        self.filled = 0

    @staticmethod
    def capacity(shape: tuple) -> int:
        return min(BLOCK_OUTPUTS, BLOCK_ENTRIES // int(np.prod(shape)))

    @classmethod
    def worth_it(cls, shape: tuple) -> bool:
        """Whether a block for outputs of ``shape`` holds at least two of them."""
        return cls.capacity(shape) >= 2

    @staticmethod
    def cost_stays_finite(shape: tuple, dtype) -> bool:
        """Whether the cross-entropy of a finite output of ``shape`` is finite in ``dtype``: each
        term is at most -log(smallest normal), and all of them must sum within the dtype's range
        (always in float32 and float64; float16 overflows past about 6,700 terms)."""
        info = np.finfo(dtype)
        return int(np.prod(shape)) * -float(np.log(info.tiny)) < float(info.max)

    @property
    def full(self) -> bool:
        return self.filled == len(self.outputs)

    def next_slot(self) -> np.ndarray:
        """The buffer the next output goes to (a forward pass may write there directly)."""
        return self.outputs[self.filled]

    def keep(self, Y: np.ndarray | None = None) -> None:
        """Count the output written to :meth:`next_slot` (with its targets, for mini-batches)."""
        if self.targets is not None:
            np.copyto(self.targets[self.filled], Y)
        self.filled += 1

    def take(self, loss, output: str):
        """``(costs, correct counts)`` of the kept outputs (arrays) and empty the block.

        Each cost is bit-identical to ``loss.cost`` of that output alone: the costs reduce over
        each output's own entries in the same order.
        """
        stack = self.outputs[: self.filled]
        Y = self.Y if self.targets is None else self.targets[: self.filled]
        self.filled = 0
        return np.atleast_1d(loss.cost(stack, Y)), np.atleast_1d(correct_count(stack, Y, output))


def train(
    X,
    Y,
    parameters: dict,
    *,
    epochs: int,
    learning_rate: float,
    hidden: str = "relu",
    output: str = "sigmoid",
    loss=None,
    optimizer: str = "gd",
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay: str | None = None,
    decay_rate: float = 1.0,
    decay_steps: int = 1,
    batch_size: int | None = None,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    rng: np.random.RandomState | None = None,
    dev: tuple | None = None,
    patience: int | None = None,
    restore_best: bool = True,
    on_epoch: Callable[[int, History], None] | None = None,
) -> TrainResult:
    """Train a network from ``parameters`` (left unchanged).

    Each epoch runs, for every mini-batch, forward propagation (with inverted dropout when
    ``keep_prob < 1``), the cost (+ L2), backward propagation and one optimizer step, then scores
    the dev set. The steps run in preallocated buffers (:mod:`~nnlab.engine.buffers`), with
    results bit-identical to composing ``model_forward``, ``model_backward`` and ``optimizer_step``. A non-finite cost stops training with :class:`~nnlab.errors.TrainingDiverged`.

    Without an ``on_epoch`` callback, full-batch epochs and each epoch's mini-batches are scored
    in blocks after the fact (same numbers, far fewer NumPy calls); mini-batches are gathered as rows,
    so an ``X`` that is the transpose of a row-major (m, n[0]) array (``X_rows.T``, a view)
    needs no copy, where a C-ordered (n[0], m) ``X`` is transposed once per call.

    Parameters
    ----------
    X : ndarray of shape (n[0], m)
    Y : ndarray of shape (n[L], m)
        Targets in the loss's domain (0/1, one-hot columns, or reals).
    parameters : dict
        Initial ``"W{l}"`` (n[l], n[l-1]) and ``"b{l}"`` (n[l], 1); their dtype is the run's dtype.
    epochs : int
        Passes over the training set.
    learning_rate : float
        alpha, or alpha_0 with a ``decay`` schedule.
    hidden, output, loss : str
        Activations and cost (``loss`` defaults to the output's canonical loss).
    optimizer : {"gd", "momentum", "rmsprop", "adam"}
    beta, beta1, beta2, epsilon : float
        Optimizer constants (momentum's beta; Adam's beta1, beta2; RMSprop uses beta2).
    decay : {None, "inverse_time", "step"}
    decay_rate, decay_steps
        Schedule constants, see :func:`~nnlab.engine.schedules.learning_rate_at`.
    batch_size : int, optional
        Mini-batch size; None means full batch.
    lambd : float
        L2 strength.
    keep_prob : float
        Dropout keep probability for the hidden layers, in (0, 1].
    rng : numpy.random.RandomState, optional
        Source for shuffling and dropout masks (needed for either).
    dev : (X_dev, Y_dev), optional
        Hold-out set scored after every epoch.
    patience : int, optional
        Early stopping: stop when the dev cost has not improved for this many epochs.
    restore_best : bool
        With early stopping, return the parameters of the best dev epoch.
    on_epoch : callable, optional
        ``on_epoch(epoch, history)`` after each epoch's record is appended.

    Returns
    -------
    TrainResult
    """
    X, L = check_inputs(X, parameters)
    dtype = np.asarray(parameters["W1"]).dtype
    if dtype.kind != "f":
        raise ValueError(f"parameters must be floating-point arrays (their dtype is the run's); got W1 of dtype {dtype}")
    if X.shape[1] == 0:
        raise ValueError(f"X must hold at least one example (column); got shape {X.shape}")
    X = X.astype(dtype, copy=False)
    epochs = check_positive_int(epochs, "epochs")
    schedule = (  # validated once; the loop calls the unchecked scheduled_rate
        learning_rate_at(0, learning_rate, decay, decay_rate, decay_steps), decay,
        check_positive_number(decay_rate, "decay_rate", allow_zero=True), check_positive_int(decay_steps, "decay_steps"),
    )
    lambd = check_positive_number(lambd, "lambd", allow_zero=True)
    keep_prob = check_real(keep_prob, "keep_prob", low=0.0, high=1.0, low_open=True)
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    if patience is not None:
        patience = check_int(patience, "patience", 1)
        if dev is None:
            raise ValueError("patience (early stopping) needs a dev set; got dev=None")
    get_activation(hidden), get_activation(output)
    loss = canonical_loss(output) if loss is None else get_loss(loss)
    m = X.shape[1]
    n_y = np.shape(parameters[f"W{L}"])[0]
    Y = check_labels(Y, loss, (n_y, m), dtype)
    if (keep_prob < 1 or (batch_size is not None and batch_size < m)) and rng is None:
        raise ValueError("rng (a numpy.random.RandomState) is needed for mini-batch shuffling and dropout")
    if dev is not None:
        X_dev, _ = check_inputs(dev[0], parameters)
        if X_dev.shape[1] == 0:
            raise ValueError(f"dev X must hold at least one example (column); got shape {X_dev.shape}")
        X_dev = X_dev.astype(dtype, copy=False)
        Y_dev = check_labels(dev[1], loss, (n_y, X_dev.shape[1]), dtype)
    initialize_optimizer(parameters, optimizer)  # validates the name
    net = TrainingState(parameters, L, optimizer, (beta, beta1, beta2, epsilon))  # the loop's own copy
    activations = layer_activations(L, hidden, output)
    fused = loss.canonical_output == output
    dropout = keep_prob < 1
    classification = output in ("sigmoid", "softmax")
    ss_tot = 0.0 if classification else total_variation(Y)

    full_batch = batch_size is None or batch_size >= m
    if not full_batch:  # one example per row, so mini-batches are row blocks
        X_rows, Y_rows = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)  # (m, n[0]), (m, n[L])
    history = History()
    # With nothing watching epoch by epoch, the outputs of up to BLOCK_OUTPUTS epochs are kept and
    # scored together: one vectorized cost and count per block instead of a dozen NumPy calls per
    # epoch (for small networks, most of an epoch's time). The numbers are the same to the bit.
    # The dev set's scores wait unless early stopping needs them now. The training cost waits
    # only where a late look at it is as good as an early one: where a non-finite cost can come
    # from a NaN output alone, which makes the same step's update non-finite too (bounded outputs
    # scored by their own cross-entropy, logs floored at the smallest normal number, in a dtype
    # whose range holds the largest such sum; no L2 penalty, which could overflow on its own).
    train_block = dev_block = None
    if on_epoch is None and classification:
        if (full_batch and fused and not lambd and _ScoreBlock.worth_it(Y.shape)
                and _ScoreBlock.cost_stays_finite(Y.shape, dtype)):
            train_block = _ScoreBlock(Y.shape, dtype, Y)
        if dev is not None and patience is None and _ScoreBlock.worth_it(Y_dev.shape):
            dev_block = _ScoreBlock(Y_dev.shape, dtype, Y_dev)
    # Mini-batches likewise, under the same conditions: the full ones of an epoch wait and are
    # scored together when the block fills, before a last, smaller batch, or when the epoch ends
    # (whatever watches epochs: an epoch's cost is only known at its end anyway).
    batch_block = None
    if (on_epoch is None and classification and not full_batch and fused and not lambd
            and _ScoreBlock.worth_it((n_y, batch_size)) and _ScoreBlock.cost_stays_finite((n_y, batch_size), dtype)):
        batch_block = _ScoreBlock((n_y, batch_size), dtype)
    blocks = [block for block in (train_block, dev_block) if block is not None]
    block_epochs = min((len(block.outputs) for block in blocks), default=1)  # a flush when one is full
    pending: list[dict] = []  # history records of finished epochs whose scores wait in the blocks

    def record_pending() -> list[float]:
        """Append the pending epochs to the history; return the cost of an unfinished epoch, if any."""
        if not blocks:
            return []
        scores = {name: block.take(loss, output) for name, block in (("train", train_block), ("dev", dev_block))
                  if block is not None}
        # column by column: one list per History field (tolist() gives the floats float() would;
        # a count over an int m is the correctly rounded quotient either way)
        n = len(pending)
        columns = {name: [record[name] for record in pending] for name in pending[0]} if n else {}
        if n and "train" in scores:
            costs, counts = scores["train"]
            columns.update(train_cost=costs[:n].tolist(), train_metric=(counts[:n] / m).tolist())
        if n and "dev" in scores:
            costs, counts = scores["dev"]
            columns.update(dev_cost=[cost + penalty for cost, penalty in zip(costs.tolist(), columns.pop("dev_penalty"))],
                           dev_metric=(counts / X_dev.shape[1]).tolist())
        history.extend(**columns)
        unfinished = [float(cost) for cost in scores["train"][0][len(pending):]] if "train" in scores else []
        pending.clear()
        return unfinished

    def diverged(what: str, epoch: int, alpha: float) -> TrainingDiverged:
        record_pending()  # the history up to the last finished epoch
        return _diverged(what, epoch, alpha, net.parameters_copy(), history)

    def score_waiting_batches(epoch, alpha) -> None:
        """Add the batches waiting in ``batch_block`` to the epoch's sums, in batch order (the
        sums of batch-by-batch scoring, to the bit); a non-finite cost raises, as it would have."""
        nonlocal total_cost, score_sum
        if not batch_block.filled:
            return
        costs, counts = batch_block.take(loss, output)
        for cost in costs:
            cost = float(cost)
            if not np.isfinite(cost):
                raise diverged(f"the cost became {cost}", epoch, alpha)
            total_cost += cost * batch_size
        score_sum += int(np.add.reduce(counts))

    def score(AL, Y_batch, epoch, alpha):
        """(cost, correct count or squared error) of one mini-batch's outputs; a non-finite cost raises."""
        cost = loss.cost(AL, Y_batch) + (l2_penalty(net.parameters, lambd, AL.shape[1]) if lambd else 0.0)
        if not np.isfinite(cost):
            raise diverged(f"the cost became {cost}", epoch, alpha)
        return cost, correct_count(AL, Y_batch, output) if classification else squared_error(AL, Y_batch)

    best = (np.inf, -1, None)  # (dev cost, epoch, flat parameters)
    nan = float("nan")  # the dev fields without a dev set
    workspace = net.workspace(m, dropout=dropout, gather=False) if full_batch else None
    if dev is not None:  # the dev set's forward pass, without dropout, in buffers of its own
        dev_workspace = Workspace(net.dims, X_dev.shape[1], dtype)
    stopped_early = False
    # A run that blows up ends in TrainingDiverged (the finite-cost checks); the overflow
    # warnings NumPy raises on the way there (float32 reaches inf first) are not the message.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            alpha = scheduled_rate(epoch, *schedule) if decay is not None else schedule[0]
            record = {"epoch": epoch, "learning_rate": alpha, "dev_cost": nan, "dev_metric": nan}
            if full_batch:
                if train_block is not None:  # the output goes straight into the block
                    forward_unchecked(X, net.layers, activations, keep_prob, rng, workspace, train_block.next_slot())
                    train_block.keep()
                else:
                    AL = forward_unchecked(X, net.layers, activations, keep_prob, rng, workspace)
                    train_cost, score_sum = score(AL, Y, epoch, alpha)  # the cost itself, as the course records it
                backward_unchecked(workspace.output, Y, None, activations, loss, lambd, fused, workspace=workspace)
                if not net.update(alpha):
                    if train_block is not None:
                        unfinished = record_pending()[0]
                        if not np.isfinite(unfinished):
                            raise diverged(f"the cost became {unfinished}", epoch, alpha)
                    # Saturated outputs keep the cost finite while weights run off to infinity.
                    raise diverged("the parameters became non-finite", epoch, alpha)
            else:
                total_cost, score_sum = 0.0, 0.0
                for rows in _minibatches(m, batch_size, rng):
                    workspace = net.workspace(len(rows), dropout=dropout, gather=True)
                    # gathered rows: contiguous copies, 7x faster than gathering columns
                    X_batch = np.take(X_rows, rows, axis=0, out=workspace.X, mode="clip").T  # (n[0], batch)
                    Y_batch = np.take(Y_rows, rows, axis=0, out=workspace.Y, mode="clip").T  # (n[L], batch)
                    if batch_block is not None and workspace.m == batch_size:
                        forward_unchecked(X_batch, net.layers, activations, keep_prob, rng, workspace, batch_block.next_slot())
                        batch_block.keep(Y_batch)
                    else:
                        AL = forward_unchecked(X_batch, net.layers, activations, keep_prob, rng, workspace)
                        if batch_block is not None:
                            score_waiting_batches(epoch, alpha)  # the earlier batches first
                        cost, batch_score = score(AL, Y_batch, epoch, alpha)
                        total_cost += cost * workspace.m
                        score_sum += batch_score
                    backward_unchecked(workspace.output, Y_batch, None, activations, loss, lambd, fused, workspace=workspace)
                    if not net.update(alpha):
                        if batch_block is not None:  # a non-finite cost of this batch is what to report
                            score_waiting_batches(epoch, alpha)
                        raise diverged("the parameters became non-finite", epoch, alpha)
                    if batch_block is not None and batch_block.full:
                        score_waiting_batches(epoch, alpha)
                if batch_block is not None:
                    score_waiting_batches(epoch, alpha)
                train_cost = total_cost / m  # the example-weighted mean of the batch costs
            if train_block is None:
                record.update(train_cost=train_cost,
                              train_metric=score_sum / m if classification else r2_from_sums(score_sum, ss_tot))

            if dev is not None:
                AL_dev = forward_unchecked(X_dev, net.layers, activations, 1.0, None, dev_workspace,
                                           None if dev_block is None else dev_block.next_slot())
                penalty = l2_penalty(net.parameters, lambd, X_dev.shape[1])
                if dev_block is not None:
                    dev_block.keep()
                    record["dev_penalty"] = penalty  # dev_cost and dev_metric: set when the block is scored
                else:
                    record.update(dev_cost=loss.cost(AL_dev, Y_dev) + penalty,
                                  dev_metric=score_outputs(AL_dev, Y_dev, output))
            if not blocks:
                history.append(**record)
            else:
                pending.append(record)
                if len(pending) == block_epochs:
                    record_pending()
            if on_epoch is not None:
                on_epoch(epoch, history)
            if patience is not None:
                dev_cost = record["dev_cost"]
                if dev_cost < best[0]:
                    best = (dev_cost, epoch, net.flat.copy())
                elif epoch - best[1] >= patience:
                    stopped_early = True
                    break
        record_pending()

    best_epoch = len(history.epoch) - 1
    parameters = net.parameters_copy()
    if patience is not None and restore_best and best[1] >= 0:
        parameters, best_epoch = net.parameters_copy(best[2]), best[1]
    # the gradients' own buffers: this net takes no further step
    return TrainResult(parameters, history, net.last_grads(workspace), best_epoch, stopped_early)


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
