"""Pruning: trials report their dev value every few epochs, and an Optuna pruner stops the hopeless.

What a worker runs and what the main process decides are kept apart:

- in the trial (any process, any machine): :func:`epoch_watcher` builds the engine's
  ``on_epoch`` callback; every :attr:`PrunerConfig.interval` epochs it sends
  ``(trial number, epochs done, dev value)`` to a *reporter* and raises :class:`TrialPruned`
  when the answer is "prune";
- in the main process, which alone holds the study: :class:`~nnlab.search.service.PruningService`
  calls Optuna's ``trial.report(value, step)`` and ``trial.should_prune()`` and answers.

The reporter is the only part that depends on the executor (:mod:`nnlab.search.service`): a direct
call (serial), a socket to the main process (local processes), a Dask queue (cluster).

The pruners are Optuna's own (:func:`make_pruner`): ``MedianPruner``, ``SuccessiveHalvingPruner``,
``HyperbandPruner``; the step they see is the number of epochs a trial has trained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

__all__ = [
    "PRUNERS",
    "PrunerConfig",
    "SearchGone",
    "TrialPruned",
    "epoch_watcher",
    "make_pruner",
]

PRUNERS = ("none", "median", "successive_halving", "hyperband")
#: The [pruner] keys each pruner takes (``interval``: report every that many epochs).
PRUNER_KEYS = {
    "none": (),
    "median": ("interval", "warmup", "startup_trials"),
    "successive_halving": ("interval", "min_resource", "reduction_factor"),
    "hyperband": ("interval", "min_resource", "reduction_factor"),
}
DEFAULT_INTERVAL = 10
DEFAULT_REDUCTION = 3
DEFAULT_MEDIAN_STARTUP = 5


class TrialPruned(Exception):
    """Raised from the training callback when the pruner stops a trial at ``step`` epochs."""

    def __init__(self, step: int, value: float):
        super().__init__(f"pruned at epoch {step}")
        self.step, self.value = step, value


class SearchGone(Exception):
    """Raised from the training callback when the search that submitted the trial is gone."""


@dataclass(frozen=True)
class PrunerConfig:
    """The pruner of a search (TOML: ``[search] pruner`` and the ``[pruner]`` table).

    Attributes
    ----------
    kind : {"none", "median", "successive_halving", "hyperband"}
    interval : int
        Trials report their dev value every ``interval`` epochs.
    min_resource : int or None
        Successive halving and Hyperband: epochs before the first rung (None: ``interval``).
    reduction_factor : int
        Successive halving and Hyperband: 1 in ``reduction_factor`` trials goes on at each rung.
    warmup : int
        Median: epochs before a trial can be pruned.
    startup_trials : int
        Median: trials that finish before any is pruned.
    """

    kind: str = "none"
    interval: int = DEFAULT_INTERVAL
    min_resource: int | None = None
    reduction_factor: int = DEFAULT_REDUCTION
    warmup: int = 0
    startup_trials: int = DEFAULT_MEDIAN_STARTUP

    @property
    def enabled(self) -> bool:
        return self.kind != "none"

    def to_dict(self) -> dict:
        """The [pruner] table: the keys of this kind only."""
        return {key: getattr(self, key) for key in PRUNER_KEYS[self.kind]}


def make_pruner(config: PrunerConfig, max_epochs: int | None):
    """The Optuna pruner of ``config`` (``NopPruner`` for "none").

    ``max_epochs``: every trial's epoch budget, Hyperband's maximum resource (None: Optuna's
    "auto", the steps of the first finished trial).
    """
    import optuna

    pruners = optuna.pruners
    minimum = config.min_resource if config.min_resource is not None else config.interval
    if config.kind == "median":
        return pruners.MedianPruner(n_startup_trials=config.startup_trials, n_warmup_steps=config.warmup,
                                    interval_steps=1)
    if config.kind == "successive_halving":
        return pruners.SuccessiveHalvingPruner(min_resource=minimum, reduction_factor=config.reduction_factor)
    if config.kind == "hyperband":
        return pruners.HyperbandPruner(min_resource=minimum, max_resource=max_epochs or "auto",
                                       reduction_factor=config.reduction_factor)
    return pruners.NopPruner()


Reporter = Callable[[int, int, float], bool]
"""``reporter(trial number, epochs done, dev value) -> prune?``; raises :class:`SearchGone`."""


def epoch_watcher(number: int, interval: int, field: str, reporter: Reporter | None,
                  alive: Callable[[], bool] | None = None, holder: dict | None = None, budget: int | None = None):
    """The ``on_epoch(epoch, history)`` callback of one trial.

    Parameters
    ----------
    number : int
        The trial's number.
    interval : int
        Report every ``interval`` epochs (epochs done, counted from 1).
    field : {"dev_metric", "dev_cost"}
        The History column the search optimizes.
    reporter : callable or None
        ``reporter(number, step, value) -> bool``; None: nothing is reported.
    alive : callable, optional
        Checked every epoch; False raises :class:`SearchGone`.
    holder : dict, optional
        Receives ``holder["history"]``: the engine's History, so a stopped trial keeps its curves.
    budget : int, optional
        The trial's epochs: the last epoch is not reported (the trial completes; pruning it
        there would save nothing).

    Raises (from the callback)
    --------------------------
    TrialPruned, SearchGone
    """

    def on_epoch(epoch: int, history) -> None:
        if holder is not None:
            holder["history"] = history
        if alive is not None and not alive():
            raise SearchGone("the search that submitted this trial is gone")
        step = epoch + 1
        if reporter is None or step % interval or (budget is not None and step >= budget):
            return
        value = float(getattr(history, field)[-1])
        if math.isfinite(value) and reporter(number, step, value):
            raise TrialPruned(step, value)

    return on_epoch
