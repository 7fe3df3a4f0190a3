"""Tables: a delimited or Parquet file as a pandas DataFrame (one example per row), the choice of
the label and feature columns, and the one-line errors that name the file, line and column.

=======================  ======================================================================
function                 what it does
=======================  ======================================================================
:func:`read_table`       a ``.csv`` / ``.tsv`` (pandas' parser) or ``.parquet`` file -> DataFrame
:func:`select_columns`   the label (``label``, else the default rule) and the features
                         (``features`` or every other column, less ``drop``) -> :class:`Table`
:func:`load_table`       both
:func:`numeric_column`   a column as finite float64 numbers, or the error naming the cell
:func:`load_csv`         a numeric table as a :class:`~nnlab.data.dataset.Dataset` (arrays)
=======================  ======================================================================

The label rule without ``label``: the first column named ``label``, ``y`` or ``target`` (exact
names, in that order), else the last column. When that guess looks wrong (the first column
holds text while the guessed label does not, or a text label differs on almost every row), the
error asks for ``--label``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from .checks import existing_file, shown
from .dataset import Dataset
from .files.csvfile import TextFormat, read_delimited, record_at

__all__ = [
    "DEFAULT_LABEL_COLUMNS", "TABLE_EXTENSIONS", "Table", "TextFormat", "cell_error", "is_numeric",
    "load_csv", "load_table", "numeric_column", "numeric_matrix", "read_table", "select_columns",
]

#: Names looked for, in this order, when no label is named (else: the last column).
DEFAULT_LABEL_COLUMNS = ("label", "y", "target")
#: Extensions of the files read as tables.
TABLE_EXTENSIONS = (".csv", ".tsv", ".parquet")


@dataclass(frozen=True, eq=False)
class Table:
    """Feature columns and labels of a table.

    Attributes
    ----------
    features : pandas.DataFrame of m rows
        One example per row, one column per feature (numbers or text, missing cells as NA).
    y : ndarray of shape (1, m) or None
        The label column: int64, float64 or str; None when read without a label.
    label : str or None
        The label column's name.
    name : str
        The file's stem.
    notes : tuple of str
        Remarks worth a line (e.g. a column that looks like an identifier).
    """

    features: object
    y: np.ndarray | None
    label: str | None
    name: str
    notes: tuple[str, ...] = field(default=())


def read_table(path, fmt: TextFormat = TextFormat()):
    """A ``.csv``/``.tsv`` file (:func:`~nnlab.data.files.csvfile.read_delimited`) or a
    ``.parquet`` file (pandas with pyarrow) as a DataFrame, one example per row."""
    suffix = Path(path).suffix.lower() if isinstance(path, (str, Path)) else ""
    path = existing_file(path, {".tsv": "TSV", ".parquet": "Parquet"}.get(suffix, "CSV"))
    if path.suffix.lower() != ".parquet":
        return read_delimited(path, fmt)
    import pandas as pd

    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError(
            f"{path}: reading Parquet files needs pyarrow, which is not installed: "
            f"{sys.executable} -m pip install pyarrow (nnlab's [parquet] extra)"
        ) from None
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow's many error types: name the file, one line
        raise DataError(f"{path}: not a readable Parquet file ({type(error).__name__}: {error})".splitlines()[0]) from None
    frame.columns = [str(c) for c in frame.columns]
    frame.attrs.update(path=str(path))
    if frame.empty:
        raise DataError(f"{path}: no rows; expected one row per example")
    return frame


def is_numeric(series) -> bool:
    """Numbers (not booleans), by dtype."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def cell_error(frame, position: int, column: str, problem: str) -> DataError:
    """A DataError "<file>: line N, column 'c': <problem>" for the row at ``position``."""
    where = frame.attrs.get("path", "the table")
    line, cells = record_at(frame, position)
    if cells is not None and len(cells) < frame.attrs.get("n_columns", 0):
        n = frame.attrs["n_columns"]
        return DataError(f"{where}: line {line} has {len(cells)} fields; the header has {n}")
    at = f"line {line}" if line is not None else f"row {position + 1}"
    return DataError(f"{where}: {at}, column {column!r}: {problem}")


def _raw_cell(frame, position: int, column: str) -> str | None:
    line, cells = record_at(frame, position)
    if cells is None:
        return None
    k = list(frame.columns).index(column)
    return cells[k] if k < len(cells) else None


