"""Data in: the built-in data sets and the user's files (CSV, NPZ, HDF5) as one :class:`Dataset`.

Every loader returns inputs ``X`` of shape ``(n_x, m)`` (one example per column, float64) and
labels ``Y`` of shape ``(1, m)`` (class labels or regression targets) or ``(C, m)`` (one-hot).
Every failure caused by the data -- a missing file, a bad cell, a missing array -- raises
:class:`nnlab.errors.DataError` with one line naming the file and what was expected and found;
no raw ``csv``, NumPy or h5py traceback reaches the user. Nothing here unpickles: NPZ files are
read with ``allow_pickle=False``.

:func:`load_data` is the one entry point for the Model API and the CLI: a built-in name
(:data:`BUILTIN_DATASETS`) or a path whose extension picks the loader.
"""

from __future__ import annotations

import csv
import difflib
import importlib
import inspect
import importlib.util
import math
import os
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Callable, NamedTuple

import h5py
import numpy as np

from ..errors import DataError
from .generators import (
    load_planar_dataset,
    make_blobs,
    make_circles,
    make_gaussian_quantiles,
    make_moons,
    make_spirals,
    make_xor,
)

__all__ = [
    "BUILTIN_DATASETS",
    "GENERATORS",
    "DATA_EXTENSIONS",
    "Dataset",
    "describe_datasets",
    "load_csv",
    "load_data",
    "load_h5",
    "load_npz",
]

#: Names ``load_csv`` looks for, in this order, when no ``label`` is given (else: last column).
DEFAULT_LABEL_COLUMNS = ("label", "y", "target")
#: Default HDF5 key pairs, tried in this order: the course's training file, its test file, generic.
DEFAULT_H5_KEYS = (("train_set_x", "train_set_y"), ("test_set_x", "test_set_y"), ("X", "Y"), ("X", "y"))
LAYOUTS = ("columns", "rows")
INSTALL_DATASETS = "pip install 'nnlab[datasets]'"


