"""The preprocessing that travels with a model: from a table's columns to the network's inputs.

A :class:`Preprocessor` is fitted on the training rows only and saved in the model file (JSON
metadata plus arrays, never pickle). It remembers

- the feature names and their order (a table to predict may hold them in any order, plus other
  columns; a missing one is an error naming it);
- the categorical columns (text columns, or those named) and their categories, each one-hot
  encoded as ``column=value`` inputs in sorted order; a category unseen in training is an error
  naming it, or all zeros with ``handle_unknown="ignore"``;
- the missing-value policy (:data:`MISSING_POLICIES`): ``error`` (the default), ``drop`` the
  incomplete rows, or fill with the training ``mean``, ``median`` or ``most_frequent`` value
  (categorical columns are filled with their most frequent category under all three).

The standardization that follows is the Model's own (:class:`~nnlab.data.scaling.Standardizer`).
"""

from __future__ import annotations

import numpy as np

from ..errors import DataError
from .checks import shown
from .table import cell_error, is_numeric, numeric_column

__all__ = ["HANDLE_UNKNOWN", "MISSING_POLICIES", "Preprocessor", "is_frame", "labels_row"]

MISSING_POLICIES = ("error", "drop", "mean", "median", "most_frequent")
HANDLE_UNKNOWN = ("error", "ignore")
_CATEGORICAL_HINT = "; if the column is categorical, name it with --categorical (categorical=[...])"