def numeric_column(frame, column: str, hint: str = "") -> np.ndarray:
    """Column ``column`` of ``frame`` as float64 numbers, shape (m,); NaN where a cell is missing.

    Raises
    ------
    DataError
        Naming the line and the cell: a cell that is not a number (``hint`` appended), an
        infinite value or one that overflows float64.
    """
    import pandas as pd

    series = frame[column]
    if not is_numeric(series):
        values = pd.to_numeric(series, errors="coerce")
        bad = values.isna().to_numpy() & series.notna().to_numpy()
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            found = series.iloc[position]
            raise cell_error(frame, position, column, f"expected a number; found {str(found)!r}{hint}")
        series = values
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isfinite(values).all():  # the common case: one pass
        return values
    infinite = np.isinf(values)
    if infinite.any():
        position = int(np.flatnonzero(infinite)[0])
        text = _raw_cell(frame, position, column) or str(values[position])
        raise cell_error(frame, position, column, f"{text!r} {_non_finite(text)}; features must be finite numbers")
    return values


def _non_finite(text: str) -> str:
    return "is infinite" if "inf" in text.lower() else "overflows float64 (becomes inf)"


def _label_values(frame, column: str, drop_missing: bool, guessed: bool):
    """The label column as a (1, m) array (int64, float64 or str) and the rows kept."""
    import pandas as pd

    series = frame[column]
    missing = series.isna().to_numpy()
    if missing.any() and not drop_missing:
        position = int(np.flatnonzero(missing)[0])
        hint = (f"; {column!r} is the label because it is the last column: if another is, name it with --label"
                if guessed else "")
        raise cell_error(frame, position, column, "the label is empty (missing); every example needs one "
                                                  f"(--missing drop leaves such rows out){hint}")
    kept = ~missing
    series = series[kept]
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.to_numpy(dtype=np.int64).reshape(1, -1), kept
    if is_numeric(series):
        values = series.to_numpy(dtype=np.float64)
        if not np.isfinite(values).all():
            position = int(np.flatnonzero(kept)[np.flatnonzero(~np.isfinite(values))[0]])
            text = _raw_cell(frame, position, column) or str(values[~np.isfinite(values)][0])
            raise cell_error(frame, position, column,
                             f"{text!r} {_non_finite(text)}; labels must be finite numbers or class names")
        if pd.api.types.is_integer_dtype(series.dtype):
            return series.to_numpy(dtype=np.int64).reshape(1, -1), kept
        return values.reshape(1, -1), kept
    return np.array([str(v) for v in series], dtype=str).reshape(1, -1), kept


def _guess_label(frame, where, categorical) -> str:
    columns = list(frame.columns)
    for candidate in DEFAULT_LABEL_COLUMNS:
        if candidate in columns:
            return candidate
    guess, first = columns[-1], columns[0]
    if not is_numeric(frame[first]) and is_numeric(frame[guess]) and first not in categorical:
        raise DataError(
            f"{where}: no column is named label, y or target, so the label would be the last column "
            f"{guess!r}; but the first column {first!r} holds text: if it is the label, pass --label {first}; "
            f"to keep {guess!r} as the label, pass --label {guess} (and {first!r} becomes a categorical feature)"
        )
    return guess