# ---------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """Examples and labels in the course's layout, with names for the features.

    Attributes
    ----------
    X : ndarray of shape (n_x, m), float64
        Inputs, one example per column.
    Y : ndarray of shape (1, m) or (C, m)
        Labels: class labels (integers or strings) or regression targets as one row, or a
        one-hot ``(C, m)`` matrix.
    feature_names : tuple of str, length n_x
        The name of each row of ``X`` (CSV header names; ``"x0"``, ``"x1"``, ... otherwise).
    name : str
        A short name: the built-in name or the file's stem.

    Raises
    ------
    DataError
        If the shapes do not agree (``X`` not 2-D, ``Y`` not 2-D with ``m`` columns, or not one
        feature name per row of ``X``).
    """

    X: np.ndarray
    Y: np.ndarray
    feature_names: tuple[str, ...]
    name: str

    def __post_init__(self):
        X = np.asarray(self.X, dtype=np.float64)
        Y = np.asarray(self.Y)
        names = tuple(str(n) for n in self.feature_names)
        if X.ndim != 2:
            raise DataError(f"data set {self.name!r}: X must have shape (n_x, m); got {X.shape}")
        if Y.ndim != 2 or Y.shape[1] != X.shape[1]:
            raise DataError(
                f"data set {self.name!r}: Y must have shape (1, {X.shape[1]}) or "
                f"(C, {X.shape[1]}) to match X {X.shape}; got {Y.shape}"
            )
        if len(names) != X.shape[0]:
            raise DataError(
                f"data set {self.name!r}: expected {X.shape[0]} feature names (one per row of X); "
                f"got {len(names)}"
            )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "Y", Y)
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "name", str(self.name))

    @property
    def n_features(self) -> int:
        """``n_x``, the number of rows of ``X``."""
        return self.X.shape[0]

    @property
    def n_examples(self) -> int:
        """``m``, the number of columns of ``X``."""
        return self.X.shape[1]

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, X: {self.X.shape} {self.X.dtype}, "
            f"Y: {self.Y.shape} {self.Y.dtype}, n_features={self.n_features})"
        )


def _default_feature_names(n: int) -> tuple[str, ...]:
    return tuple(f"x{i}" for i in range(n))


# ---------------------------------------------------------------------------
# Shared checks
# ---------------------------------------------------------------------------


def _existing_file(path, kind: str) -> Path:
    """``path`` as a Path, or a DataError if it is not an existing regular file."""
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise DataError(f"expected a path to a {kind} file; got {path!r}") from None
    if not path.exists():
        raise DataError(f"{path}: no such {kind} file")
    if not path.is_file():
        raise DataError(f"{path}: expected a {kind} file; found a directory or special file")
    return path


def _check_finite_inputs(X: np.ndarray, where: str, name: str = "X") -> None:
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)
        i, j = (int(k) for k in bad[0])
        raise DataError(
            f"{where}: {name} holds {bad.shape[0]} NaN or infinite value(s); the first is "
            f"{float(X[i, j])!r} at row {i}, column {j} (example {j})"
        )


def _as_numeric_inputs(x: np.ndarray, where: str, name: str) -> np.ndarray:
    """Numeric (bool, int, float) ``x`` as float64; DataError for strings, complex, objects."""
    if x.dtype.kind not in "biuf":
        raise DataError(
            f"{where}: {name} must hold numbers; found an array of dtype {x.dtype}"
        )
    return x.astype(np.float64)


def _labels(y: np.ndarray, m: int, where: str, name: str) -> np.ndarray:
    """Check labels already oriented as ``(1, m)`` or ``(C, m)`` and normalise their dtype.

    Booleans and unsigned integers become int64 (so ``1 - Y`` cannot wrap), bytes become str; numeric labels must be finite and a ``(C, m)``
    matrix with ``C > 1`` must be one-hot.
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
        _check_finite_inputs(y, where, name)
    if y.shape[0] > 1:
        if y.dtype.kind not in "iuf" or not np.isin(y, (0, 1)).all() or not (y.sum(axis=0) == 1).all():
            raise DataError(
                f"{where}: {name} of shape {y.shape} must be one-hot (a single 1 per column, "
                f"0 elsewhere); give class labels as shape ({m},) or (1, {m}) instead"
            )
    return y


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def _non_finite_reason(text: str) -> str:
    lowered = text.strip().lower()
    if "nan" in lowered:
        return "is NaN"
    if "inf" in lowered:
        return "is infinite"
    return "overflows float64 (becomes inf)"


def _choose_label(header: list[str], label, where: str) -> int:
    if label is None:
        for candidate in DEFAULT_LABEL_COLUMNS:
            if candidate in header:
                return header.index(candidate)
        return len(header) - 1
    if not isinstance(label, str):
        raise DataError(f"{where}: label must be a column name (str); got {label!r}")
    if label not in header:
        raise DataError(f"{where}: no label column {label!r}; the columns are {header}")
    return header.index(label)


def _csv_labels(cells: list[str], lines: list[int], where: str, column: str) -> np.ndarray:
    """Label cells -> int64 (all integers), float64 (all numbers) or str (anything else)."""
    for text, line in zip(cells, lines):
        if text == "":
            raise DataError(f"{where}: line {line}: the label column {column!r} is empty")
    try:
        values = [float(c) for c in cells]
    except ValueError:
        return np.array(cells, dtype=str).reshape(1, -1)  # class names
    for value, text, line in zip(values, cells, lines):
        if not math.isfinite(value):
            raise DataError(
                f"{where}: line {line}, column {column!r}: {text!r} {_non_finite_reason(text)}; "
                "labels must be finite numbers or class names"
            )
    try:
        return np.array([int(c) for c in cells], dtype=np.int64).reshape(1, -1)
    except (ValueError, OverflowError):
        return np.array(values, dtype=np.float64).reshape(1, -1)


