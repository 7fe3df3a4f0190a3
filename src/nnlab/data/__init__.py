"""Data sets: the course's planar and image data, seeded toy generators, and data in for models.

Layout follows the course: ``X`` has shape ``(n_x, m)`` (one example per
column) and ``Y`` has shape ``(1, m)``. Nothing here seeds or draws from
NumPy's global random state; every generator takes a ``seed``.

==============  ====================================================================
module          what it holds
==============  ====================================================================
``dataset``     :class:`Dataset`: ``X``, ``Y``, feature names and a name
``files``       one reader per file format: delimited text (pandas), NPZ, HDF5
``table``       tables (CSV, TSV, Parquet) as DataFrames; label and feature columns
``preprocess``  :class:`Preprocessor`: names, categories, missing values (fitted on train)
``builtin``     the built-in sets by name (:data:`BUILTIN_DATASETS`)
``sources``     a name or a file -> data: the rules (:func:`check_source`),
                :func:`load_data`, and load -> infer -> split (:func:`load_splits`)
``splits``      :func:`train_dev_test_split` (stratified by class)
``scaling``     :class:`Standardizer`, fitted on the training split
``images``      the course's cat / non-cat images
``generators``  the seeded toy generators
==============  ====================================================================

:data:`DATASETS` maps the generators' names to loaders callable as ``loader()`` or
``loader(seed=...)``, each returning ``(X, Y)``; :func:`load_dataset` looks one up by name.
Bad data raises :class:`nnlab.errors.DataError`.
"""

from __future__ import annotations

from . import generators
from .generators import *  # noqa: F401,F403  (generators.__all__, re-exported below)
from .builtin import BUILTIN_DATASETS, GENERATORS, describe_datasets
from .dataset import Dataset
from .files import load_h5, load_npz, read_h5_arrays
from .table import Table, TextFormat, load_csv, load_table, read_table
from .images import flatten_images, load_catvnoncat, scale_images
from .scaling import Standardizer
from .sources import SourceError, Splits, check_source, load_data, load_inputs, load_splits
from .splits import Split, split_indices, train_dev_test_split

__all__ = [
    "DATASETS",
    "load_dataset",
    *generators.__all__,  # the course's flower and the toy sets
    "load_catvnoncat",
    "flatten_images",
    "scale_images",
    # data in for the Model API and the CLI
    "BUILTIN_DATASETS",
    "Dataset",
    "describe_datasets",
    "load_csv",
    "load_table",
    "read_table",
    "Table",
    "TextFormat",
    "load_data",
    "load_h5",
    "load_npz",
    "read_h5_arrays",
    "SourceError",
    "Splits",
    "check_source",
    "load_inputs",
    "load_splits",
    "Split",
    "split_indices",
    "train_dev_test_split",
    "Standardizer",
]

#: Name -> loader ``(seed=...) -> (X, Y)``, each with the defaults documented
#: on its function (the course's parameters where the course has the set).
#: "blobs" keeps its six class labels (the course's notebook uses ``Y % 2``).
#: The same dict as :data:`nnlab.data.builtin.GENERATORS` (one registry).
DATASETS = GENERATORS


def load_dataset(name, seed=None):
    """Build a registered data set by name.

    Parameters
    ----------
    name : str
        One of ``sorted(DATASETS)``: "blobs", "circles", "flower",
        "gaussian_quantiles", "moons", "spirals", "xor".
    seed : int, numpy.random.RandomState, numpy.random.Generator or None
        Passed on to the loader; ``None`` keeps the loader's own default
        (``1`` for the flower, i.e. the course's set; ``5`` for blobs; fresh
        entropy for the other generators).

    Returns
    -------
    X : ndarray of shape (n_x, m), float64
    Y : ndarray of shape (1, m), integer labels

    Raises
    ------
    ValueError
        If ``name`` is not registered (the message lists the allowed names).
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(
            f"unknown data set {name!r}; expected one of {sorted(DATASETS)}"
        )
    loader = DATASETS[name]
    return loader() if seed is None else loader(seed=seed)
