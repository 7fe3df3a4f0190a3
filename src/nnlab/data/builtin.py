"""The built-in data sets: the seeded generators (the course's flower, moons, ...) and
scikit-learn's fixed sets (digits, breast cancer), by name, each with its description."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from types import MappingProxyType
from typing import Callable, NamedTuple

import numpy as np

from ..errors import DataError
from .dataset import Dataset, default_feature_names
from . import generators

__all__ = ["BUILTIN_DATASETS", "GENERATORS", "BuiltinDataset", "describe_datasets", "load_builtin"]

#: The hint names the environment that runs nnlab (its python), where the package must go: a
#: plain ``pip`` may belong to another one (e.g. the system's, when nnlab runs from ``.venv``).
INSTALL_DATASETS = f"{sys.executable} -m pip install 'scikit-learn>=1.3' (nnlab's [datasets] extra)"


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
    "flower": generators.load_planar_dataset,
    "moons": generators.make_moons,
    "circles": generators.make_circles,
    "blobs": generators.make_blobs,
    "gaussian_quantiles": generators.make_gaussian_quantiles,
    "xor": generators.make_xor,
    "spirals": generators.make_spirals,
}

#: Built-in data sets by name, for :func:`~nnlab.data.sources.load_data` and :func:`describe_datasets`: the
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



def _available(spec: BuiltinDataset) -> bool:
    return spec.requires is None or importlib.util.find_spec(spec.requires) is not None


def load_builtin(name: str, seed=None) -> Dataset:
    """The built-in set ``name`` (a key of :data:`BUILTIN_DATASETS`); ``seed``: generators only."""
    spec = BUILTIN_DATASETS[name]
    if not _available(spec):
        raise DataError(_needs_sklearn(name))
    X, Y, names = spec.build(seed)
    Y = np.asarray(Y).astype(np.int64)  # class labels, never uint8 (1 - Y must not wrap)
    X = np.ascontiguousarray(np.asarray(X, dtype=np.float64))
    return Dataset(X, Y, names or default_feature_names(X.shape[0]), name)



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
            data = load_builtin(name)
            labels, counts = np.unique(data.Y, return_counts=True)
            row.update(n_features=data.n_features, n_examples=data.n_examples,
                       classes={lab.item(): int(c) for lab, c in zip(labels, counts)})
        else:
            row["note"] = f"needs scikit-learn: {INSTALL_DATASETS}"
        rows.append(row)
    return rows