def load_csv(path, label=None) -> Dataset:
    """Read a CSV file with a header row: one example per row, one column per feature and one label.

    Choice of the label column: ``label`` when given; otherwise the first column named
    ``"label"``, ``"y"`` or ``"target"`` (exact, case-sensitive names, in that order); otherwise
    the last column. Every other column is a feature and must hold a finite number on every
    row. Labels that all read as integers become int64, labels that all read as numbers become
    float64 (regression targets), anything else is kept as class names (``str``).

    The file is read as UTF-8 (a byte-order mark is ignored) with the ``csv`` module's default
    dialect: comma-separated, ``"``-quoted fields (which may contain commas or line breaks).
    Spaces around names and cells (and before an opening quote) are ignored; blank lines (and
    rows of empty cells) are skipped.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.csv`` file.
    label : str or None, default None
        Name of the label column (see above for the default).

    Returns
    -------
    Dataset
        ``X`` of shape (n_features, m) float64, ``Y`` of shape (1, m), the feature columns'
        names in file order, and the file's stem as the name.

    Raises
    ------
    DataError
        If the file is missing, not UTF-8 text or malformed CSV; empty or header-only; if the
        header repeats or omits a name, looks like data, or has no feature column; if ``label``
        is not a column (the columns found are listed); if a row has a different number of
        fields than the header (line number and both counts); if a feature cell is not a
        number (line, column and the cell's text) or is NaN, infinite or overflows float64;
        or if a label cell is empty or a numeric label is not finite.
    """
    path = _existing_file(path, "CSV")
    where = str(path)
    header = None
    features, label_cells, lines = [], [], []
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle, skipinitialspace=True)
            for row in reader:
                cells = [c.strip() for c in row]
                if not any(cells):
                    continue  # blank line
                line = reader.line_num
                if header is None:
                    header = cells
                    label_index = _check_header(header, label, where)
                    feature_names = [n for k, n in enumerate(header) if k != label_index]
                    continue
                if len(cells) != len(header):
                    raise DataError(
                        f"{where}: line {line} has {len(cells)} fields; the header has "
                        f"{len(header)} ({', '.join(header)})"
                    )
                label_cells.append(cells[label_index])
                lines.append(line)
                features.append(_csv_feature_row(cells, label_index, header, line, where))
    except UnicodeDecodeError:
        raise DataError(f"{where}: not UTF-8 text; expected a CSV file saved as UTF-8") from None
    except csv.Error as exc:
        raise DataError(f"{where}: malformed CSV near line {reader.line_num}: {exc}") from None
    if header is None:
        raise DataError(f"{where}: the file is empty; expected a header row and one row per example")
    if not features:
        raise DataError(f"{where}: only a header row ({', '.join(header)}); expected one row per example after it")
    X = np.array(features, dtype=np.float64).T.reshape(len(feature_names), len(features))
    Y = _csv_labels(label_cells, lines, where, header[label_index])
    return Dataset(np.ascontiguousarray(X), Y, tuple(feature_names), path.stem)


def _check_header(header: list[str], label, where: str) -> int:
    """Validate the header row; return the index of the label column."""
    empty = [k for k, name in enumerate(header) if not name]
    if empty:
        raise DataError(
            f"{where}: line 1: the header must name every column; column {empty[0] + 1} has no "
            f"name (header: {header})"
        )
    seen, duplicates = set(), []
    for name in header:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        raise DataError(f"{where}: duplicate column name(s) {duplicates} in the header {header}")
    try:
        [float(n) for n in header]
    except ValueError:
        pass
    else:
        raise DataError(
            f"{where}: the first line {header} looks like data (all numbers); a header row "
            "naming the columns is required"
        )
    if len(header) < 2:
        raise DataError(
            f"{where}: only one column ({header[0]!r}); expected at least one feature column "
            "and a label column"
        )
    return _choose_label(header, label, where)


