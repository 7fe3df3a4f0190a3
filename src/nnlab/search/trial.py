"""One trial of a search: train a Model on the training split, score it on train and dev.

:func:`run_trial` is the function every executor runs (in this process, in a spawned process, on
a Dask worker), so it lives at the top level of an installed module, takes only picklable
arguments (a :class:`TrialTask`: its number and its :class:`~nnlab.config.Hyperparameters`) and
returns a :class:`TrialRecord`, the one type of a trial's result that the runner, the study
store, the leaderboard and the report share. A trial that crashes or diverges is recorded as failed,
with its reason, and the search goes on; only ``BaseException``\\ s that are not ``Exception``\\ s
(``KeyboardInterrupt``, ``SystemExit``) escape.

Trials see the training and dev splits only (:class:`TrialData`); the test split stays with the
caller for the final estimate of the chosen model.
"""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import threading
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from ..config import Hyperparameters
from ..errors import TrainingDiverged
from ..model import Model
from ..text import shorten
from .pruning import TrialPruned, epoch_watcher

__all__ = [
    "MAX_CURVE_POINTS", "TrialData", "TrialRecord", "TrialTask", "one_blas_thread", "run_trial", "subsample_curves",
]

#: Learning curves in a record keep at most this many epochs (always the first and the last).
MAX_CURVE_POINTS = 200
METRIC_FIELDS = ("dev_metric", "dev_cost", "train_metric", "train_cost")
CURVE_FIELDS = ("epoch", "train_cost", "dev_cost", "train_metric", "dev_metric")
REASON_MAX_CHARS = 500


class TrialData(NamedTuple):
    """The splits a trial trains and is scored on; examples are columns.

    Attributes
    ----------
    X_train : ndarray of shape (n_x, m_train)
    Y_train : ndarray of shape (n_y, m_train)
    X_dev : ndarray of shape (n_x, m_dev)
    Y_dev : ndarray of shape (n_y, m_dev)
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray


@dataclass(frozen=True)
class TrialTask:
    """What a worker needs to run one trial: its number and its complete hyperparameters.

    Attributes
    ----------
    number : int
        The trial's index in the search (stable across resumes).
    hyperparameters : Hyperparameters
        fixed ∪ proposed values ∪ the trial's seed, already validated.
    params : dict
        The values the strategy proposed (already merged into ``hyperparameters``), carried
        into the record.
    report_every : int or None
        Report the dev value to the pruner every that many epochs (None: no pruning).
    objective : {"dev_metric", "dev_cost"}
        The History column the search optimizes (what is reported).
    """

    number: int
    hyperparameters: Hyperparameters
    params: Mapping[str, Any] = field(default_factory=dict)
    report_every: int | None = None
    objective: str = "dev_metric"

    def __post_init__(self):
        if not isinstance(self.hyperparameters, Hyperparameters):
            raise TypeError(f"hyperparameters must be a Hyperparameters; got {type(self.hyperparameters).__name__}")


@dataclass(frozen=True)
class TrialRecord:
    """One trial's result, as the worker measured it and the study stores it.

    Values that cannot be measured (a failed trial, a study written by an older nnlab) are None;
    floats are finite. The study keeps the fields of :meth:`to_json` in one attribute, and
    ``number`` (the index), ``state``, ``params`` and ``seed`` in its own columns.

    Attributes
    ----------
    number : int
        The trial's index in the search.
    state : {"COMPLETE", "PRUNED", "FAIL", "RUNNING"}
        A PRUNED trial holds the scores of the epoch where it was stopped (``epochs_run``).
    params : dict
        The searched values, decoded (``hidden_layers`` as a tuple).
    seed : int or None
        The trial's model seed.
    reason : str or None
        Why it failed, on one line.
    dev_metric, dev_cost, train_metric, train_cost : float or None
        :meth:`Model.evaluate` on each split.
    metric_name : {"accuracy", "r2"} or None
    seconds : float or None
        Wall time of the trial.
    epochs_run : int
    curves : dict of str -> list
        ``epoch``, ``train_cost``, ``dev_cost``, ``train_metric``, ``dev_metric``: at most
        :data:`MAX_CURVE_POINTS` epochs, the last one kept (up to the divergence for a
        diverged trial); None where not finite.
    pid, host : int, str or None
        Where it ran.
    retries : int
        How often an executor had to resubmit it.
    model : tuple or None
        A completed trial's model as :meth:`Model.to_arrays`, from the worker to the runner
        only (so the search keeps its best without training it again): never stored, never
        compared.
    """

    number: int
    state: str = "FAIL"
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    reason: str | None = None
    dev_metric: float | None = None
    dev_cost: float | None = None
    train_metric: float | None = None
    train_cost: float | None = None
    metric_name: str | None = None
    seconds: float | None = None
    epochs_run: int = 0
    curves: Mapping[str, list] = field(default_factory=dict)
    pid: int | None = None
    host: str | None = None
    retries: int = 0
    model: tuple | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready measurements the study stores (not number, state, params, seed, model)."""
        return {name: getattr(self, name) for name in STORED_FIELDS}

    @classmethod
    def from_json(cls, stored: Mapping[str, Any], **known) -> TrialRecord:
        """A record from :meth:`to_json`'s mapping and the ``known`` fields the study holds itself.

        Tolerant of older studies: missing fields take their defaults, unknown keys are ignored,
        a missing ``seconds`` reads 0.0 and missing ``curves`` read empty.
        """
        values = {name: stored[name] for name in STORED_FIELDS if stored.get(name) is not None}
        values.update(known)
        values.setdefault("seconds", 0.0)
        return cls(**values)


RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(TrialRecord))
STORED_FIELDS = tuple(name for name in RECORD_FIELDS if name not in ("number", "state", "params", "seed", "model"))


# threadpoolctl's limits are process-wide. Trials running in several threads of one process (a
# Dask worker with nthreads > 1) share one limit: the first trial to start sets it, the last to
# finish restores the original, so no trial restores the limits under another that still runs.
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS/OpenMP thread (process-wide, reference-counted across threads)."""
    global _blas_users, _blas_limiter
    with _blas_lock:
        if _blas_users == 0:
            _blas_limiter = threadpool_limits(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


def _json_float(value) -> float | None:
    """A Python float, or None for NaN and infinities (strict JSON has neither)."""
    value = float(value)
    return value if math.isfinite(value) else None


def subsample_curves(history: dict[str, list], max_points: int = MAX_CURVE_POINTS) -> dict[str, list]:
    """At most ``max_points`` evenly spaced epochs of a History dict, the first and last included.

    Values become JSON-ready: epochs ints, costs and metrics floats, None where not finite
    (the dev columns of a run without dev data, the cost of a diverging epoch).
    """
    n = len(history["epoch"])
    if n <= max_points:
        keep = np.arange(n)
    else:
        keep = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    curves = {"epoch": [int(history["epoch"][i]) for i in keep]}
    for name in CURVE_FIELDS[1:]:
        curves[name] = [_json_float(history[name][i]) for i in keep]
    return curves


def _one_line(error: BaseException) -> str:
    """The reason a trial failed, on one line: the divergence message, or ``Type: message``."""
    text = str(error) if isinstance(error, TrainingDiverged) else f"{type(error).__name__}: {error}"
    return shorten(text, REASON_MAX_CHARS)


def _metric_name(model) -> str:
    """"accuracy" or "r2": the metric of the model's task."""
    return "r2" if model.targets_.task == "regression" else "accuracy"


def run_trial(task: TrialTask, data: TrialData, reporter=None, alive=None) -> TrialRecord:
    """Train one configuration and score it; never raises for a failing configuration.

    Parameters
    ----------
    task : TrialTask
    data : TrialData
        Training and dev splits.
    reporter : callable, optional
        ``reporter(number, epochs done, dev value) -> prune?``, called every
        ``task.report_every`` epochs (:mod:`nnlab.search.service`); True stops the trial, PRUNED.
    alive : callable, optional
        ``alive() -> bool``, checked every epoch: False stops the trial (FAIL, "search gone").

    Returns
    -------
    TrialRecord
        ``state`` "COMPLETE" (every metric finite; ``model`` holds the trained model), "PRUNED"
        (the scores of its last epoch, ``reason`` saying where) or "FAIL" (with its ``reason``;
        metrics None); ``params`` from the task, ``seed`` from its
        hyperparameters, ``pid`` and ``host`` where it ran, ``retries`` 0.

    Raises
    ------
    TypeError
        Only if ``task`` is not a :class:`TrialTask` (a bug of the caller, not a failing
        trial). ``KeyboardInterrupt`` and other non-``Exception``\\ s pass.
    """
    if not isinstance(task, TrialTask):
        raise TypeError(f"task must be a TrialTask; got {type(task).__name__}")
    start = time.perf_counter()
    measured: dict[str, Any] = {"reason": None}
    model = None
    seen: dict[str, Any] = {}  # the engine's History, as the epoch callback last saw it
    watch = reporter is not None and task.report_every is not None
    on_epoch = None
    if watch or alive is not None:
        on_epoch = epoch_watcher(task.number, task.report_every or 1, task.objective,
                                 reporter if watch else None, alive, seen, task.hyperparameters.epochs)
    try:
        # Overflow in a wild configuration ends as a non-finite cost or metric (a FAIL with its
        # reason), not as NumPy warnings repeated for every such trial.
        with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            model = Model(task.hyperparameters)
            model.fit(data.X_train, data.Y_train, dev=(data.X_dev, data.Y_dev), on_epoch=on_epoch)
            train = model.evaluate(data.X_train, data.Y_train)
            dev = model.evaluate(data.X_dev, data.Y_dev)
        measured["metric_name"] = dev["metric_name"]
        for split, report in (("train", train), ("dev", dev)):
            measured[f"{split}_metric"] = _json_float(report["metric"])
            measured[f"{split}_cost"] = _json_float(report["cost"])
        missing = [name for name in METRIC_FIELDS if measured[name] is None]
        if missing:
            measured.update(dict.fromkeys(METRIC_FIELDS), reason=f"non-finite {', '.join(missing)} after training")
        else:
            measured.update(state="COMPLETE", model=model.to_arrays())  # the search keeps the best: no retraining
    except TrialPruned as pruned:
        last = {name: values[-1] for name, values in seen["history"].as_dict().items() if values}
        measured.update({name: _json_float(last[name]) for name in METRIC_FIELDS}, state="PRUNED",
                        metric_name=_metric_name(model))
        measured["reason"] = f"pruned at epoch {pruned.step}"
    except Exception as error:  # a failed configuration is a result; KeyboardInterrupt is not caught
        measured["reason"] = _one_line(error)
    history = getattr(model, "history_", None) or seen.get("history")  # a diverged or stopped run keeps its curves
    curves = subsample_curves(history.as_dict()) if history is not None else {name: [] for name in CURVE_FIELDS}
    return TrialRecord(
        number=int(task.number), params=dict(task.params), seed=task.hyperparameters.seed, **measured,
        epochs_run=len(history.epoch) if history is not None else 0, curves=curves,
        seconds=time.perf_counter() - start, pid=os.getpid(), host=socket.gethostname(),
    )
