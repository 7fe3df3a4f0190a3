"""Tests for nnlab.data.splits: exact partitions, stratification, determinism, errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.data import Split, load_data, split_indices, train_dev_test_split
from nnlab.errors import DataError


def ids_data(labels, n_x=2):
    """X whose first row is the example's id, so every split can be traced back."""
    labels = np.asarray(labels)
    m = labels.shape[-1]
    X = np.vstack([np.arange(m, dtype=np.float64), np.ones((n_x - 1, m))])
    Y = labels.reshape(1, m) if labels.ndim == 1 else labels
    return X, Y


def ids(part):
    return part[0][0].astype(int)


def imbalanced_labels():
    return np.repeat([0, 1, 2], [60, 25, 15])  # m = 100, sorted by class


@pytest.mark.parametrize("stratify", [True, False])
@pytest.mark.parametrize("dev, test", [(0.2, 0.0), (0.2, 0.1), (0.0, 0.3), (0.0, 0.0), (0.33, 0.33)])
def test_exact_partition(dev, test, stratify):
    X, Y = ids_data(imbalanced_labels())
    split = train_dev_test_split(X, Y, dev=dev, test=test, seed=3, stratify=stratify)
    assert isinstance(split, Split)
    parts = [p for p in split if p is not None]
    all_ids = np.concatenate([ids(p) for p in parts])
    assert sorted(all_ids) == list(range(100))  # nothing lost, nothing twice
    assert (split.dev is None) == (dev == 0) and (split.test is None) == (test == 0)
    for Xp, Yp in parts:  # X and Y columns stay together
        np.testing.assert_array_equal(Yp[0], imbalanced_labels()[Xp[0].astype(int)])
        assert Xp.shape[0] == 2 and Yp.shape[0] == 1
    assert len(ids(split.train)) == 100 - round(dev * 100) - round(test * 100)


@pytest.mark.parametrize("dev, test", [(0.2, 0.1), (0.25, 0.25), (0.1, 0.0), (0.37, 0.21)])
def test_stratification_keeps_each_class_proportion(dev, test):
    labels = imbalanced_labels()
    X, Y = ids_data(labels)
    split = train_dev_test_split(X, Y, dev=dev, test=test, seed=11)
    counts = np.bincount(labels)
    for fraction, part in [(dev, split.dev), (test, split.test)]:
        if part is None:
            continue
        got = np.bincount(part[1][0], minlength=3)
        assert np.all(np.abs(got - counts * fraction) <= 1), (fraction, got, counts * fraction)
    train = np.bincount(split.train[1][0], minlength=3)
    assert np.all(np.abs(train - counts * (1 - dev - test)) <= 1)
    assert np.all(train >= 1)


def test_stratification_property_over_random_class_sizes():
    """Every class within one example of its share in every part, whenever its training share
    is at least one example; exact partition and part sizes round(fraction * m) always."""
    rs = np.random.RandomState(2024)
    for trial in range(300):
        counts = rs.randint(1, 40, size=rs.randint(1, 7))
        labels = rs.permutation(np.repeat(np.arange(counts.size), counts))
        m = counts.sum()
        dev = rs.uniform(0, 0.5)
        test = 0.0 if rs.rand() < 0.3 else rs.uniform(0, 0.9 - dev)
        try:
            parts = split_indices(labels[None, :], dev=dev, test=test, seed=trial)
        except DataError:
            continue  # too few examples for these fractions
        assert sorted(np.concatenate(parts)) == list(range(m))
        assert [len(p) for p in parts[1:]] == [int(np.floor(f * m + 0.5)) for f in (dev, test)]
        assert np.bincount(labels[parts[0]], minlength=counts.size).min() >= 1
        if (counts * (1 - dev - test)).min() >= 1:
            for idx, fraction in zip(parts, (1 - dev - test, dev, test)):
                got = np.bincount(labels[idx], minlength=counts.size)
                assert np.abs(got - counts * fraction).max() <= 1 + 1e-9, (trial, counts, dev, test)


def test_stratification_of_string_and_one_hot_labels():
    labels = imbalanced_labels()
    names = np.array(["cat", "dog", "eel"])[labels]
    one_hot = np.eye(3)[:, labels]
    X, _ = ids_data(labels)
    by_int = split_indices(labels[None, :], dev=0.2, test=0.1, seed=5)
    by_str = split_indices(names[None, :], dev=0.2, test=0.1, seed=5)
    by_one_hot = split_indices(one_hot, dev=0.2, test=0.1, seed=5)
    for a, b, c in zip(by_int, by_str, by_one_hot):  # same classes -> same split
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    split = train_dev_test_split(X, one_hot, dev=0.2, test=0.1, seed=5)
    assert split.dev[1].shape == (3, 20)
    np.testing.assert_array_equal(split.dev[1].sum(axis=1), [12, 5, 3])
    np.testing.assert_array_equal(split.dev[1], one_hot[:, ids(split.dev)])


def test_every_class_stays_in_train():
    labels = np.array([0] * 20 + [1, 2])  # two singleton classes
    X, Y = ids_data(labels)
    split = train_dev_test_split(X, Y, dev=0.3, test=0.2, seed=0)
    assert set(split.train[1][0]) == {0, 1, 2}
    assert len(ids(split.dev)) == 7 and len(ids(split.test)) == 4