def _csv_feature_row(cells: list[str], label_index: int, header: list[str], line: int, where: str) -> list[float]:
    row = []
    for k, text in enumerate(cells):
        if k == label_index:
            continue
        try:
            value = float(text)
        except ValueError:
            shown = "an empty cell" if text == "" else repr(text)
            raise DataError(
                f"{where}: line {line}, column {header[k]!r}: expected a number; found {shown}"
            ) from None
        if not math.isfinite(value):
            raise DataError(
                f"{where}: line {line}, column {header[k]!r}: {text!r} {_non_finite_reason(text)}; "
                "features must be finite numbers"
            )
        row.append(value)
    return row


# ---------------------------------------------------------------------------
# NPZ
# ---------------------------------------------------------------------------


def _check_layout(layout) -> str:
    if layout not in LAYOUTS:
        raise DataError(f"layout must be one of {list(LAYOUTS)}; got {layout!r}")
    return layout


def load_npz(path, layout="columns") -> Dataset:
    """Read examples ``X`` and labels ``Y`` (or ``y``) from a NumPy ``.npz`` archive.

    The archive is opened with ``np.load(path, allow_pickle=False)``: nnlab never unpickles,
    so archives holding object arrays are refused.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file (``np.savez(path, X=..., Y=...)``). An optional array
        ``feature_names`` (strings, one per feature) names the features.
    layout : {"columns", "rows"}, default "columns"
        ``"columns"``: ``X`` has shape (n_x, m), one example per column (the course's layout),
        ``"rows"``: ``X`` has shape (m, n_x), one example per row, and is transposed. In either
        layout ``Y`` may be (m,), (1, m), (m, 1), one-hot (C, m) or one-hot (m, C): it is
        oriented by its example count (a square one-hot ``Y`` follows ``layout``).

    Returns
    -------
    Dataset
        ``X`` of shape (n_x, m) float64; ``Y`` of shape (1, m) (a 1-D ``Y`` becomes a row) or
        (C, m); the file's stem as the name.

    Raises
    ------
    DataError
        If the file is missing or not an ``.npz`` archive; if it holds object arrays; if ``X``
        or both ``Y`` and ``y`` are missing (the arrays found are listed) or both ``Y`` and
        ``y`` are present; if ``X`` is not a 2-D numeric array of finite values; if the example
        counts of ``X`` and ``Y`` differ (both counts); or if a 2-D ``Y`` with several rows is
        not one-hot.
    """
    layout = _check_layout(layout)
    path = _existing_file(path, "NPZ")
    where = str(path)
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic[:1] == b"\x80":
        raise DataError(f"{where}: holds pickled data, not an .npz archive; nnlab never unpickles")
    if not magic.startswith(b"PK") and not magic.startswith(b"\x93NUM"):
        raise DataError(
            f"{where}: not a readable .npz archive (expected a zip archive written by np.savez)"
        )
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as exc:
        if "pickle" in str(exc):
            raise DataError(f"{where}: holds object arrays; nnlab never unpickles") from None
        raise DataError(f"{where}: not a readable .npz archive ({exc})") from None
    except Exception as exc:  # zipfile.BadZipFile, OSError, EOFError, ...
        raise DataError(f"{where}: not a readable .npz archive ({type(exc).__name__}: {exc})") from None
    if not hasattr(archive, "files"):
        raise DataError(
            f"{where}: holds a single array of shape {archive.shape}; expected an .npz archive "
            "with arrays 'X' and 'Y' (np.savez(path, X=X, Y=Y))"
        )
    with archive:
        found = list(archive.files)
        y_keys = [k for k in ("Y", "y") if k in found]
        if "X" not in found or not y_keys:
            raise DataError(
                f"{where}: expected arrays 'X' and 'Y' (or 'y'); found {found}"
            )
        if len(y_keys) == 2:
            raise DataError(f"{where}: holds both 'Y' and 'y'; keep one label array")
        y_key = y_keys[0]
        X = _npz_array(archive, "X", where)
        y = _npz_array(archive, y_key, where)
        names = _npz_array(archive, "feature_names", where) if "feature_names" in found else None

    X = _as_numeric_inputs(X, where, "X")
    if X.ndim != 2:
        expected = "(n_x, m)" if layout == "columns" else "(m, n_x)"
        raise DataError(f"{where}: X must be 2-D, {expected} for layout={layout!r}; got shape {X.shape}")
    if layout == "rows":
        X = X.T
    m = X.shape[1]
    if y.ndim == 2 and y.shape[0] == m and (y.shape[1] != m or layout == "rows"):
        y = y.T  # one label (or one one-hot row) per example row: (m, C) -> (C, m)
    if y.ndim == 1:
        y = y.reshape(1, -1)
    if y.ndim != 2:
        raise DataError(f"{where}: {y_key} must be 1-D or 2-D; got shape {y.shape}")
    if y.shape[1] != X.shape[1]:
        hint = ""
        if y.shape[1] == X.shape[0]:
            other = "rows" if layout == "columns" else "columns"
            hint = f" (does it need layout={other!r}?)"
        raise DataError(
            f"{where}: X holds {X.shape[1]} examples but {y_key} holds {y.shape[1]} "
            f"(layout={layout!r}: X {X.shape}, {y_key} {y.shape}){hint}"
        )
    _check_finite_inputs(X, where)
    Y = _labels(y, X.shape[1], where, y_key)
    feature_names = _npz_feature_names(names, X.shape[0], where)
    return Dataset(np.ascontiguousarray(X), Y, feature_names, path.stem)