def _category(value) -> str:
    """A cell as a category name: whole-number floats as integers (``1.0`` and ``1`` are one)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


class Preprocessor:
    """Feature names, one-hot categories and missing values of a table, fitted on training rows.

    Parameters
    ----------
    categorical : sequence of str or None
        Columns of numbers to encode as categories too (e.g. a zip code); the columns that hold
        text (or booleans) always are.
    missing : {"error", "drop", "mean", "median", "most_frequent"}
        What to do with a missing cell.
    handle_unknown : {"error", "ignore"}
        A category not seen in training: an error, or all zeros in its one-hot columns.

    Attributes (after ``fit``)
    ----------
    feature_names_ : list of str
        The table's feature columns, in training order.
    categories_ : dict of str -> list of str
        Each categorical column's categories, sorted.
    fill_ : dict of str -> float or str
        The value a missing cell gets (only with a filling policy).
    output_names_ : list of str
        The network's inputs, ``n_x`` of them: a numeric column's name, or ``column=value``.
    """

    def __init__(self, categorical=None, missing: str = "error", handle_unknown: str = "error"):
        if missing not in MISSING_POLICIES:
            raise ValueError(f"missing must be one of {list(MISSING_POLICIES)}; got {missing!r}")
        if handle_unknown not in HANDLE_UNKNOWN:
            raise ValueError(f"handle_unknown must be one of {list(HANDLE_UNKNOWN)}; got {handle_unknown!r}")
        if categorical is not None:
            categorical = [categorical] if isinstance(categorical, str) else list(categorical)
        self.categorical = categorical
        self.missing = missing
        self.handle_unknown = handle_unknown
        self.feature_names_: list[str] | None = None
        self.categories_: dict[str, list[str]] = {}
        self.fill_: dict[str, float | str] = {}

    # ------------------------------------------------------------------ fitting
    def fit(self, frame) -> "Preprocessor":
        """Learn names, categories and fill values from the training rows of ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (m, n_columns)
            One example per row.

        Raises
        ------
        DataError
            A named categorical column that is not in ``frame``; a numeric column with a cell
            that is not a number; a missing cell under ``missing="error"`` (line and column named,
            the policies listed); a column with no value at all to fill from.
        """
        frame = _check_frame(frame)
        names = [str(c) for c in frame.columns]
        if self.categorical:
            absent = [c for c in self.categorical if c not in names]
            if absent:
                raise DataError(f"categorical column(s) {absent} are not features; the features are {shown(names)}")
        text = {c for c in names if not is_numeric(frame[c]) and not _mostly_numbers(frame[c])}
        categorical = text | set(self.categorical or ())
        self.feature_names_ = names
        self.categories_, self.fill_ = {}, {}
        for name in names:
            if name in categorical:
                values = frame[name].dropna()
                self.categories_[name] = sorted({_category(v) for v in values})
                if self.missing in ("mean", "median", "most_frequent"):
                    self.fill_[name] = _most_frequent([_category(v) for v in values], name)
            else:
                values = numeric_column(frame, name, _CATEGORICAL_HINT)
                if self.missing in ("mean", "median", "most_frequent"):
                    self.fill_[name] = _numeric_fill(values[~np.isnan(values)], self.missing, name)
        if self.missing == "error":
            self._check_complete(frame)
        return self

    @property
    def is_fitted(self) -> bool:
        return self.feature_names_ is not None

    @property
    def output_names_(self) -> list[str]:
        self._require_fitted()
        out = []
        for name in self.feature_names_:
            if name in self.categories_:
                out += [f"{name}={value}" for value in self.categories_[name]]
            else:
                out.append(name)
        return out

    @property
    def n_outputs(self) -> int:
        """``n_x``: the number of network inputs."""
        return len(self.output_names_)

    # ------------------------------------------------------------------ transforming
    def transform(self, frame) -> np.ndarray:
        """The network inputs of every row, ``(n_x, m)`` float64 (one example per column).

        Raises
        ------
        DataError
            Every error of :meth:`transform_rows`, and a row that ``missing="drop"`` would leave
            out (a model cannot answer for it; :meth:`transform_rows` returns the kept rows).
        """
        X, kept = self.transform_rows(frame)
        if not kept.all():
            position = int(np.flatnonzero(~kept)[0])
            column = next(c for c in self.feature_names_ if frame[c].isna().iloc[position])
            raise cell_error(frame, position, column,
                             "missing value in a row to predict; the model was trained with missing='drop', "
                             "which cannot answer for it (fill it, or train with --missing mean|median|most_frequent)")
        return X

    def transform_rows(self, frame) -> tuple[np.ndarray, np.ndarray]:
        """The network inputs of the rows kept, and which rows were kept.

        Returns
        -------
        X : ndarray of shape (n_x, m_kept), float64
        kept : ndarray of shape (m,), bool
            False for the rows left out by ``missing="drop"``.

        Raises
        ------
        DataError
            A feature column absent from ``frame`` (all absent ones named), a cell that is not
            a number in a numeric column, a missing cell under ``missing="error"``, a category
            unseen in training under ``handle_unknown="error"``.
        """
        self._require_fitted()
        frame = _check_frame(frame)
        absent = [c for c in self.feature_names_ if c not in frame.columns]
        if absent:
            raise DataError(
                f"{frame.attrs.get('path', 'the table')}: the model needs the column(s) {absent}; "
                f"the table has {shown([str(c) for c in frame.columns])}"
            )
        frame = frame[self.feature_names_]
        if self.missing == "error":
            self._check_complete(frame)
        kept = ~frame.isna().any(axis=1).to_numpy() if self.missing == "drop" else np.ones(len(frame), bool)
        blocks = []
        for name in self.feature_names_:
            if name in self.categories_:
                blocks.append(self._one_hot(frame, name))
            else:
                values = numeric_column(frame, name, _CATEGORICAL_HINT)
                if name in self.fill_:
                    values = np.where(np.isnan(values), self.fill_[name], values)
                blocks.append(values.reshape(1, -1))
        X = np.vstack(blocks) if blocks else np.empty((0, len(frame)))
        return np.ascontiguousarray(X[:, kept]), kept

    def _one_hot(self, frame, name) -> np.ndarray:
        categories = self.categories_[name]
        series = frame[name]
        cells = [None if missing else _category(v) for v, missing in zip(series, series.isna().to_numpy())]
        if name in self.fill_:
            cells = [self.fill_[name] if c is None else c for c in cells]
        index = {value: k for k, value in enumerate(categories)}
        codes = np.array([index.get(c, -1) if c is not None else -2 for c in cells], dtype=np.int64)
        unknown = codes == -1
        if unknown.any() and self.handle_unknown == "error":
            position = int(np.flatnonzero(unknown)[0])
            raise cell_error(
                frame, position, name,
                f"the category {cells[position]!r} was not seen in training (known: {shown(categories)}); "
                "pass --handle-unknown ignore (handle_unknown='ignore') to encode it as all zeros",
            )
        block = np.zeros((len(categories), len(cells)), dtype=np.float64)  # (n_categories, m)
        hit = codes >= 0
        block[codes[hit], np.flatnonzero(hit)] = 1.0
        return block

    def _check_complete(self, frame) -> None:
        missing = frame.isna().to_numpy()
        if missing.any():
            position, k = (int(i) for i in np.argwhere(missing)[0])
            raise cell_error(
                frame, position, str(frame.columns[k]),
                "missing value (an empty cell, NA or NaN); choose what to do with "
                "--missing drop|mean|median|most_frequent (missing=...)",
            )

    # ------------------------------------------------------------------ persistence
    def to_arrays(self) -> tuple[dict, dict]:
        """``(arrays, metadata)``: the numeric fill values as an array, the rest as JSON values."""
        self._require_fitted()
        numeric_fill = [name for name in self.feature_names_ if name in self.fill_ and name not in self.categories_]
        arrays = {"fill": np.array([self.fill_[n] for n in numeric_fill], dtype=np.float64)}
        metadata = {
            "feature_names": list(self.feature_names_),
            "categories": {name: list(values) for name, values in self.categories_.items()},
            "missing": self.missing,
            "handle_unknown": self.handle_unknown,
            "numeric_fill": numeric_fill,
            "categorical_fill": {n: v for n, v in self.fill_.items() if n in self.categories_},
        }
        return arrays, metadata

    @classmethod
    def from_arrays(cls, arrays: dict, metadata: dict) -> "Preprocessor":
        """The preprocessor :meth:`to_arrays` described (``ValueError``/``KeyError`` if broken)."""
        categories = {str(k): [str(v) for v in values] for k, values in metadata["categories"].items()}
        pre = cls(categorical=list(categories), missing=metadata["missing"], handle_unknown=metadata["handle_unknown"])
        pre.feature_names_ = [str(n) for n in metadata["feature_names"]]
        if not set(categories) <= set(pre.feature_names_) or len(set(pre.feature_names_)) != len(pre.feature_names_):
            raise ValueError("preprocessing: categorical columns must be distinct features")
        pre.categories_ = categories
        fill = np.asarray(arrays["fill"], dtype=np.float64).reshape(-1)
        if len(fill) != len(metadata["numeric_fill"]):
            raise ValueError("preprocessing: one fill value per numeric column expected")
        pre.fill_ = {str(n): float(v) for n, v in zip(metadata["numeric_fill"], fill)}
        pre.fill_.update({str(n): str(v) for n, v in metadata["categorical_fill"].items()})
        return pre

    def _require_fitted(self) -> None:
        if self.feature_names_ is None:
            raise RuntimeError("this Preprocessor is not fitted yet: call fit(frame) first")

    def __repr__(self) -> str:
        if not self.is_fitted:
            return f"Preprocessor(categorical={self.categorical}, missing={self.missing!r})"
        return (f"Preprocessor({len(self.feature_names_)} columns -> {self.n_outputs} inputs, "
                f"categorical={list(self.categories_)}, missing={self.missing!r})")


def _mostly_numbers(series) -> bool:
    """A text column whose cells are mostly numbers: a numeric column with a bad cell (left to
    :func:`~nnlab.data.table.numeric_column` to name), not categories."""
    import pandas as pd

    present = series.dropna()
    return len(present) > 0 and pd.to_numeric(present, errors="coerce").notna().mean() >= 0.5


def _check_frame(frame):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        raise TypeError("a table needs pandas") from None
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame (one example per row); got {type(frame).__name__}")
    if len(frame) == 0:
        raise DataError("the table has no rows; expected one row per example")
    return frame


def _numeric_fill(values: np.ndarray, policy: str, name: str) -> float:
    if values.size == 0:
        raise DataError(f"column {name!r} holds no value in the training rows; nothing to fill it with (drop it)")
    if policy == "mean":
        return float(values.mean())
    if policy == "median":
        return float(np.median(values))
    uniques, counts = np.unique(values, return_counts=True)
    return float(uniques[np.argmax(counts)])  # ties: the smallest


def _most_frequent(values: list[str], name: str) -> str:
    if not values:
        raise DataError(f"column {name!r} holds no value in the training rows; nothing to fill it with (drop it)")
    uniques, counts = np.unique(np.array(values, dtype=str), return_counts=True)
    return str(uniques[np.argmax(counts)])


def is_frame(X) -> bool:
    """Whether ``X`` is a pandas DataFrame (without importing pandas when it is not loaded)."""
    import sys

    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(X, pandas.DataFrame)


def labels_row(Y, kept: np.ndarray) -> np.ndarray:
    """Labels given one per row of a table (a Series, a list, an (m,) or (1, m) array, or a
    DataFrame of target columns) as the (n_y, m_kept) array the Model takes, rows of ``kept``."""
    if is_frame(Y):
        Y = Y.to_numpy().T  # (n_y, m)
    else:
        Y = np.asarray(getattr(Y, "to_numpy", lambda: Y)())
        if Y.ndim == 1:
            Y = Y.reshape(1, -1)
    if Y.ndim != 2 or Y.shape[1] != kept.size:
        raise ValueError(f"Y must hold one label per row of the table ({kept.size}); got shape {Y.shape}")
    return Y[:, kept]  # an object array stays one: check_label_array reads it, as for arrays
