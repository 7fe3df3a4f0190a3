"""From the user's labels to the network's targets and back.

A user passes labels as they have them — a (1, m) row of 0/1, an integer class vector, class
names, one-hot columns or real values — and :func:`infer_targets` decides the task:

======================  =============  ===========================  ==============
labels                  task           output layer + cost          targets Y
======================  =============  ===========================  ==============
two classes             binary         sigmoid + cross-entropy      (1, m) of 0/1
three or more classes   multiclass     softmax + categorical CE     one-hot (C, m)
real values             regression     linear + mean squared error  (n_y, m)
======================  =============  ===========================  ==============

The classes are kept (sorted) so predictions come back as the user's own labels.

The task can be named instead (``task="classification"`` or ``"regression"``; ``--task`` on the
command line). Unnamed, the rule above applies, with one exception: whole numbers with many
distinct values and few examples of each (more than :data:`MAX_GUESSED_CLASSES` values, fewer
than :data:`MIN_EXAMPLES_PER_CLASS` examples per value on average) could be counts or ages as well
as classes, so :func:`infer_targets` stops and asks for the task rather than guess a softmax
over dozens of classes.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .engine.metrics import binary_predictions
from .engine.validation import check_finite, describe

__all__ = [
    "MAX_GUESSED_CLASSES", "MIN_EXAMPLES_PER_CLASS", "TASKS", "Targets", "check_label_array", "infer_targets",
    "is_one_hot",
]

TASKS = ("classification", "regression")
MAX_GUESSED_CLASSES = 10
MIN_EXAMPLES_PER_CLASS = 20
TASK_OUTPUT = {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


def check_label_array(Y) -> np.ndarray:
    """Labels as an array of shape (n_y, m) (a vector becomes a row), validated once: numbers
    (finite) or strings, 2-D, at least one example. The functions below that end in
    ``_unchecked`` take what this returns."""
    Y = np.asarray(Y)
    if Y.dtype == object:  # pandas' string columns (df["species"].to_numpy()), or numbers
        Y = _object_labels(Y)
    if Y.ndim == 1:
        Y = Y.reshape(1, -1)
    if Y.ndim != 2:
        raise ValueError(f"Y must be a (1, m) row, a vector of m labels, or (n_y, m); got shape {Y.shape}")
    if Y.shape[1] == 0:
        raise ValueError("Y must hold at least one example; got 0 columns")
    if np.issubdtype(Y.dtype, np.number) or Y.dtype == bool:
        check_finite(Y.astype(np.float64), "Y")
    return Y


def _object_labels(Y: np.ndarray) -> np.ndarray:
    """An object array of labels as strings (every item a str) or float64 (every item a real
    number); a mix, or anything else, is a TypeError naming what it holds."""
    items = Y.ravel().tolist()
    if all(isinstance(item, str) for item in items):
        return Y.astype(str)
    if all(isinstance(item, numbers.Real) and not isinstance(item, bool) for item in items):
        return Y.astype(np.float64)
    kinds = ", ".join(sorted({type(item).__name__ for item in items}))
    raise TypeError(f"Y must hold numbers or strings, one kind only; got an object array of shape {Y.shape} holding {kinds}")


def is_one_hot(Y) -> bool:
    """Whether ``Y`` (C, m) holds one-hot columns: numbers (or bools), each 0 or 1, exactly one 1
    per column. The one such check of the project (the data loaders and splits call it too)."""
    Y = np.asarray(Y)
    return (
        Y.dtype.kind in "biuf"
        and bool(np.isin(Y, (0, 1)).all())
        and bool((Y.sum(axis=0) == 1).all())
    )


@dataclass(frozen=True)
class Targets:
    """How labels map to network outputs: the task, its output activation and the classes."""

    task: str  # binary | multiclass | regression
    classes: np.ndarray | None  # sorted class labels (classification), None for regression
    n_outputs: int  # n[L]

    @property
    def output(self) -> str:
        return TASK_OUTPUT[self.task]

    def encode(self, Y, dtype=np.float64) -> np.ndarray:
        """Labels -> targets of shape (n[L], m) in ``dtype``.

        Raises ``ValueError`` for labels outside the known classes or of the wrong shape.
        """
        return self.encode_unchecked(check_label_array(Y), dtype)

    def encode_unchecked(self, Y: np.ndarray, dtype=np.float64) -> np.ndarray:
        """:meth:`encode` for labels that :func:`check_label_array` returned."""
        if self.task == "regression":
            if not np.issubdtype(Y.dtype, np.number) or Y.shape[0] != self.n_outputs:
                raise ValueError(f"Y must be real targets of shape ({self.n_outputs}, m); got {describe(Y)}")
            with np.errstate(over="ignore"):
                targets = Y.astype(dtype)
            if targets.dtype.itemsize < Y.dtype.itemsize:  # a narrower dtype: finite values may overflow
                check_finite(targets, "Y")
            return targets
        if Y.shape[0] > 1:  # one-hot columns
            if not is_one_hot(Y) or Y.shape[0] != len(self.classes):
                raise ValueError(
                    f"Y must be a row of labels or one-hot columns of shape ({len(self.classes)}, m); got {describe(Y)}"
                )
            index = np.argmax(Y, axis=0)
        else:
            row = Y[0]
            unknown = ~np.isin(row, self.classes)
            if unknown.any():
                raise ValueError(
                    f"Y holds labels outside the known classes {self.classes.tolist()}: "
                    f"{sorted(set(row[unknown].tolist()))[:5]}"
                )
            index = np.searchsorted(self.classes, row)
        if self.task == "binary":
            return index.reshape(1, -1).astype(dtype)
        one_hot = np.zeros((len(self.classes), index.size), dtype=dtype)
        one_hot[index, np.arange(index.size)] = 1
        return one_hot

    def class_indices(self, AL: np.ndarray) -> np.ndarray:
        """Network outputs (n[L], m) -> predicted class index per example, shape (m,)."""
        if self.task == "binary":
            return binary_predictions(AL[0]).astype(np.int64)
        return np.argmax(AL, axis=0)

    def decode(self, AL: np.ndarray) -> np.ndarray:
        """Network outputs -> predictions: class labels of shape (1, m), or regression values."""
        if self.task == "regression":
            return AL
        return self.classes[self.class_indices(AL)].reshape(1, -1)


def infer_targets(Y, output: str | None = None, task: str | None = None) -> Targets:
    """Decide the task from the labels (and an optional output or task).

    Parameters
    ----------
    Y : array-like of shape (1, m), (m,) or (n_y, m)
    output : {None, "sigmoid", "softmax", "linear"}
        None infers: real values -> linear, two classes -> sigmoid, more -> softmax.
    task : {None, "classification", "regression"}
        None infers it (see the module); "regression" is a linear output, "classification"
        sigmoid or softmax by the number of classes.

    Raises
    ------
    ValueError
        One class only; non-integer labels for a classifier; more than two classes with a
        sigmoid output; a task that contradicts the output; whole-number labels that look like
        a regression when neither task nor output is given (the message asks for the task).
    """
    return infer_targets_unchecked(check_label_array(Y), output, task)


def infer_targets_unchecked(Y: np.ndarray, output: str | None = None, task: str | None = None) -> Targets:
    """:func:`infer_targets` for labels that :func:`check_label_array` returned."""
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {list(TASKS)} or None; got {task!r}")
    if task == "regression":
        if output not in (None, "linear"):
            raise ValueError(f"task='regression' needs a linear output; got output={output!r}")
        output = "linear"
    elif task == "classification" and output == "linear":
        raise ValueError("task='classification' needs a sigmoid or softmax output; got output='linear'")
    numeric = np.issubdtype(Y.dtype, np.number) or Y.dtype == bool
    if output == "linear" or (output is None and numeric and Y.shape[0] > 1 and not is_one_hot(Y)):
        if not numeric:
            raise ValueError(f"Y must be numeric for a linear (regression) output; got {describe(Y)}")
        return Targets("regression", None, Y.shape[0])
    if Y.shape[0] > 1:
        if not is_one_hot(Y):
            raise ValueError(f"Y with {Y.shape[0]} rows must be one-hot class columns (or use output='linear'); got {describe(Y)}")
        classes = np.arange(Y.shape[0])
    else:
        row = Y[0]
        if numeric and Y.dtype != bool and not np.all(np.equal(np.mod(row, 1), 0)):
            if output is None and task is None:
                return Targets("regression", None, 1)
            raise ValueError(
                f"Y must hold class labels (integers or names) for a {output} output; got non-integer values "
                f"such as {row[np.mod(row, 1) != 0][0]!r}"
            )
        classes = np.unique(row)
        if numeric and np.all(np.abs(classes) < 2**53):  # whole numbers: keep them as ints
            classes = classes.astype(np.int64)
    if (task is None and output is None and numeric and Y.dtype != bool and Y.shape[0] == 1
            and classes.size > MAX_GUESSED_CLASSES and Y.shape[1] < MIN_EXAMPLES_PER_CLASS * classes.size):
        raise ValueError(
            f"the labels are {classes.size} different whole numbers ({classes[0].item()!r} to {classes[-1].item()!r}) "
            f"over {Y.shape[1]} examples, about {Y.shape[1] / classes.size:.0f} each: a regression target or "
            "classes? Say which with --task regression or --task classification (task=... in Python)"
        )
    if classes.size < 2:
        raise ValueError(f"Y holds one class only ({classes.tolist()}); a classifier needs at least two")
    if classes.size == 2 and output in (None, "sigmoid"):
        return Targets("binary", classes, 1)
    if output == "sigmoid":
        raise ValueError(f"a sigmoid output needs two classes; Y holds {classes.size}: use softmax")
    return Targets("multiclass", classes, classes.size)