def _npz_array(archive, key: str, where: str) -> np.ndarray:
    try:
        return archive[key]
    except ValueError as exc:
        if "object" in str(exc).lower() or "pickle" in str(exc).lower():
            raise DataError(
                f"{where}: holds object arrays ({key!r}); nnlab never unpickles -- save numeric "
                "or string arrays"
            ) from None
        raise DataError(f"{where}: cannot read array {key!r} ({exc})") from None
    except Exception as exc:  # corrupt member
        raise DataError(f"{where}: cannot read array {key!r} ({type(exc).__name__}: {exc})") from None


def _npz_feature_names(names, n: int, where: str) -> tuple[str, ...]:
    if names is None:
        return _default_feature_names(n)
    if names.dtype.kind not in "US" or names.shape != (n,):
        raise DataError(
            f"{where}: feature_names must be {n} strings (one per feature); got an array of "
            f"shape {names.shape} and dtype {names.dtype}"
        )
    if names.dtype.kind == "S":
        names = np.char.decode(names, "utf-8", errors="replace")
    return tuple(str(s) for s in names)


# ---------------------------------------------------------------------------
# HDF5
# ---------------------------------------------------------------------------


def load_h5(path, x_key=None, y_key=None) -> Dataset:
    """Read examples and labels from an HDF5 file such as the course's cat / non-cat files.

    Arrays in HDF5 files keep one example per ROW (first axis), as in the course's files: ``X``
    of shape (m, ...) becomes (n_x, m) by flattening each example (images (m, h, w, c) become
    (h*w*c, m), pixels in C order) and ``uint8`` values are scaled into [0, 1] by dividing by
    255. Labels of shape (m,) or (1, m) become (1, m); (m, C) one-hot labels become (C, m).

    Parameters
    ----------
    path : str or os.PathLike
        The ``.h5`` / ``.hdf5`` file.
    x_key, y_key : str or None, default None
        Dataset names (paths inside the file) of the examples and the labels. Both ``None``:
        the first pair present of ``train_set_x``/``train_set_y`` (the course's training file),
        ``test_set_x``/``test_set_y`` (its test file), ``X``/``Y``, ``X``/``y``. Give both or
        neither.

    Returns
    -------
    Dataset
        The file's stem as the name; features named ``"x0"``, ``"x1"``, ...

    Raises
    ------
    DataError
        If the file is missing or not HDF5; if a key is missing or is not a dataset (the
        datasets found are listed), or no default pair is present; if the examples are not a
        numeric array of at least 2 dimensions of finite values; if the example and label
        counts differ; or if 2-D labels are neither a row nor one-hot.
    """
    path = _existing_file(path, "HDF5")
    where = str(path)
    if (x_key is None) != (y_key is None):
        raise DataError(f"{where}: give both x_key and y_key or neither; got x_key={x_key!r}, y_key={y_key!r}")
    try:
        handle = h5py.File(path, "r")
    except Exception as exc:
        raise DataError(f"{where}: not a readable HDF5 file ({type(exc).__name__}: {exc})") from None
    with handle:
        found = _h5_datasets(handle)
        if x_key is None:
            pair = next((p for p in DEFAULT_H5_KEYS if p[0] in found and p[1] in found), None)
            if pair is None:
                expected = " or ".join(f"{a!r}/{b!r}" for a, b in DEFAULT_H5_KEYS)
                raise DataError(
                    f"{where}: no default keys ({expected}); pass x_key and y_key. "
                    f"Datasets found: {_shown(found)}"
                )
            x_key, y_key = pair
        missing = [k for k in (x_key, y_key) if k not in found]
        if missing:
            raise DataError(
                f"{where}: no dataset {' or '.join(repr(k) for k in missing)}; "
                f"datasets found: {_shown(found)}"
            )
        try:
            x = np.asarray(handle[x_key][()])
            y = np.asarray(handle[y_key][()])
        except Exception as exc:
            raise DataError(f"{where}: cannot read {x_key!r} / {y_key!r} ({type(exc).__name__}: {exc})") from None

    if x.ndim < 2:
        raise DataError(
            f"{where}: {x_key!r} must have one example per row, shape (m, ...) with at least "
            f"2 dimensions; got {x.shape}"
        )
    m = x.shape[0]
    scaled = x.dtype == np.uint8
    X = _as_numeric_inputs(x, where, repr(x_key)).reshape(m, -1).T
    if scaled:
        X = X / 255.0
    stored_shape = y.shape
    if y.ndim == 1 or (y.ndim == 2 and y.shape[0] == 1 and y.shape[1] == m):
        y = y.reshape(1, -1)
    elif y.ndim == 2 and y.shape[0] == m:
        y = y.T  # (m, C) -> (C, m)
    if y.ndim != 2 or y.shape[1] != m:
        raise DataError(
            f"{where}: {x_key!r} holds {m} examples but {y_key!r} has shape {stored_shape}; expected "
            f"({m},), (1, {m}) or ({m}, C)"
        )
    _check_finite_inputs(X, where, repr(x_key))
    Y = _labels(y, m, where, repr(y_key))
    return Dataset(np.ascontiguousarray(X), Y, _default_feature_names(X.shape[0]), path.stem)


