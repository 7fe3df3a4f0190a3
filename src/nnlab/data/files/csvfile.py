"""Delimited text files (``.csv``, ``.tsv``): parsed by pandas, checked and explained by nnlab.

pandas' C parser reads the cells (quoted fields, a byte-order mark, CRLF line ends, thousands and
decimal separators); what is written here is the delimiter's guess, the header's rules and the
one-line errors that name the file, the line and the column. A line number is found only when
an error needs one: the file is then read again with the :mod:`csv` module, whose ``line_num``
counts the line breaks inside quoted fields too.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from ...errors import DataError
from ..checks import existing_file

__all__ = ["TextFormat", "csv_header", "read_delimited", "record_at"]

_SAMPLE_BYTES = 64 * 1024
_DELIMITERS = ",;\t|"
_NAMED = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@dataclass(frozen=True)
class TextFormat:
    """How a delimited file is written.

    Attributes
    ----------
    delimiter : str or None
        One character; ``None``: guessed from the first lines (tab for ``.tsv``).
    thousands : str or None
        The thousands separator inside numbers (e.g. ``","`` for ``1,234``), or none.
    decimal : str
        The decimal mark (``"."``, or ``","`` for ``2,5``).
    """

    delimiter: str | None = None
    thousands: str | None = None
    decimal: str = "."

    def __post_init__(self):
        for name in ("delimiter", "thousands", "decimal"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or len(value) != 1 or value in "\r\n\"'"):
                raise DataError(f"{name} must be one character (not a quote or line break); got {value!r}")
        if self.decimal == self.thousands:
            raise DataError(f"the decimal mark and the thousands separator must differ; both are {self.decimal!r}")


def _sample(path: Path) -> str:
    """The file's first bytes as text, a BOM dropped."""
    return _read_sample(path)[0]


def _has_bom(raw: bytes) -> bool:
    return raw.startswith(b"\xef\xbb\xbf")