def select_columns(frame, *, label=None, features=None, drop=(), with_label=True, categorical=(),
                   drop_missing_labels=False) -> Table:
    """Split a table into its label and feature columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        One example per row (as :func:`read_table` returns it).
    label : str or None
        The label column (``None``: the default rule, see the module).
    features : sequence of str or None
        The feature columns, in this order (``None``: every column but the label and ``drop``).
    drop : sequence of str
        Columns to leave out (e.g. an identifier).
    with_label : bool
        False: no label is read (the table holds only features, e.g. to predict). A named
        ``label`` present in the table is still left out of the features.
    categorical : sequence of str
        Columns named categorical (they do not trigger the label-guess check).
    drop_missing_labels : bool
        Leave out rows without a label instead of raising.

    Raises
    ------
    DataError
        A named column that is not in the table (the columns are listed), a label also named a
        feature or dropped, no feature left, a suspicious label guess, a missing label.
    """
    where = frame.attrs.get("path", "the table")
    columns = list(frame.columns)
    for option, names in (("label", [label] if label is not None else []), ("features", features or []),
                          ("drop", drop), ("categorical", categorical)):
        for name in names:
            if not isinstance(name, str):
                raise DataError(f"{option} must name columns (str); got {name!r}")
            if name not in columns:
                word = "no label column" if option == "label" else f"--{option}: no column"
                raise DataError(f"{where}: {word} {name!r}; the columns are {shown(columns)}")
    guessed = with_label and label is None
    if guessed:
        label = _guess_label(frame, where, set(categorical) | set(features or ()))
    if label is not None and (label in (features or ()) or label in drop):
        raise DataError(f"{where}: the label column {label!r} cannot also be a feature or dropped")
    chosen = list(features) if features is not None else [c for c in columns if c != label and c not in drop]
    chosen = [c for c in chosen if c not in drop]
    if not chosen:
        raise DataError(f"{where}: no feature column left (columns {shown(columns)}, label {label!r}, dropped {list(drop)})")
    y, rows = None, frame
    if with_label:
        y, kept = _label_values(frame, label, drop_missing_labels, guessed and label not in DEFAULT_LABEL_COLUMNS)
        if not kept.all():
            rows = frame[kept]
            rows.attrs.update(frame.attrs)
        if y.dtype.kind == "U" and y.shape[1] >= 20 and len(set(y[0].tolist())) > 0.9 * y.shape[1]:
            raise DataError(
                f"{where}: the label column {label!r} holds {len(set(y[0].tolist()))} different texts for "
                f"{y.shape[1]} examples (an identifier or a name?); name the label with --label COLUMN "
                f"and leave {label!r} out with --drop {label}"
            )
    table = rows[chosen]
    table.attrs.update(frame.attrs)
    return Table(table, y, label if with_label else None, Path(where).stem, tuple(_notes(table)))


def _notes(features) -> list[str]:
    notes = []
    for name in features.columns:
        series = features[name]
        if name.lower() in ("id", "index") or name.lower().endswith("_id"):
            notes.append(f"column {name!r} looks like an identifier; leave it out with --drop {name}")
        elif (str(series.dtype).startswith("int") and len(series) > 20  # cheap tests first: no hashing
              and series.iloc[-1] - series.iloc[0] == len(series) - 1 and series.is_monotonic_increasing
              and np.all(np.diff(series.to_numpy()) == 1)):
            notes.append(f"column {name!r} counts the rows (an identifier?); leave it out with --drop {name}")
    return notes


def load_table(path, fmt: TextFormat = TextFormat(), **columns) -> Table:
    """:func:`read_table` then :func:`select_columns` (``columns``: its keyword arguments)."""
    return select_columns(read_table(path, fmt), **columns)


def load_csv(path, label=None, fmt: TextFormat = TextFormat()) -> Dataset:
    """Read a table of numbers as a :class:`~nnlab.data.dataset.Dataset`: one example per row
    in the file, ``X`` of shape (n_features, m) float64 (one example per column), ``Y`` (1, m).

    Text feature columns and missing cells are errors here (naming line and column); the
    command line and :class:`nnlab.Model` with a DataFrame encode them instead
    (:mod:`nnlab.data.preprocess`).
    """
    table = load_table(path, fmt, label=label)
    return Dataset(numeric_matrix(table.features), table.y, tuple(table.features.columns), table.name)


def numeric_matrix(frame) -> np.ndarray:
    """Every column of ``frame`` as finite numbers, ``(n_columns, m)`` float64 (one example per
    column); a text cell or a missing one is a DataError naming line and column."""
    hint = " (text columns are encoded as categories by `nnlab train` and Model.fit with a DataFrame)"
    if all(str(dtype) == "float64" for dtype in frame.dtypes):  # the common case: pandas' own block
        X = np.ascontiguousarray(frame.to_numpy(dtype=np.float64).T)  # (n_x, m); no copy if one block
        if np.isfinite(X).all():
            return X
    X = np.empty((frame.shape[1], frame.shape[0]), dtype=np.float64)  # (n_x, m)
    for k, name in enumerate(frame.columns):
        values = X[k] = numeric_column(frame, name, hint)
        if not np.isfinite(values).all():  # only NaN (missing) is left: the infinite ones raised
            position = int(np.flatnonzero(np.isnan(X[k]))[0])
            raw = _raw_cell(frame, position, name)
            found = "an empty cell" if not raw else repr(raw)
            raise cell_error(frame, position, name, f"expected a number; found {found} (a missing value: "
                                                    "`nnlab train --missing` chooses what to do)")
    return X
