"""CSV data files: a header row, one example per row, one column per feature and a label column."""

from __future__ import annotations

import csv
import math

import numpy as np

from ...errors import DataError
from ..checks import existing_file
from ..dataset import Dataset

__all__ = ["DEFAULT_LABEL_COLUMNS", "csv_header", "load_csv"]

#: Names ``load_csv`` looks for, in this order, when no ``label`` is given (else: last column).
DEFAULT_LABEL_COLUMNS = ("label", "y", "target")


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
    path = existing_file(path, "CSV")
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



def csv_header(path) -> list[str] | None:
    """The first non-blank row of a CSV file, its cells stripped; None if it cannot be read (then
    :func:`load_csv` says why)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle, skipinitialspace=True):
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None