def _h5_datasets(handle) -> list[str]:
    names = []
    handle.visititems(lambda name, obj: names.append(name) if isinstance(obj, h5py.Dataset) else None)
    return names


def _shown(names: list[str], limit: int = 20) -> str:
    if len(names) <= limit:
        return str(names)
    return f"{names[:limit]} and {len(names) - limit} more"


# ---------------------------------------------------------------------------
# Built-in data sets and load_data
# ---------------------------------------------------------------------------


class BuiltinDataset(NamedTuple):
    """A built-in data set: how to build it and how to describe it."""

    description: str
    source: str
    build: Callable  # build(seed) -> (X, Y, feature_names or None)
    requires: str | None = None  # an importable module it needs, e.g. "sklearn"


def _generator(function):
    # A built-in name is the same data on every load (so a seed reproduces a model, and
    # `nnlab evaluate --data moons` sees the training data): without a seed, the generator's own
    # default seed (the course's flower: 1; blobs: 5), or 0 where that default is None.
    default = inspect.signature(function).parameters["seed"].default

    def build(seed):
        X, Y = function(seed=seed if seed is not None else (default if default is not None else 0))
        return X, Y, None

    return build


def _sklearn(loader_name):
    def build(seed):  # fixed data: the seed is ignored
        try:
            datasets = importlib.import_module("sklearn.datasets")
        except ImportError:
            raise DataError(_needs_sklearn(loader_name)) from None
        bunch = getattr(datasets, loader_name)()
        names = getattr(bunch, "feature_names", None)
        return bunch.data.T, bunch.target.reshape(1, -1), None if names is None else tuple(names)

    return build


