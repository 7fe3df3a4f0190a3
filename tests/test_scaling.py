"""Tests for nnlab.data.scaling.Standardizer."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.data import Standardizer, load_data, train_dev_test_split


@pytest.fixture
def X(rng):
    return rng.randn(4, 50) * np.array([[1.0], [10.0], [0.01], [3.0]]) + np.array([[5.0], [-2.0], [0.0], [1e3]])


def test_fit_shapes_and_statistics(X):
    scaler = Standardizer().fit(X)
    assert scaler.mean.shape == (4, 1) and scaler.std.shape == (4, 1)
    np.testing.assert_allclose(scaler.mean[:, 0], X.mean(axis=1))
    np.testing.assert_allclose(scaler.std[:, 0], X.std(axis=1))
    assert scaler.n_features == 4 and scaler.is_fitted
    assert repr(scaler) == "Standardizer(n_features=4)"


def test_transform_gives_mean_zero_std_one(X):
    Z = Standardizer().fit_transform(X)
    assert Z.shape == X.shape
    np.testing.assert_allclose(Z.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=1), 1.0, rtol=1e-12)


def test_fit_transform_equals_fit_then_transform(X):
    np.testing.assert_array_equal(Standardizer().fit_transform(X), Standardizer().fit(X).transform(X))


def test_does_not_modify_its_input(X):
    before = X.copy()
    scaler = Standardizer().fit(X)
    scaler.transform(X)
    scaler.inverse_transform(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("value", [0.0, 0.1, -7.3, 1e300])
def test_constant_features_become_zero(value):
    X = np.vstack([np.full(6, value), np.arange(6.0)])
    scaler = Standardizer().fit(X)
    assert scaler.std[0, 0] == 1.0 and scaler.mean[0, 0] == value
    with np.errstate(all="raise"):
        Z = scaler.transform(X)
    np.testing.assert_array_equal(Z[0], 0.0)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(scaler.inverse_transform(Z)[0], value)


def test_single_example_is_all_constant():
    Z = Standardizer().fit_transform(np.array([[3.0], [4.0]]))
    np.testing.assert_array_equal(Z, 0.0)


def test_inverse_transform_round_trip(X):
    scaler = Standardizer().fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-12, atol=1e-12)


def test_round_trip_through_arrays(X, tmp_path):
    scaler = Standardizer().fit(X)
    arrays = scaler.to_arrays()
    assert set(arrays) == {"mean", "std"} and arrays["mean"].shape == (4, 1)
    np.savez(tmp_path / "s.npz", **arrays)
    with np.load(tmp_path / "s.npz", allow_pickle=False) as stored:
        restored = Standardizer.from_arrays(dict(stored))
    np.testing.assert_array_equal(restored.transform(X), scaler.transform(X))
    arrays["mean"][:] = 0  # copies: the scaler is unaffected
    assert scaler.mean[0, 0] != 0


def test_from_arrays_accepts_flat_vectors():
    scaler = Standardizer.from_arrays({"mean": np.array([1.0, 2.0]), "std": np.array([2.0, 4.0])})
    np.testing.assert_array_equal(scaler.transform(np.array([[3.0], [6.0]])), [[1.0], [1.0]])


@pytest.mark.parametrize(
    "arrays, match",
    [
        ({"mean": np.zeros((2, 1))}, r"must hold 'mean' and 'std'; found \['mean'\]"),
        ({"mean": np.zeros((2, 1)), "std": np.ones((3, 1))}, r"both have shape \(n_x, 1\)"),
        ({"mean": np.zeros((2, 2)), "std": np.ones((2, 2))}, r"both have shape \(n_x, 1\)"),
        ({"mean": np.zeros((2, 1)), "std": np.zeros((2, 1))}, "'std' must be > 0"),
        ({"mean": np.array([[np.nan], [0]]), "std": np.ones((2, 1))}, "mean must contain only finite"),
    ],
)
def test_from_arrays_errors(arrays, match):
    with pytest.raises(ValueError, match=match):
        Standardizer.from_arrays(arrays)


def test_wrong_number_of_features(X):
    scaler = Standardizer().fit(X)
    with pytest.raises(ValueError, match=r"X must have shape \(4, m\): 4 rows \(features\), as in fit; got \(3, 50\)"):
        scaler.transform(X[:3])
    with pytest.raises(ValueError, match=r"X must have shape \(4, m\)"):
        scaler.transform(X[:, 0])  # 1-D
    with pytest.raises(ValueError, match=r"X_scaled must have shape \(4, m\)"):
        scaler.inverse_transform(X.T)


def test_not_fitted():
    scaler = Standardizer()
    assert not scaler.is_fitted and repr(scaler) == "Standardizer(not fitted)"
    for call in (lambda: scaler.transform(np.ones((1, 2))), scaler.to_arrays, lambda: scaler.n_features):
        with pytest.raises(RuntimeError, match="not fitted; call fit"):
            call()


@pytest.mark.parametrize(
    "bad, error, match",
    [
        (np.array([[1.0, np.nan]]), ValueError, "finite"),
        (np.array([[1.0, np.inf]]), ValueError, "finite"),
        (np.ones(3), ValueError, "2-D"),
        (np.ones((2, 0)), ValueError, "at least one example"),
        (np.array([["a", "b"]]), TypeError, "numeric"),
    ],
)
def test_fit_errors(bad, error, match):
    with pytest.raises(error, match=match):
        Standardizer().fit(bad)


def test_float32_stays_float32_and_ints_become_float64(X):
    scaler = Standardizer().fit(X)
    assert scaler.transform(X.astype(np.float32)).dtype == np.float32
    assert Standardizer().fit_transform(np.arange(6).reshape(2, 3)).dtype == np.float64


def test_fit_on_training_split_only():
    ds = load_data("breast_cancer") if _has_sklearn() else load_data("blobs")
    split = train_dev_test_split(ds.X, ds.Y, dev=0.25, seed=0)
    scaler = Standardizer().fit(split.train[0])
    np.testing.assert_allclose(scaler.transform(split.train[0]).mean(axis=1), 0.0, atol=1e-10)
    dev_means = scaler.transform(split.dev[0]).mean(axis=1)
    assert np.abs(dev_means).max() < 1.0 and not np.allclose(dev_means, 0.0, atol=1e-10)


def _has_sklearn():
    import importlib.util

    return importlib.util.find_spec("sklearn") is not None