def _read_sample(path: Path) -> tuple[str, bytes]:
    """``(text, raw bytes)`` of the file's first bytes, read once."""
    with open(path, "rb") as handle:
        raw = handle.read(_SAMPLE_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.start < len(raw) - 3:  # not a character cut at the sample's end
            raise DataError(f"{path}: not UTF-8 text; expected a delimited text file saved as UTF-8") from None
        text = raw[: error.start].decode("utf-8-sig")
    if "\x00" in text:
        raise DataError(f"{path}: malformed text: a NUL byte near line {text[: text.index(chr(0))].count(chr(10)) + 1}")
    return text, raw


def _delimiter(path: Path, sample: str, fmt: TextFormat) -> str:
    if fmt.delimiter is not None:
        return fmt.delimiter
    if path.suffix.lower() == ".tsv":
        return "\t"
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if len(lines) > 1 and len(sample) == _SAMPLE_BYTES:
        lines = lines[:-1]  # the last one may be cut
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _header(path: Path, sample: str, delimiter: str) -> list[str]:
    try:
        for row in csv.reader(io.StringIO(sample), delimiter=delimiter, skipinitialspace=True):
            cells = [cell.strip() for cell in row]
            if any(cells):
                return cells
    except csv.Error as error:
        raise DataError(f"{path}: malformed text in the header: {error}") from None
    raise DataError(f"{path}: the file is empty; expected a header row and one row per example")


def check_header(path, header: list[str], delimiter: str) -> None:
    """The header's rules: every column named, once; not a row of numbers; two columns or more."""
    empty = [k for k, name in enumerate(header) if not name]
    if empty:
        raise DataError(
            f"{path}: line 1: the header must name every column; column {empty[0] + 1} has no name (header: {header})"
        )
    seen, duplicates = set(), []
    for name in header:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    if duplicates:
        raise DataError(f"{path}: duplicate column name(s) {duplicates} in the header {header}")
    try:
        [float(n) for n in header]
    except ValueError:
        pass
    else:
        raise DataError(f"{path}: the first line {header} looks like data (all numbers); a header row naming the columns is required")
    if len(header) < 2:
        hint = next(
            (f"; the name contains {_NAMED[d]}: is that the separator? pass --delimiter {_NAMED[d]}"
             for d in _DELIMITERS if d != delimiter and d in header[0]),
            f" (read with the delimiter {_NAMED.get(delimiter, repr(delimiter))}; pass --delimiter if it is another)",
        )
        raise DataError(f"{path}: only one column ({header[0]!r}); expected at least one feature column and a label column{hint}")


def read_delimited(path, fmt: TextFormat = TextFormat()):
    """Read a delimited text file with a header row into a pandas DataFrame (one example per row).

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv`` (delimiter guessed) or ``.tsv`` (tab) file, UTF-8 (a byte-order mark is skipped).
    fmt : TextFormat
        The delimiter, thousands separator and decimal mark.

    Returns
    -------
    pandas.DataFrame
        One column per header name, in file order; numbers as float64 or int64, text as
        strings, empty cells and ``NA``, ``NaN``, ``null`` as missing. Rows whose cells are all
        empty are dropped; the index keeps each row's number among the data rows, which
        :func:`record_at` turns into a line.

    Raises
    ------
    DataError
        Missing or non-UTF-8 file, empty or header-only file, a header that breaks
        :func:`check_header`, a row with more fields than the header (line and counts), or
        malformed text.
    """
    import pandas as pd

    path = existing_file(path, "CSV")
    sample, raw = _read_sample(path)
    delimiter = _delimiter(path, sample, fmt)
    header = _header(path, sample, delimiter)
    check_header(path, header, delimiter)
    try:
        with warnings.catch_warnings():  # a column of mixed chunks is checked cell by cell later
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            frame = pd.read_csv(
                path, sep=delimiter, thousands=fmt.thousands, decimal=fmt.decimal,
                # "utf-8-sig" costs the parser a fifth of its time: only for a file that starts with a BOM
                encoding="utf-8-sig" if _has_bom(raw) else "utf-8",
                # spaces after a delimiter cost the parser time: skipped only when the file has them
                skipinitialspace=f"{delimiter} " in sample,
            )
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text; expected a delimited text file saved as UTF-8") from None
    except pd.errors.ParserError as error:
        raise DataError(_parser_error(path, header, delimiter, error)) from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file is empty; expected a header row and one row per example") from None
    frame.columns = header
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():  # rows of empty cells (",,"): not examples
        frame = frame[~blank]
    if frame.empty:
        raise DataError(f"{path}: only a header row ({', '.join(header)}); expected one row per example after it")
    for name in frame.columns:  # text cells: spaces around them are not part of the value
        if not pd.api.types.is_numeric_dtype(frame[name].dtype) and not pd.api.types.is_bool_dtype(frame[name].dtype):
            frame[name] = frame[name].astype(object).where(frame[name].isna(), frame[name].astype(str).str.strip())
    frame.attrs.update(path=str(path), delimiter=delimiter, n_columns=len(header))
    return frame


def _parser_error(path: Path, header: list[str], delimiter: str, error) -> str:
    try:
        for line, cells in _records(path, delimiter):
            if len(cells) > len(header):
                return f"{path}: line {line} has {len(cells)} fields; the header has {len(header)} ({', '.join(header)})"
    except csv.Error as reason:
        return f"{path}: malformed text: {reason}"
    return f"{path}: malformed text: {str(error).strip()}"


def _records(path: Path, delimiter: str):
    """``(line, cells)`` of each data row that pandas reads (blank lines skipped), in order."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle, delimiter=delimiter, skipinitialspace=True)
        seen_header = False
        for row in reader:
            cells = [cell.strip() for cell in row]
            if len(cells) <= 1 and not any(cells):
                continue  # a blank line
            if seen_header:
                yield reader.line_num, cells
            seen_header = any(cells) or seen_header


def record_at(frame, position: int) -> tuple[int | None, list[str] | None]:
    """The line number and raw cells of the row at ``position`` (0-based, among the rows of
    ``frame``; its index keeps the row's number in the file), for an error message;
    ``(None, None)`` when the frame did not come from a delimited file."""
    path, delimiter = frame.attrs.get("path"), frame.attrs.get("delimiter")
    if path is None or delimiter is None:
        return None, None
    row = frame.index[position]
    try:
        for index, (line, cells) in enumerate(_records(Path(path), delimiter)):
            if index == row:
                return line, cells
    except (csv.Error, OSError, UnicodeDecodeError):
        pass
    return None, None


def csv_header(path, fmt: TextFormat = TextFormat()) -> list[str] | None:
    """The header row of a delimited file, its cells stripped; None if it cannot be read (then
    :func:`read_delimited` says why)."""
    try:
        path = Path(path)
        sample = _sample(path)
        return _header(path, sample, _delimiter(path, sample, fmt))
    except (OSError, DataError, csv.Error):
        return None
