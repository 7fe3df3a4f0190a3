"""The training loop's record: per-epoch costs and metrics (:class:`History`), scored as they come
or in blocks (:class:`Scorer`).

Without anything watching epoch by epoch, outputs wait in a :class:`ScoreBlock` and are scored
together: one vectorized cost and count per block instead of a dozen NumPy calls per epoch (for
small networks, most of an epoch's time). The numbers are the same to the bit, and a divergence
is reported at the same epoch with the same history and parameters as scoring each output at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import numpy as np

from ..errors import TrainingDiverged
from .losses import Loss, SampleWeights, l2_penalty_unchecked, weighted_cost
from .metrics import correct_count, r2_from_sums, score_outputs, squared_error, total_variation

__all__ = ["BLOCK_ENTRIES", "BLOCK_OUTPUTS", "History", "ScoreBlock", "Scorer"]

#: Outputs scored together: at most this many epochs or mini-batches, holding at most
#: BLOCK_ENTRIES output values per block (512 KiB of float64, twice that for mini-batches,
#: whose targets are kept too).
BLOCK_OUTPUTS = 256
BLOCK_ENTRIES = 1 << 16
_NAN = float("nan")  # the dev fields without a dev set


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


class ScoreBlock:
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
    def usable(cls, shape: tuple, dtype) -> bool:
        """Whether outputs of ``shape`` can wait: a block holds at least two of them, and the
        cross-entropy of a finite output is finite in ``dtype`` (each term is at most -log(smallest
        normal), and all of them must sum within the dtype's range: always in float32 and float64;
        float16 overflows past about 6,700 terms), so a late look at a cost is as good as an early one."""
        info = np.finfo(dtype)
        return cls.capacity(shape) >= 2 and int(np.prod(shape)) * -float(np.log(info.tiny)) < float(info.max)

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

    def take(self, loss: Loss, output: str):
        """``(costs, correct counts)`` of the kept outputs (arrays) and empty the block.

        Each cost is bit-identical to ``loss.cost`` of that output alone: the costs reduce over
        each output's own entries in the same order.
        """
        stack = self.outputs[: self.filled]
        Y = self.Y if self.targets is None else self.targets[: self.filled]
        self.filled = 0
        return np.atleast_1d(loss.cost(stack, Y)), np.atleast_1d(correct_count(stack, Y, output))


class Scorer:
    """Scores a run's outputs into its :class:`History`: each one as it comes, or in blocks.

    The loop calls, per epoch: :meth:`start_epoch`; per mini-batch :meth:`train_slot` (where the
    forward pass may write its output) and :meth:`add` (before the update), and
    :meth:`step_diverged` when the update went non-finite; then :meth:`end_epoch` with the dev
    set's output (written to :meth:`dev_slot`); and :meth:`finish` after the last epoch.

    Blocks are used only where nothing watches epoch by epoch (``watched`` False) and only where a
    late look at a cost is as good as an early one: classification outputs scored by their own
    cross-entropy (``fused``), whose non-finite cost can come from a NaN output alone, which makes
    the same step's update non-finite too; no L2 penalty (which could overflow on its own); and no
    early stopping for the dev set's block (it needs each dev cost at once).

    Parameters
    ----------
    loss : Loss
    output : str
    Y : ndarray of shape (n[L], m)
        The training targets.
    Y_dev : ndarray of shape (n[L], m_dev), or None
    batch_size : int or None
        None: full batch (one output per epoch, its cost recorded as it is).
    lambd : float
        L2 strength (the penalty is added to every cost).
    state : TrainingState
        The run's parameters (:class:`~nnlab.engine.buffers.TrainingState`): live ones for the
        L2 term, a copy for :class:`~nnlab.errors.TrainingDiverged`.
    weights, dev_weights : SampleWeights, optional
        Example weights of the training and dev sets: their costs and metrics are the weighted
        ones (each batch's weights come to :meth:`add`); scored one output at a time.
    """

    def __init__(self, loss: Loss, output: str, Y: np.ndarray, Y_dev: np.ndarray | None, *, batch_size: int | None,
                 lambd: float, fused: bool, watched: bool, early_stopping: bool, state,
                 weights: SampleWeights | None = None, dev_weights: SampleWeights | None = None):
        self.loss, self.output, self.Y, self.Y_dev, self.lambd = loss, output, Y, Y_dev, lambd
        self.m, self.batch_size, self.state = Y.shape[1], batch_size, state
        self.dev_weights = dev_weights
        self.total = self.m if weights is None else weights.total  # the epoch's sums are divided by it
        self.classification = output in ("sigmoid", "softmax")
        with np.errstate(over="ignore", invalid="ignore"):  # targets near 1e155 square to inf: the cost says so
            self.ss_tot = 0.0 if self.classification else total_variation(Y, None if weights is None else weights.w)
        self.history = History()
        blocks_allowed = not watched and self.classification and weights is None and dev_weights is None
        scored_late = blocks_allowed and fused and not lambd  # the training outputs' conditions
        shape = (Y.shape[0], batch_size or self.m)
        usable = scored_late and ScoreBlock.usable(shape, Y.dtype)
        self.train_block = ScoreBlock(Y.shape, Y.dtype, Y) if usable and batch_size is None else None
        self.batch_block = ScoreBlock(shape, Y.dtype) if usable and batch_size is not None else None
        self.dev_block = None
        if blocks_allowed and Y_dev is not None and not early_stopping and ScoreBlock.capacity(Y_dev.shape) >= 2:
            self.dev_block = ScoreBlock(Y_dev.shape, Y_dev.dtype, Y_dev)
        self.blocks = [block for block in (self.train_block, self.dev_block) if block is not None]
        self.block_epochs = min((len(block.outputs) for block in self.blocks), default=1)  # a flush when one is full
        self.pending: list[dict] = []  # records of finished epochs whose scores wait in the blocks
        self._slotted: ScoreBlock | None = None

    # ------------------------------------------------------------------ training outputs
    def start_epoch(self, epoch: int, alpha: float) -> None:
        self.epoch, self.alpha = epoch, alpha
        self.record = {"epoch": epoch, "learning_rate": alpha, "dev_cost": _NAN, "dev_metric": _NAN}
        self.total_cost, self.score_sum = 0.0, 0.0

    def train_slot(self, m: int) -> np.ndarray | None:
        """Where the forward pass of a (mini-)batch of ``m`` examples should put its output: a
        block's next slot, or None (the output is scored at once, from wherever it is)."""
        block = self.train_block
        if block is None and m == self.batch_size and self.batch_block is not None:
            block = self.batch_block
            if block.full:  # filled by the batches before
                self._score_waiting_batches()
        self._slotted = block
        return None if block is None else block.next_slot()

    def add(self, AL: np.ndarray, Y: np.ndarray, weights: SampleWeights | None = None) -> None:
        """Record one (mini-)batch's output (before the update), with the batch's example weights."""
        if self._slotted is not None:
            self._slotted.keep(Y)  # (a block of epochs keeps no targets: they are its Y)
            return
        if self.batch_block is not None:
            self._score_waiting_batches()  # the earlier batches first
        cost, score = self._score(AL, Y, weights)
        if self.batch_size is None:
            self.total_cost = cost  # the cost itself, as the course records it
        else:
            self.total_cost += cost * (AL.shape[1] if weights is None else weights.total)
        self.score_sum += score

    def step_diverged(self) -> TrainingDiverged:
        """The error for an update that went non-finite (raised here instead when the cost of
        the step's output, still waiting in a block, was already non-finite: that comes first)."""
        if self.train_block is not None:
            unfinished = self._record_pending()[0]
            if not np.isfinite(unfinished):
                raise self.diverged(f"the cost became {unfinished}")
        if self.batch_block is not None:
            self._score_waiting_batches()
        # Saturated outputs keep the cost finite while weights run off to infinity.
        return self.diverged("the parameters became non-finite")

    def _score(self, AL, Y, weights: SampleWeights | None = None) -> tuple[float, float]:
        """(cost, correct count or squared error) of one output (weighted with ``weights``); a
        non-finite cost raises."""
        m, w = (AL.shape[1], None) if weights is None else (weights.total, weights.w)
        penalty = l2_penalty_unchecked(self.state.parameters, self.lambd, m) if self.lambd else 0.0
        cost = (self.loss.cost(AL, Y) if w is None else weighted_cost(self.loss, AL, Y, weights)) + penalty
        if not np.isfinite(cost):
            raise self.diverged(f"the cost became {cost}")
        return cost, correct_count(AL, Y, self.output, w) if self.classification else squared_error(AL, Y, w)

    def _score_waiting_batches(self) -> None:
        """Add the batches waiting in the block to the epoch's sums, in batch order (the sums of
        batch-by-batch scoring, to the bit); a non-finite cost raises, as it would have."""
        if not self.batch_block.filled:
            return
        costs, counts = self.batch_block.take(self.loss, self.output)
        for cost in costs:
            cost = float(cost)
            if not np.isfinite(cost):
                raise self.diverged(f"the cost became {cost}")
            self.total_cost += cost * self.batch_size
        self.score_sum += int(np.add.reduce(counts))

    # ------------------------------------------------------------------ the epoch's end
    def dev_slot(self) -> np.ndarray | None:
        """Where the dev set's forward pass should put its output (None: anywhere)."""
        return None if self.dev_block is None else self.dev_block.next_slot()

    def end_epoch(self, AL_dev: np.ndarray | None) -> float:
        """Close the epoch's record with the dev set's output ``AL_dev`` (None without a dev set;
        its cost includes the L2 term); return its dev cost (NaN while it waits in a block)."""
        if self.batch_block is not None:
            self._score_waiting_batches()  # (may raise: before the dev output counts)
        if self.train_block is None:
            train_cost = self.total_cost if self.batch_size is None else self.total_cost / self.total  # example-weighted
            metric = self.score_sum / self.total if self.classification else r2_from_sums(self.score_sum, self.ss_tot)
            self.record.update(train_cost=train_cost, train_metric=metric)
        if AL_dev is not None and self.dev_weights is not None:
            weights = self.dev_weights
            self.record.update(
                dev_cost=weighted_cost(self.loss, AL_dev, self.Y_dev, weights)
                + l2_penalty_unchecked(self.state.parameters, self.lambd, weights.total),
                dev_metric=score_outputs(AL_dev, self.Y_dev, self.output, weights.w))
        elif AL_dev is not None:
            penalty = l2_penalty_unchecked(self.state.parameters, self.lambd, AL_dev.shape[1])
            if self.dev_block is not None:
                self.dev_block.keep()
                self.record["dev_penalty"] = penalty  # dev_cost and dev_metric: set when the block is scored
            else:
                self.record.update(dev_cost=self.loss.cost(AL_dev, self.Y_dev) + penalty,
                                   dev_metric=score_outputs(AL_dev, self.Y_dev, self.output))
        if not self.blocks:
            self.history.append(**self.record)
        else:
            self.pending.append(self.record)
            if len(self.pending) == self.block_epochs:
                self._record_pending()
        return self.record["dev_cost"]

    def finish(self) -> History:
        self._record_pending()
        return self.history

    def diverged(self, what: str) -> TrainingDiverged:
        """The error that ends a run whose cost or parameters became non-finite."""
        self._record_pending()  # the history up to the last finished epoch
        alpha = self.alpha
        return TrainingDiverged(
            f"training diverged: {what} at epoch {self.epoch} (counting from 0) with learning rate {alpha:g}; "
            f"try a smaller learning rate (e.g. {alpha / 10:g})",
            epoch=self.epoch, learning_rate=alpha, parameters=self.state.parameters_copy(), history=self.history,
        )

    def _record_pending(self) -> list[float]:
        """Append the pending epochs to the history; return the costs of an unfinished epoch, if any."""
        if not self.blocks:
            return []
        scores = {name: block.take(self.loss, self.output)
                  for name, block in (("train", self.train_block), ("dev", self.dev_block)) if block is not None}
        # column by column: one list per History field (tolist() gives the floats float() would;
        # a count over an int m is the correctly rounded quotient either way)
        pending, n = self.pending, len(self.pending)
        columns = {name: [record[name] for record in pending] for name in pending[0]} if n else {}
        if n and "train" in scores:
            costs, counts = scores["train"]
            columns.update(train_cost=costs[:n].tolist(), train_metric=(counts[:n] / self.m).tolist())
        if n and "dev" in scores:
            costs, counts = scores["dev"]
            columns.update(dev_cost=[cost + penalty for cost, penalty in zip(costs.tolist(), columns.pop("dev_penalty"))],
                           dev_metric=(counts / self.Y_dev.shape[1]).tolist())
        self.history.extend(**columns)
        unfinished = [float(cost) for cost in scores["train"][0][n:]] if "train" in scores else []
        pending.clear()
        return unfinished
