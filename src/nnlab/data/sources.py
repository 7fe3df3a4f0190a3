"""Data sources: a built-in name or a data file, the rules they follow (written once, for the
command line and the search's TOML ``[data]`` table alike), and load -> infer -> split.

A source is a built-in name (:data:`~nnlab.data.builtin.BUILTIN_DATASETS`; it wins over a file of
the same name) or a path whose extension (:data:`~nnlab.data.files.DATA_EXTENSIONS`: ``.csv``,
``.tsv``, ``.parquet``, ``.npz``, ``.h5``, ``.hdf5``) picks the reader. Its options apply to one kind of source each:
``label`` to CSV files, ``layout`` to NPZ files, ``seed`` to the built-in generators.

=====================  ========================================================================
function               what it does
=====================  ========================================================================
:func:`check_source`   the rules, before anything is read: the source (a relative path joined to
                       ``relative_to``) or a :class:`SourceError` naming the option at fault
:func:`load_data`      a source as a :class:`~nnlab.data.dataset.Dataset`
:func:`load_splits`    load, infer the targets, split train/dev/test (stratified for classes)
:func:`load_inputs`    the examples of a source to predict, labels dropped
=====================  ========================================================================
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..errors import DataError
from ..labels import Targets, infer_targets
from .builtin import BUILTIN_DATASETS, GENERATORS, load_builtin
from .dataset import Dataset
from .files import DATA_EXTENSIONS, LAYOUTS, csv_header, load_h5, load_npz
from .table import load_csv
from .splits import Split, train_dev_test_split

__all__ = ["LAYOUTS", "SourceError", "Splits", "check_source", "load_data", "load_inputs", "load_splits"]


class SourceError(DataError):
    """A data source, or one of its options, breaks a rule before anything is read.

    ``key`` names what is at fault: ``"source"``, ``"label"``, ``"layout"`` or ``"seed"`` (a
    configuration file can prefix its own section, e.g. ``data.label``).
    """

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key


class Splits(NamedTuple):
    """What :func:`load_splits` returns: the whole data set, its split and its targets."""

    dataset: Dataset
    split: Split
    targets: Targets


def _kind(source) -> str:
    """``"builtin"``, or the file format its extension names (``None``: no known extension)."""
    if isinstance(source, str) and source in BUILTIN_DATASETS:
        return "builtin"
    return DATA_EXTENSIONS.get(Path(os.fspath(source)).suffix.lower())


def check_source(source, *, label=None, layout="columns", seed=None, relative_to=None) -> str:
    """Check a data source and its options against the rules, before anything is read.

    Parameters
    ----------
    source : str or os.PathLike
        A built-in name or a data file.
    label : str or None
        Tables only (CSV, TSV, Parquet: the label column).
    layout : {"columns", "rows"}
        NPZ files only, when not ``"columns"``.
    seed : int or None
        The built-in generators only, when given. (:func:`load_data` does not pass it: there a
        seed is ignored for fixed data.)
    relative_to : str, os.PathLike or None
        The folder a relative path is relative to (a configuration file's folder). Given, a
        file's path is returned resolved (absolute); ``None``: as given, relative to the
        current folder.

    Returns
    -------
    str
        The built-in name, or the path of the existing file.

    Raises
    ------
    SourceError
        With one line quoting what was received: a bad layout; a source that is neither a
        built-in name nor a path; an unknown name without a known extension (the built-in names
        listed, and the nearest one suggested); a missing file; an unknown extension; ``label``,
        ``layout`` or ``seed`` given to a source they do not apply to.
    """
    if layout not in LAYOUTS:
        raise SourceError(f"layout must be one of {list(LAYOUTS)}; got {layout!r}", "layout")
    if not isinstance(source, (str, os.PathLike)):
        raise SourceError(
            f"data source must be a built-in name or a path; got {source!r}. "
            f"Built-in names: {sorted(BUILTIN_DATASETS)}", "source",
        )
    kind = _kind(source)
    if kind != "builtin":
        source = _existing_file(source, kind, relative_to)
    _only_for(kind, source, label, layout)
    if seed is not None and source not in GENERATORS:
        raise SourceError(
            f"seed={seed!r} applies to the built-in generators only ({', '.join(GENERATORS)}); "
            f"the source {str(source)!r} is fixed data", "seed",
        )
    return source


def _existing_file(source, kind, relative_to) -> str:
    path = Path(os.fspath(source)).expanduser()
    joined = relative_to is not None and not path.is_absolute()
    if joined:
        path = Path(os.fspath(relative_to)) / path
    if not path.exists():
        if kind is None:
            close = difflib.get_close_matches(str(source), list(BUILTIN_DATASETS), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise SourceError(
                f"unknown data set {str(source)!r}: not a built-in name and not an existing file. "
                f"Built-in names: {sorted(BUILTIN_DATASETS)}; files: {', '.join(DATA_EXTENSIONS)}.{hint}",
                "source",
            )
        where = f" (relative to {Path(os.fspath(relative_to)).resolve()})" if joined else ""
        raise SourceError(f"{path}: no such file{where}", "source")
    if kind is None:
        raise SourceError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; expected one of "
            f"{', '.join(DATA_EXTENSIONS)}", "source",
        )
    return str(path.resolve()) if relative_to is not None else str(path)


_APPLIES = {"builtin": "built-in data set {source!r}", "table": "CSV, TSV and Parquet files",
            "npz": "NPZ files", "h5": "HDF5 files"}


def _only_for(kind: str, source: str, label, layout) -> None:
    """A SourceError if ``label`` is given to other than a CSV, or a row ``layout`` to other than an NPZ."""
    given = []
    if label is not None and kind != "table":
        given.append(f"label={label!r} (CSV, TSV and Parquet files only)")
    if layout != "columns" and kind != "npz":
        given.append(f"layout={layout!r} (NPZ files only)")
    if given:
        what = _APPLIES[kind].format(source=source)
        raise SourceError(f"{', '.join(given)} does not apply to {what}", "label" if label is not None else "layout")


def load_data(source, *, label=None, layout="columns", seed=None) -> Dataset:
    """Load a built-in data set by name, or a data file by path.

    Parameters
    ----------
    source : str or os.PathLike
        A built-in name (``sorted(BUILTIN_DATASETS)``: "blobs", "breast_cancer", "circles",
        "digits", "flower", "gaussian_quantiles", "moons", "spirals", "xor"; "digits" and
        "breast_cancer" need scikit-learn, ``pip install 'nnlab[datasets]'``), or a path whose
        extension picks the reader: ``.csv``, ``.tsv``, ``.parquet`` (:func:`~nnlab.data.table.load_csv`), ``.npz``
        (:func:`~nnlab.data.files.load_npz`), ``.h5`` / ``.hdf5``
        (:func:`~nnlab.data.files.load_h5`, default keys).
    label : str or None, default None
        CSV files only: the label column.
    layout : {"columns", "rows"}, default "columns"
        NPZ files only: how ``X`` is stored.
    seed : int, numpy.random.RandomState, numpy.random.Generator or None, default None
        Built-in generators only (``None``: the generator's default seed, e.g. the course's
        flower, or 0 for generators without one, so a name always loads the same data);
        ignored for files and the fixed scikit-learn sets.

    Returns
    -------
    Dataset
        For built-in sets, ``Y`` holds int64 class labels of shape (1, m).

    Raises
    ------
    DataError
        Every rule of :func:`check_source` (a :class:`SourceError`), a built-in set that needs
        scikit-learn when it is not installed, and every error of the chosen reader.
    """
    source = check_source(source, label=label, layout=layout)
    kind = _kind(source)
    if kind == "builtin":
        return load_builtin(source, seed)
    if kind == "table":
        return load_csv(source, label=label)
    if kind == "npz":
        return load_npz(source, layout=layout)
    return load_h5(source)


def load_splits(source, *, label=None, layout="columns", seed=None, dev=0.2, test=0.0, split_seed=0,
                output=None) -> Splits:
    """Load a source, infer its targets, and split it into train / dev / test.

    Parameters
    ----------
    source, label, layout, seed
        As for :func:`load_data`.
    dev, test : float in [0, 1), dev + test < 1
        Fractions of the examples held out (see :func:`~nnlab.data.splits.train_dev_test_split`).
    split_seed : int
        Seed of the split; stratified by class unless the targets are a regression's.
    output : {"sigmoid", "softmax", "linear"} or None
        The output layer, if chosen (``None``: inferred from the labels).

    Returns
    -------
    Splits
        ``(dataset, split, targets)``.
    """
    dataset = load_data(source, label=label, layout=layout, seed=seed)
    targets = infer_targets(dataset.Y, output)
    split = train_dev_test_split(
        dataset.X, dataset.Y, dev=dev, test=test, seed=split_seed, stratify=targets.task != "regression"
    )
    return Splits(dataset, split, targets)


def load_inputs(source, n_features: int, *, label=None, layout="columns", seed=None) -> np.ndarray:
    """The examples of a source to predict, ``(n_features, m)``; labels in the source are dropped.

    A CSV file may hold just the ``n_features`` feature columns, without a label column: when
    no ``label`` is named and its header has exactly ``n_features`` columns, its last column
    is read as the reader's "label" and put back as a feature, so every cell goes through the
    reader's checks.

    Raises
    ------
    DataError
        Every error of :func:`load_data`, and a feature column of such a CSV that does not
        hold numbers.
    """
    is_path = isinstance(source, (str, os.PathLike))
    if label is None and is_path and _kind(source) == "table" and Path(os.fspath(source)).is_file():
        header = csv_header(source)
        if header is not None and len(header) == n_features:
            dataset = load_data(source, label=header[-1])
            if dataset.Y.dtype.kind not in "iuf":
                raise DataError(
                    f"{source}: column {header[-1]!r} must hold numbers (it is one of the model's "
                    f"{n_features} features)"
                )
            return np.vstack([dataset.X, dataset.Y.astype(np.float64)])
    return load_data(source, label=label, layout=layout, seed=seed).X