def test_whole_number_float_labels_are_classes():
    labels = imbalanced_labels().astype(np.float64)
    a = split_indices(labels[None, :], dev=0.2, seed=1)
    b = split_indices(labels.astype(int)[None, :], dev=0.2, seed=1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_deterministic_for_a_seed_and_different_across_seeds():
    X, Y = ids_data(imbalanced_labels())
    a = train_dev_test_split(X, Y, dev=0.2, test=0.1, seed=7)
    b = train_dev_test_split(X, Y, dev=0.2, test=0.1, seed=7)
    c = train_dev_test_split(X, Y, dev=0.2, test=0.1, seed=8)
    for pa, pb in zip(a, b):
        np.testing.assert_array_equal(pa[0], pb[0])
        np.testing.assert_array_equal(pa[1], pb[1])
    assert not np.array_equal(ids(a.dev), ids(c.dev))


def test_parts_are_shuffled_not_class_blocked():
    X, Y = ids_data(imbalanced_labels())
    train = ids(train_dev_test_split(X, Y, dev=0.2, seed=0).train)
    assert not np.all(np.diff(train) > 0)


def test_does_not_touch_global_random_state():
    X, Y = ids_data(imbalanced_labels())
    before = np.random.get_state()
    train_dev_test_split(X, Y, dev=0.2, test=0.1, seed=None)
    train_dev_test_split(X, Y, dev=0.2, test=0.1, stratify=False)
    after = np.random.get_state()
    assert before[0] == after[0] and np.array_equal(before[1], after[1]) and before[2:] == after[2:]


def test_random_state_and_generator_seeds():
    X, Y = ids_data(imbalanced_labels())
    a = train_dev_test_split(X, Y, seed=np.random.RandomState(4))
    b = train_dev_test_split(X, Y, seed=4)
    np.testing.assert_array_equal(ids(a.train), ids(b.train))
    train_dev_test_split(X, Y, seed=np.random.default_rng(0))


def test_regression_targets_without_stratify():
    X = np.arange(30, dtype=np.float64).reshape(1, 30)
    Y = X * 0.5 + 0.25
    split = train_dev_test_split(X, Y, dev=0.2, test=0.2, stratify=False)
    assert [p[0].shape[1] for p in split] == [18, 6, 6]
    for Xp, Yp in split:
        np.testing.assert_array_equal(Yp, Xp * 0.5 + 0.25)
    with pytest.raises(DataError, match="non-integer values; .*pass stratify=False"):
        train_dev_test_split(X, Y, dev=0.2)


def test_builtin_set_split():
    ds = load_data("blobs")
    split = train_dev_test_split(ds.X, ds.Y, dev=0.2, test=0.1, seed=0)
    assert split.train[0].shape == (2, 140) and split.dev[0].shape == (2, 40)
    assert set(np.unique(split.test[1])) == set(range(6))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"dev": 1.0}, ValueError, r"dev must be a finite number in \[0.0, 1.0\); got 1.0"),
        ({"dev": -0.1}, ValueError, "dev must be"),
        ({"test": float("nan")}, ValueError, "test must be"),
        ({"dev": "0.2"}, TypeError, "dev must be a real number"),
        ({"dev": 0.6, "test": 0.4}, ValueError, r"dev \+ test must be < 1"),
        ({"dev": 0.01}, DataError, r"dev=0.01 of m=20 examples rounds to an empty dev set"),
        ({"dev": 0.2, "test": 0.01}, DataError, r"test=0.01 of m=20 examples rounds to an empty test set"),
        ({"dev": 0.5, "test": 0.48}, DataError, "leave none for training"),
    ],
)
def test_argument_errors(kwargs, error, match):
    X, Y = ids_data(np.arange(20) % 2)
    with pytest.raises(error, match=match):
        train_dev_test_split(X, Y, stratify=False, **kwargs)


def test_too_few_training_examples_for_the_classes():
    X, Y = ids_data(np.arange(10))  # ten classes of one example
    with pytest.raises(DataError, match=r"leave 8 training example\(s\) for 10 classes"):
        train_dev_test_split(X, Y, dev=0.2)
    assert len(train_dev_test_split(X, Y, dev=0.2, stratify=False).dev[1][0]) == 2


@pytest.mark.parametrize(
    "X, Y, match",
    [
        (np.zeros(5), np.zeros((1, 5)), r"X must have shape \(n_x, m\)"),
        (np.zeros((2, 5)), np.zeros((1, 4)), r"Y must have shape \(1, 5\) or \(C, 5\)"),
        (np.zeros((2, 5)), np.zeros(5), r"Y must have shape \(1, 5\)"),
    ],
)
def test_shape_errors(X, Y, match):
    with pytest.raises(DataError, match=match):
        train_dev_test_split(X, Y)


def test_non_one_hot_matrix_needs_stratify_false():
    X = np.zeros((2, 10))
    Y = np.full((2, 10), 0.5)
    with pytest.raises(DataError, match="not one-hot"):
        train_dev_test_split(X, Y)
    assert train_dev_test_split(X, Y, stratify=False).dev[1].shape == (2, 2)


def test_copies_not_views():
    X, Y = ids_data(imbalanced_labels())
    split = train_dev_test_split(X, Y)
    split.train[0][:] = -1
    assert X.min() >= 0
