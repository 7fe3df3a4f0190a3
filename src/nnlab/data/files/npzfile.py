"""NPZ data files: arrays ``X`` and ``Y`` (or ``y``) saved with ``np.savez``; never unpickled."""

from __future__ import annotations

import numpy as np

from ...errors import DataError
from ...npz import ArchiveError, read_npz
from ..checks import as_numeric, check_finite, check_labels, existing_file
from ..dataset import Dataset, default_feature_names

__all__ = ["LAYOUTS", "check_layout", "load_npz"]

#: How ``X`` is stored in an NPZ file: one example per column (the course's layout) or per row.
LAYOUTS = ("columns", "rows")

#: How an ArchiveError of a data file reads, after "<path>: ".
_PROBLEMS = {
    "pickle": "holds pickled data, not an .npz archive; nnlab never unpickles",
    "npy": "holds a single array of shape {detail}; expected an .npz archive with arrays 'X' and 'Y' "
           "(np.savez(path, X=X, Y=Y))",
    "not_zip": "not a readable .npz archive (expected a zip archive written by np.savez)",
    "corrupt": "not a readable .npz archive ({detail})",
    "npy_object": "holds object arrays; nnlab never unpickles",
    "object": "holds object arrays ({name}); nnlab never unpickles -- save numeric or string arrays",
    "member": "cannot read array {name} ({detail})",
    "not_array": "cannot read array {name} (not .npy data)",
}


def check_layout(layout) -> str:
    """``layout`` if it is one of :data:`LAYOUTS`; else a DataError quoting it."""
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
    layout = check_layout(layout)
    path = existing_file(path, "NPZ")
    where = str(path)
    with open(path, "rb") as handle:
        try:
            arrays = read_npz(handle)
        except ArchiveError as error:
            raise DataError(f"{where}: {error.describe(_PROBLEMS)}") from None
    found = list(arrays)
    y_keys = [k for k in ("Y", "y") if k in found]
    if "X" not in found or not y_keys:
        raise DataError(f"{where}: expected arrays 'X' and 'Y' (or 'y'); found {found}")
    if len(y_keys) == 2:
        raise DataError(f"{where}: holds both 'Y' and 'y'; keep one label array")
    y_key = y_keys[0]
    X, y, names = arrays["X"], arrays[y_key], arrays.get("feature_names")

    X = as_numeric(X, where, "X")
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
    check_finite(X, where)
    Y = check_labels(y, X.shape[1], where, y_key)
    feature_names = _npz_feature_names(names, X.shape[0], where)
    return Dataset(np.ascontiguousarray(X), Y, feature_names, path.stem)


def _npz_feature_names(names, n: int, where: str) -> tuple[str, ...]:
    if names is None:
        return default_feature_names(n)
    if names.dtype.kind not in "US" or names.shape != (n,):
        raise DataError(
            f"{where}: feature_names must be {n} strings (one per feature); got an array of "
            f"shape {names.shape} and dtype {names.dtype}"
        )
    if names.dtype.kind == "S":
        names = np.char.decode(names, "utf-8", errors="replace")
    return tuple(str(s) for s in names)


