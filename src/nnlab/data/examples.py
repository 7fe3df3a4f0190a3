"""The examples of a source as the commands use them, and the split a model was trained with.

:func:`load_examples` reads any source: a table (CSV, TSV, Parquet) stays a DataFrame, one
example per row, for the model's :class:`~nnlab.data.preprocess.Preprocessor`; the other sources
are arrays, one example per column. :func:`split_record` describes a train/dev/test split in a
few JSON values (fractions, seed, stratification, the number of examples and a fingerprint of
the labels) that the model file keeps, and :func:`split_part` rebuilds exactly the examples of
one part from the same data, or says why it cannot.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import numpy as np

from ..errors import DataError
from .sources import SourceError, _kind, check_source, load_data
from .splits import split_indices
from .table import TextFormat, load_table, numeric_matrix

__all__ = ["PARTS", "Examples", "load_examples", "split_part", "split_record"]

#: What ``--split`` may name.
PARTS = ("train", "dev", "test", "all")


class Examples(NamedTuple):
    """A source's examples: ``X`` (n_x, m) array or DataFrame of m rows, labels ``Y`` (n_y, m)."""

    name: str
    X: object
    Y: np.ndarray | None
    feature_names: tuple
    notes: tuple = ()
    label: str | None = None  # a table's label column

    @property
    def is_table(self) -> bool:
        return not isinstance(self.X, np.ndarray)

    @property
    def m(self) -> int:
        return len(self.X) if self.is_table else self.X.shape[1]

    def as_arrays(self) -> "Examples":
        """The same examples with ``X`` as a (n_x, m) float64 array (a table must hold only
        numbers, every cell present: the errors name line and column)."""
        if not self.is_table:
            return self
        return self._replace(X=numeric_matrix(self.X))

    def take(self, index: np.ndarray) -> tuple:
        """``(X, Y)`` of the examples at ``index`` (Y None without labels)."""
        X = self.X.iloc[index] if self.is_table else self.X[:, index]
        if self.is_table:
            X.attrs.update(self.X.attrs)
        return X, (None if self.Y is None else self.Y[:, index])


def load_examples(source, *, label=None, layout="columns", seed=None, fmt: TextFormat = TextFormat(),
                  features=None, drop=(), categorical=(), with_label=True, drop_missing_labels=False) -> Examples:
    """Load a source for training, scoring or predicting.

    Parameters
    ----------
    source, label, layout, seed
        As for :func:`~nnlab.data.sources.load_data`.
    fmt, features, drop, categorical, drop_missing_labels
        Tables only: how the text is written (:class:`~nnlab.data.table.TextFormat`) and the
        column choices of :func:`~nnlab.data.table.select_columns`.
    with_label : bool
        False: a table is read without a label column (one named by ``label`` is left out).

    Raises
    ------
    DataError
        Every error of the reader; a table option given to another kind of source.
    """
    source = check_source(source, label=label, layout=layout)
    if _kind(source) != "table":
        given = [name for name, value in (("--features", features), ("--drop", drop), ("--categorical", categorical),
                                          ("--delimiter", fmt.delimiter), ("--thousands", fmt.thousands))
                 if value] + (["--decimal"] if fmt.decimal != "." else [])
        if given:
            raise SourceError(f"{', '.join(given)} apply to tables (.csv, .tsv, .parquet) only; got {str(source)!r}",
                              "source")
        dataset = load_data(source, label=label, layout=layout, seed=seed)
        return Examples(dataset.name, dataset.X, dataset.Y, dataset.feature_names)
    table = load_table(source, fmt, label=label, features=features, drop=tuple(drop), with_label=with_label,
                       categorical=tuple(categorical), drop_missing_labels=drop_missing_labels)
    return Examples(table.name, table.features, table.y, tuple(table.features.columns), table.notes, table.label)


def _fingerprint(Y: np.ndarray) -> str:
    digest = hashlib.sha256(repr(Y.shape).encode())
    for value in Y.reshape(-1).tolist():
        digest.update(repr(value).encode())
    return digest.hexdigest()[:16]


def split_record(Y: np.ndarray, dev: float, test: float, seed: int, stratify: bool) -> dict:
    """The split in JSON values: ``dev``, ``test``, ``seed``, ``stratify``, ``m`` and ``labels``
    (a fingerprint of ``Y``, to know the same data again)."""
    return {"dev": float(dev), "test": float(test), "seed": int(seed), "stratify": bool(stratify),
            "m": int(Y.shape[1]), "labels": _fingerprint(Y)}


def split_part(record: dict | None, Y: np.ndarray | None, part: str | None) -> tuple[np.ndarray | None, str]:
    """The indices of one part of the recorded split, and a line saying what they are.

    Parameters
    ----------
    record : dict or None
        A model's :func:`split_record` (None: the model file has none).
    Y : ndarray of shape (n_y, m) or None
        The labels of the data at hand.
    part : {"train", "dev", "test", "all"} or None
        None: the held-out part (test, else dev) when the data is the training data, else all.

    Returns
    -------
    index : ndarray of int64 or None
        Sorted example indices; None for every example.
    said : str
        E.g. ``"the dev split (40 of 200 examples)"``.

    Raises
    ------
    DataError
        A part named for data that is not the training data (or a model without a record),
        or a part that is empty.
    """
    m = None if Y is None else Y.shape[1]
    same = record is not None and Y is not None and record["m"] == m and record["labels"] == _fingerprint(Y)
    if part is None:
        part = ("test" if record["test"] > 0 else "dev" if record["dev"] > 0 else "all") if same else "all"
    if part == "all":
        return None, f"all {m} examples" if m is not None else "all examples"
    if record is None:
        raise DataError(f"--split {part}: the model file records no split (it was not trained by `nnlab train`); "
                        "use --split all")
    if not same:
        raise DataError(
            f"--split {part}: the data is not the data the model was trained on ({m} examples or other labels; "
            f"the model's split was of {record['m']} examples); use --split all"
        )
    parts = split_indices(Y, record["dev"], record["test"], record["seed"], record["stratify"])
    index = np.sort(dict(zip(("train", "dev", "test"), parts))[part])
    if index.size == 0:
        raise DataError(f"--split {part}: the model was trained without a {part} part ({part} fraction 0)")
    return index, f"the {part} split ({index.size} of {m} examples)"
