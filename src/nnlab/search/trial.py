"""One trial of a search: train a Model on the training split, score it on train and dev.

:func:`run_trial` is the function every executor runs (in this process, in a spawned process, on
a Dask worker), so it lives at the top level of an installed module, takes only picklable
arguments and returns a JSON-ready dict. A trial that crashes or diverges is recorded as failed,
with its reason, and the search goes on; only ``BaseException``\\ s that are not ``Exception``\\ s
(``KeyboardInterrupt``, ``SystemExit``) escape.

Trials see the training and dev splits only (:class:`TrialData`); the test split stays with the
caller for the final estimate of the chosen model.
"""

from __future__ import annotations

import math
import os
import socket
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator, NamedTuple

import numpy as np
from threadpoolctl import threadpool_limits

from ..config import Hyperparameters
from ..errors import TrainingDiverged
from ..model import Model

__all__ = ["MAX_CURVE_POINTS", "TrialData", "one_blas_thread", "run_trial", "subsample_curves"]

#: Learning curves in an outcome keep at most this many epochs (always the first and the last).
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
    text = " ".join(text.split())
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 3] + "..."


def run_trial(task: dict[str, Any], data: TrialData) -> dict[str, Any]:
    """Train one configuration and score it; never raises for a failing configuration.

    Parameters
    ----------
    task : dict
        ``{"number": int, "params": dict, "hyperparameters": dict}``; ``hyperparameters`` is a
        complete :meth:`Hyperparameters.to_dict` (the seed included), ``params`` the values the
        strategy proposed (not read here: they are already merged into ``hyperparameters``).
    data : TrialData
        Training and dev splits.

    Returns
    -------
    dict
        JSON-ready: ``number``; ``state`` "COMPLETE" or "FAIL"; ``reason`` (None, or one line);
        ``dev_metric``, ``dev_cost``, ``train_metric``, ``train_cost`` (:meth:`Model.evaluate`
        on each split, None on failure); ``metric_name`` ("accuracy" or "r2", None when the
        labels could not be read); ``seconds`` (wall time); ``epochs_run``; ``curves``
        (``epoch``, ``train_cost``, ``dev_cost``, ``train_metric``, ``dev_metric``, at most
        :data:`MAX_CURVE_POINTS` epochs, the last one kept; up to the divergence for a diverged
        trial); ``pid`` and ``host`` where it ran; ``retries`` (0 here; an executor that had to
        resubmit the trial raises it). Only a completed trial has ``model``, the one entry that
        is not JSON: the trained model as :meth:`Model.to_arrays`, so the search can keep its
        best without training it again.

    Raises
    ------
    TypeError, KeyError
        Only if ``task`` is not a dict with ``number`` and ``hyperparameters`` (a bug of the
        caller, not a failing trial). ``KeyboardInterrupt`` and other non-``Exception``\\ s pass.
    """
    if not isinstance(task, dict):
        raise TypeError(f"task must be a dict with number, params and hyperparameters; got {type(task).__name__}")
    number = int(task["number"])
    hyperparameters = task["hyperparameters"]
    start = time.perf_counter()
    outcome: dict[str, Any] = {
        "number": number, "state": "FAIL", "reason": None,
        **dict.fromkeys(METRIC_FIELDS),
        "metric_name": None, "seconds": None, "epochs_run": 0,
        "curves": {name: [] for name in CURVE_FIELDS},
        "pid": os.getpid(), "host": socket.gethostname(), "retries": 0,
    }
    model = None
    try:
        # Overflow in a wild configuration ends as a non-finite cost or metric (a FAIL with its
        # reason), not as NumPy warnings repeated for every such trial.
        with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            model = Model(Hyperparameters.from_dict(hyperparameters))
            model.fit(data.X_train, data.Y_train, dev=(data.X_dev, data.Y_dev))
            train = model.evaluate(data.X_train, data.Y_train)
            dev = model.evaluate(data.X_dev, data.Y_dev)
        outcome["metric_name"] = dev["metric_name"]
        for split, report in (("train", train), ("dev", dev)):
            outcome[f"{split}_metric"] = _json_float(report["metric"])
            outcome[f"{split}_cost"] = _json_float(report["cost"])
        missing = [name for name in METRIC_FIELDS if outcome[name] is None]
        if missing:
            outcome["reason"] = f"non-finite {', '.join(missing)} after training"
            outcome.update(dict.fromkeys(METRIC_FIELDS))
        else:
            outcome["state"] = "COMPLETE"
            outcome["model"] = model.to_arrays()  # the search keeps the best one: no retraining
    except Exception as error:  # a failed configuration is a result; KeyboardInterrupt is not caught
        outcome["reason"] = _one_line(error)
    history = getattr(model, "history_", None)  # a diverged run keeps the curves up to its last finite epoch
    if history is not None:
        outcome["epochs_run"] = len(history.epoch)
        outcome["curves"] = subsample_curves(history.as_dict())
    outcome["seconds"] = time.perf_counter() - start
    return outcome