def _needs_sklearn(what) -> str:
    return f"data set {what!r} needs scikit-learn, which is not installed: {INSTALL_DATASETS}"


def _summary(function) -> str:
    return function.__doc__.strip().splitlines()[0].replace("``", "")


#: The seeded generators by name (``nnlab.data.DATASETS`` is this dict): ``fn(seed=...) -> (X, Y)``.
GENERATORS = {
    "flower": load_planar_dataset,
    "moons": make_moons,
    "circles": make_circles,
    "blobs": make_blobs,
    "gaussian_quantiles": make_gaussian_quantiles,
    "xor": make_xor,
    "spirals": make_spirals,
}

#: Built-in data sets by name, for :func:`load_data` and :func:`describe_datasets`: the
#: generators, then the scikit-learn sets (fixed data, needing ``pip install 'nnlab[datasets]'``).
BUILTIN_DATASETS = MappingProxyType({
    **{name: BuiltinDataset(_summary(fn), f"nnlab ({fn.__module__}.{fn.__name__})", _generator(fn))
       for name, fn in GENERATORS.items()},
    "digits": BuiltinDataset(
        "Handwritten digits 0-9 as 8x8 images, pixel values 0-16 (UCI optical recognition).",
        "scikit-learn (sklearn.datasets.load_digits)", _sklearn("load_digits"), "sklearn"),
    "breast_cancer": BuiltinDataset(
        "Breast cancer Wisconsin (diagnostic): 30 measurements of cell nuclei; 0 = malignant, 1 = benign.",
        "scikit-learn (sklearn.datasets.load_breast_cancer)", _sklearn("load_breast_cancer"), "sklearn"),
})

#: File extensions :func:`load_data` understands, and the loader each one picks.
DATA_EXTENSIONS = MappingProxyType({".csv": "csv", ".npz": "npz", ".h5": "h5", ".hdf5": "h5"})


def _available(spec: BuiltinDataset) -> bool:
    return spec.requires is None or importlib.util.find_spec(spec.requires) is not None


def _load_builtin(name: str, seed) -> Dataset:
    spec = BUILTIN_DATASETS[name]
    if not _available(spec):
        raise DataError(_needs_sklearn(name))
    X, Y, names = spec.build(seed)
    Y = np.asarray(Y).astype(np.int64)  # class labels, never uint8 (1 - Y must not wrap)
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    return Dataset(X, Y, names or _default_feature_names(X.shape[0]), name)


