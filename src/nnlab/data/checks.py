"""Checks shared by the file readers: the path, and the arrays read from a file (numbers, finite,
labels of one of the accepted shapes). Each failure is one :class:`~nnlab.errors.DataError` line
that names the file (``where``) and what was expected and found."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..labels import is_one_hot

__all__ = ["as_numeric", "check_finite", "check_labels", "existing_file", "shown"]


def existing_file(path, kind: str, error: type[Exception] = DataError) -> Path:
    """``path`` as a Path, or ``error`` (one line) if it is not an existing regular file."""
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise error(f"expected a path to a {kind} file; got {path!r}") from None
    if not path.exists():
        raise error(f"{path}: no such {kind} file")
    if not path.is_file():
        raise error(f"{path}: expected a {kind} file; found a directory or special file")
    return path


def check_finite(X: np.ndarray, where: str, name: str = "X") -> None:
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)
        i, j = (int(k) for k in bad[0])
        raise DataError(
            f"{where}: {name} holds {bad.shape[0]} NaN or infinite value(s); the first is "
            f"{float(X[i, j])!r} at row {i}, column {j} (example {j})"
        )


def as_numeric(x: np.ndarray, where: str, name: str) -> np.ndarray:
    """Numeric (bool, int, float) ``x`` as float64 (``x`` itself if it is already: the readers
    pass arrays they have just read); DataError for strings, complex, objects."""
    if x.dtype.kind not in "biuf":
        raise DataError(
            f"{where}: {name} must hold numbers; found an array of dtype {x.dtype}"
        )
    return x.astype(np.float64, copy=False)


def check_labels(y: np.ndarray, m: int, where: str, name: str) -> np.ndarray:
    """Check labels already oriented as ``(1, m)`` or ``(C, m)`` and normalise their dtype.

    Booleans and unsigned integers become int64 (so ``1 - Y`` cannot wrap), bytes become str;
    numeric labels must be finite and a ``(C, m)`` matrix with ``C > 1`` must be one-hot.
    """
    if y.ndim != 2 or y.shape[1] != m:
        raise DataError(
            f"{where}: {name} must hold one label per example: shape ({m},), (1, {m}) or "
            f"(C, {m}); got {y.shape}"
        )
    kind = y.dtype.kind
    if kind in "bu":
        y = y.astype(np.int64)
    elif kind == "S":
        y = np.char.decode(y, "utf-8", errors="replace").astype(str)
    elif kind == "O":  # h5py's variable-length strings (never an unpickled object)
        if not all(isinstance(v, (bytes, str)) for v in y.flat):
            raise DataError(f"{where}: {name} must hold numbers or strings; found objects")
        y = np.array(
            [v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in y.flat],
            dtype=str,
        ).reshape(y.shape)
    elif kind not in "iufU":
        raise DataError(f"{where}: {name} must hold numbers or strings; found dtype {y.dtype}")
    if y.dtype.kind in "f":
        check_finite(y, where, name)
    if y.shape[0] > 1:
        if not is_one_hot(y):
            raise DataError(
                f"{where}: {name} of shape {y.shape} must be one-hot (a single 1 per column, "
                f"0 elsewhere); give class labels as shape ({m},) or (1, {m}) instead"
            )
    return y



def shown(names: list[str], limit: int = 20) -> str:
    """A list of names for a message, cut after ``limit`` with the count of the others."""
    if len(names) <= limit:
        return str(names)
    return f"{names[:limit]} and {len(names) - limit} more"
