"""Train / dev / test splits of examples stored one per column, stratified by class.

The course's vocabulary: the *training* set fits the parameters, the *dev* (hold-out
cross-validation) set picks hyperparameters, the *test* set gives an unbiased final estimate.
Shuffling draws only from a local :class:`numpy.random.RandomState` built from ``seed``;
NumPy's global random state is never touched.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..engine.seeding import as_random_state
from ..engine.validation import check_real
from ..errors import DataError
from ..labels import is_one_hot

__all__ = ["Split", "split_indices", "train_dev_test_split"]


class Split(NamedTuple):
    """The three parts of a data set, each ``(X, Y)`` with examples as columns, or None when empty.

    Attributes
    ----------
    train : tuple (X of shape (n_x, m_train), Y of shape (n_y, m_train))
    dev : tuple (X of shape (n_x, m_dev), Y of shape (n_y, m_dev)) or None
        None when ``dev=0``.
    test : tuple (X of shape (n_x, m_test), Y of shape (n_y, m_test)) or None
        None when ``test=0``.
    """

    train: tuple
    dev: tuple | None
    test: tuple | None


def train_dev_test_split(X, Y, dev=0.2, test=0.0, seed=0, stratify=True) -> Split:
    """Partition the examples (columns) of ``X`` and ``Y`` into train, dev and test sets.

    Every example lands in exactly one part. The dev part holds ``round(dev * m)`` examples,
    the test part ``round(test * m)`` and the training part the rest. With ``stratify=True``
    each class keeps its proportion in every part (within one example per class), every class
    has at least one training example, and which examples of a class go where is drawn at
    random. (A class too small to give every part its share keeps one training example first,
    and may then be further off.) Each part comes back in random order. Fit any feature scaling
    (:class:`nnlab.data.Standardizer`) on the training part only.

    Parameters
    ----------
    X : array_like of shape (n_x, m)
        Inputs, one example per column.
    Y : array_like of shape (1, m) or (C, m)
        Labels: class labels (integers, whole-number floats or strings) or regression targets
        as one row, or one-hot columns.
    dev, test : float in [0, 1), defaults 0.2 and 0.0
        Fractions of the examples for the dev and test parts; ``dev + test < 1``. A part with
        a fraction > 0 must not round to zero examples.
    seed : int, numpy.random.RandomState, numpy.random.Generator or None, default 0
        Source of the shuffle (see :func:`nnlab.engine.seeding.as_random_state`); the same int
        gives the same split.
    stratify : bool, default True
        Keep class proportions. Needs class labels; pass ``False`` for regression targets.

    Returns
    -------
    Split
        ``Split(train=(X, Y), dev=(X, Y) or None, test=(X, Y) or None)``; the arrays are
        copies.

    Raises
    ------
    TypeError, ValueError
        If ``dev`` or ``test`` is not a number in [0, 1) or ``dev + test >= 1``.
    DataError
        If ``X`` is not 2-D or ``Y`` has not one column per example; if a part with a fraction
        > 0 would be empty or no training example would remain (the message names the
        fraction and ``m``); with ``stratify=True``, if ``Y`` does not hold class labels or
        there are fewer training examples than classes.
    """
    X, Y = _check_arrays(X, Y)
    train_idx, dev_idx, test_idx = split_indices(Y, dev=dev, test=test, seed=seed, stratify=stratify)

    def part(idx):
        return (X[:, idx], Y[:, idx]) if idx.size else None

    return Split(train=(X[:, train_idx], Y[:, train_idx]), dev=part(dev_idx), test=part(test_idx))


def split_indices(Y, dev=0.2, test=0.0, seed=0, stratify=True):
    """The example (column) indices of each part of :func:`train_dev_test_split`.

    Parameters
    ----------
    Y : array_like of shape (1, m) or (C, m)
        Labels (only their classes are used, and only with ``stratify=True``).
    dev, test, seed, stratify
        As in :func:`train_dev_test_split`.

    Returns
    -------
    train, dev, test : ndarray of int64
        Disjoint index arrays whose union is ``range(m)``, each in random order; ``dev`` and
        ``test`` are empty when their fraction is 0.
    """
    Y = np.asarray(Y)
    if Y.ndim != 2 or Y.shape[1] < 1:
        raise DataError(f"Y must have shape (1, m) or (C, m) with m >= 1; got {Y.shape}")
    m = Y.shape[1]
    dev = check_real(dev, "dev", low=0.0, high=1.0, high_open=True)
    test = check_real(test, "test", low=0.0, high=1.0, high_open=True)
    if dev + test >= 1.0:
        raise ValueError(f"dev + test must be < 1 to leave training examples; got dev={dev}, test={test}")
    n_dev = _part_size(dev, "dev", m)
    n_test = _part_size(test, "test", m)
    n_train = m - n_dev - n_test
    if n_train < 1:
        raise DataError(
            f"dev={dev} and test={test} of m={m} examples take {n_dev} + {n_test} examples and "
            "leave none for training; use smaller fractions or more examples"
        )
    rs = as_random_state(seed)
    if not stratify:
        order = rs.permutation(m)
        return order[n_dev + n_test:], order[:n_dev], order[n_dev:n_dev + n_test]

    codes = _class_codes(Y)
    counts = np.bincount(codes)
    n_classes = counts.size
    if n_train < n_classes:
        raise DataError(
            f"dev={dev} and test={test} of m={m} examples leave {n_train} training example(s) "
            f"for {n_classes} classes; every class needs one (use smaller fractions, or "
            "stratify=False for regression targets)"
        )
    # Largest-remainder apportionment per part: each class gets floor(n_c * fraction), the
    # leftover examples go one each to the classes that most deserve them. Dev goes first (by
    # its fractional parts); test then favours the classes whose training share is furthest
    # above its target. Test's floors are reserved before dev is drawn, and every class keeps a
    # training example. _rebalance then repairs the rare count still more than one example off.
    dev_exact, test_exact = counts * dev, counts * test
    dev_floor, test_floor = np.floor(dev_exact).astype(np.int64), np.floor(test_exact).astype(np.int64)
    dev_counts = _allocate(n_dev, dev_floor, counts - 1 - test_floor, dev_exact - dev_floor, rs)
    train_surplus = (counts - dev_counts - test_floor) - (counts - dev_exact - test_exact)
    test_counts = _allocate(n_test, test_floor, counts - 1 - dev_counts, train_surplus, rs)
    table = np.column_stack([counts - dev_counts - test_counts, dev_counts, test_counts])  # (K, 3)
    exact = np.column_stack([counts - dev_exact - test_exact, dev_exact, test_exact])
    train_counts, dev_counts, test_counts = _rebalance(table, exact).T

    train_parts, dev_parts, test_parts = [], [], []
    for c in range(n_classes):
        members = rs.permutation(np.flatnonzero(codes == c))
        d, t = dev_counts[c], test_counts[c]
        dev_parts.append(members[:d])
        test_parts.append(members[d:d + t])
        train_parts.append(members[d + t:])
    return tuple(rs.permutation(np.concatenate(p)).astype(np.int64) for p in (train_parts, dev_parts, test_parts))


def _check_arrays(X, Y):
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2:
        raise DataError(f"X must have shape (n_x, m), one example per column; got {X.shape}")
    if Y.ndim != 2 or Y.shape[1] != X.shape[1]:
        m = X.shape[1]
        raise DataError(f"Y must have shape (1, {m}) or (C, {m}) to match X {X.shape}; got {Y.shape}")
    return X, Y


def _part_size(fraction: float, name: str, m: int) -> int:
    size = math.floor(fraction * m + 0.5)
    if fraction > 0 and size == 0:
        raise DataError(
            f"{name}={fraction} of m={m} examples rounds to an empty {name} set; use "
            f"{name} >= {0.5 / m:.3g}, more examples, or {name}=0"
        )
    return size


def _class_codes(Y: np.ndarray) -> np.ndarray:
    """Class index 0..K-1 of each example, from a row of labels or one-hot columns."""
    hint = "stratify=True needs class labels; pass stratify=False for regression targets"
    if Y.shape[0] > 1:
        if not is_one_hot(Y):
            raise DataError(f"Y of shape {Y.shape} is not one-hot; {hint}")
        return np.argmax(Y, axis=0)
    labels = Y[0]
    if labels.dtype.kind == "f":
        if not np.isfinite(labels).all() or not (labels == np.round(labels)).all():
            raise DataError(f"Y holds non-integer values; {hint}")
    elif labels.dtype.kind not in "biuUS":
        raise DataError(f"Y of dtype {Y.dtype} does not hold class labels; {hint}")
    _, codes = np.unique(labels, return_inverse=True)
    return codes.reshape(-1)


def _rebalance(table: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """Bring every class's count in every part within one example of its share, where possible.

    ``table[c, s]`` is the number of examples of class ``c`` in part ``s`` (train, dev, test);
    ``exact`` the proportional shares. Each step exchanges one example between two parts in one
    class and one back in another class (row and column totals stay put), taking the exchange
    that most reduces the excess of deviations over one example (then their sum of squares);
    it stops once no count is more than one example off, or when no exchange helps. Every class
    keeps a training example.
    """

    def cost(d):  # convex: excess beyond one example dominates, squares break ties
        return d * d + 100.0 * np.maximum(np.abs(d) - 1.0, 0.0)

    def change(d, step):
        return cost(d + step) - cost(d)

    table = table.copy()
    low = np.zeros_like(table)
    low[:, 0] = 1
    for _ in range(4 * table.size):
        dev = table - exact
        if np.abs(dev).max() <= 1 + 1e-9 or table.shape[0] < 2:
            break
        best = (-1e-9, None)
        for s in range(3):
            for t in range(3):
                if s == t:
                    continue
                # class c gives one example from part s to t; class d one from t to s
                give = np.where(table[:, s] > low[:, s], change(dev[:, s], -1) + change(dev[:, t], 1), np.inf)
                take = np.where(table[:, t] > low[:, t], change(dev[:, t], -1) + change(dev[:, s], 1), np.inf)
                gain = give[:, None] + take[None, :]
                np.fill_diagonal(gain, np.inf)
                c, d = np.unravel_index(np.argmin(gain), gain.shape)
                if gain[c, d] < best[0]:
                    best = (gain[c, d], (c, d, s, t))
        if best[1] is None:
            break
        c, d, s, t = best[1]
        table[c, s] -= 1
        table[c, t] += 1
        table[d, t] -= 1
        table[d, s] += 1
    return table


def _allocate(total: int, base: np.ndarray, capacity: np.ndarray, priority: np.ndarray, rs) -> np.ndarray:
    """Add ``total - sum(base)`` examples to ``base``, one per class, highest ``priority`` first.

    Ties are broken at random; a class never goes beyond ``capacity`` (what it can give
    without losing its last training example). Should capacity stop a pass short, further
    passes continue with the remaining priorities.
    """
    allocated = np.minimum(base, capacity)
    remaining = total - int(allocated.sum())
    while remaining > 0:
        key = priority - (allocated - base)
        order = np.lexsort((rs.permutation(base.size), -key))
        open_classes = [c for c in order if allocated[c] < capacity[c]]
        if not open_classes:  # unreachable: callers check n_train >= number of classes
            raise DataError("cannot split the classes while keeping one training example each")
        for c in open_classes[:remaining]:
            allocated[c] += 1
        remaining = total - int(allocated.sum())
    return allocated