def load_data(source, *, label=None, layout="columns", seed=None) -> Dataset:
    """Load a built-in data set by name, or a data file by path.

    Parameters
    ----------
    source : str or os.PathLike
        A built-in name (``sorted(BUILTIN_DATASETS)``: "blobs", "breast_cancer", "circles",
        "digits", "flower", "gaussian_quantiles", "moons", "spirals", "xor"; "digits" and
        "breast_cancer" need scikit-learn, ``pip install 'nnlab[datasets]'``), or a path whose
        extension picks the loader: ``.csv`` (:func:`load_csv`), ``.npz`` (:func:`load_npz`),
        ``.h5`` / ``.hdf5`` (:func:`load_h5`, default keys). A built-in name wins over a file
        of the same name.
    label : str or None, default None
        CSV files only: the label column (see :func:`load_csv`).
    layout : {"columns", "rows"}, default "columns"
        NPZ files only: how ``X`` is stored (see :func:`load_npz`).
    seed : int, numpy.random.RandomState, numpy.random.Generator or None, default None
        Built-in generators only (``None``: the generator's default seed, e.g. the course's
        flower, or 0 for generators without one, so a name always loads the same data);
        ignored for files and the fixed scikit-learn sets.

    Returns
    -------
    Dataset
        For built-in sets, ``Y`` holds int64 class labels of shape (1, m) (six classes for
        "blobs", ten for "digits", two for the others).

    Raises
    ------
    DataError
        If ``source`` is neither a built-in name nor an existing file (the message quotes it
        and lists the built-in names), has an unsupported extension, needs scikit-learn that
        is not installed, or if ``label`` / ``layout`` are given for a source that does not
        use them; and every error of the chosen loader.
    """
    _check_layout(layout)
    if isinstance(source, str) and source in BUILTIN_DATASETS:
        _only_for(label is None and layout == "columns", f"built-in data set {source!r}", label, layout)
        return _load_builtin(source, seed)
    if not isinstance(source, (str, os.PathLike)):
        raise DataError(
            f"data source must be a built-in name or a path; got {source!r}. "
            f"Built-in names: {sorted(BUILTIN_DATASETS)}"
        )
    path = Path(os.fspath(source))
    kind = DATA_EXTENSIONS.get(path.suffix.lower())
    if not path.exists():
        if kind is None:
            close = difflib.get_close_matches(str(source), list(BUILTIN_DATASETS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise DataError(
                f"unknown data set {str(source)!r}: not a built-in name and not an existing file. "
                f"Built-in names: {sorted(BUILTIN_DATASETS)}; files: "
                f"{', '.join(DATA_EXTENSIONS)}.{hint}"
            )
        raise DataError(f"{path}: no such file")
    if kind is None:
        raise DataError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; expected one of "
            f"{', '.join(DATA_EXTENSIONS)}"
        )
    if kind == "csv":
        _only_for(layout == "columns", "CSV files", None, layout)
        return load_csv(path, label=label)
    if kind == "npz":
        _only_for(label is None, "NPZ files", label, None)
        return load_npz(path, layout=layout)
    _only_for(label is None and layout == "columns", "HDF5 files", label, layout)
    return load_h5(path)


def _only_for(ok: bool, what: str, label, layout) -> None:
    if not ok:
        given = []
        if label is not None:
            given.append(f"label={label!r} (CSV files only)")
        if layout not in (None, "columns"):
            given.append(f"layout={layout!r} (NPZ files only)")
        raise DataError(f"{', '.join(given)} does not apply to {what}")


def describe_datasets() -> list[dict]:
    """Describe every built-in data set, for the ``nnlab datasets`` command.

    Sets that need a missing package are not loaded: they are marked unavailable.

    Returns
    -------
    list of dict, one per built-in set in :data:`BUILTIN_DATASETS` order, with keys
        ``name`` (str), ``description`` (str), ``source`` (str), ``available`` (bool),
        ``n_features`` and ``n_examples`` (int, or None when unavailable), ``classes``
        (dict class label -> number of examples, or None when unavailable) and ``note``
        ("" or how to make the set available).
    """
    rows = []
    for name, spec in BUILTIN_DATASETS.items():
        row = {"name": name, "description": spec.description, "source": spec.source,
               "available": _available(spec), "n_features": None, "n_examples": None,
               "classes": None, "note": ""}
        if row["available"]:
            data = _load_builtin(name, None)
            labels, counts = np.unique(data.Y, return_counts=True)
            row.update(n_features=data.n_features, n_examples=data.n_examples,
                       classes={lab.item(): int(c) for lab, c in zip(labels, counts)})
        else:
            row["note"] = f"needs scikit-learn: {INSTALL_DATASETS}"
        rows.append(row)
    return rows
