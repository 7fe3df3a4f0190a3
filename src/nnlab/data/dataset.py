"""The :class:`Dataset`: examples ``X`` of shape (n_x, m), labels ``Y``, feature names and a name."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import DataError

__all__ = ["Dataset", "default_feature_names"]


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



def default_feature_names(n: int) -> tuple[str, ...]:
    """``("x0", "x1", ..., "x{n-1}")``: the names of features that come without names."""
    return tuple(f"x{i}" for i in range(n))
