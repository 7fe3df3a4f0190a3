"""Tests for nnlab.data: the course's data sets and the seeded generators."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from nnlab.data import (
    DATASETS,
    flatten_images,
    load_catvnoncat,
    load_dataset,
    load_extra_datasets,
    load_planar_dataset,
    make_blobs,
    make_circles,
    make_gaussian_quantiles,
    make_moons,
    make_spirals,
    make_xor,
    read_h5_arrays,
    scale_images,
)
from nnlab.engine.seeding import as_random_state
from nnlab.errors import DataError


# name, generator, default number of examples, number of classes
GENERATORS = [
    ("circles", make_circles, 200, 2),
    ("moons", make_moons, 200, 2),
    ("blobs", make_blobs, 200, 6),
    ("gaussian_quantiles", make_gaussian_quantiles, 200, 2),
    ("xor", make_xor, 400, 2),
    ("spirals", make_spirals, 400, 2),
]
GENERATOR_IDS = [g[0] for g in GENERATORS]


def _global_state_equal(a, b):
    return (
        a[0] == b[0]
        and np.array_equal(a[1], b[1])
        and a[2:] == b[2:]
    )


def _linear_accuracy(X, Y):
    """Training accuracy of a least-squares linear classifier (with bias)."""
    A = np.vstack([X, np.ones((1, X.shape[1]))]).T
    target = 2.0 * Y.ravel() - 1.0
    w = np.linalg.lstsq(A, target, rcond=None)[0]
    return np.mean((A @ w > 0) == (Y.ravel() == 1))


def _knn_accuracy(X, Y, k=15):
    """Leave-one-out accuracy of a k-nearest-neighbour majority vote."""
    d = np.sum((X[:, :, None] - X[:, None, :]) ** 2, axis=0)
    np.fill_diagonal(d, np.inf)
    neighbours = np.argsort(d, axis=1)[:, :k]
    votes = Y.ravel()[neighbours].mean(axis=1)
    return np.mean((votes > 0.5) == (Y.ravel() == 1))


# ---------------------------------------------------------------------------
# _random_state
# ---------------------------------------------------------------------------


class TestRandomState:
    def test_int_seeds_a_freshas_random_state(self):
        a, b = as_random_state(7), as_random_state(7)
        assert isinstance(a, np.random.RandomState)
        assert a is not b
        assert np.array_equal(a.randn(5), np.random.RandomState(7).randn(5))
        assert np.array_equal(b.randn(5), as_random_state(np.int64(7)).randn(5))

    def test_random_state_is_returned_as_is(self):
        rs = np.random.RandomState(3)
        assert as_random_state(rs) is rs

    def test_generator_is_deterministic(self):
        a = as_random_state(np.random.default_rng(11)).randn(4)
        b = as_random_state(np.random.default_rng(11)).randn(4)
        assert np.array_equal(a, b)

    def test_none_gives_an_unseeded_state(self):
        assert isinstance(as_random_state(None), np.random.RandomState)

    @pytest.mark.parametrize("bad", ["1", 1.5, True, [1], object()])
    def test_bad_types_raise_type_error(self, bad):
        with pytest.raises(TypeError, match=r"seed must be an int.*RandomState.*Generator.*None.*got " + type(bad).__name__):
            as_random_state(bad)

    @pytest.mark.parametrize("bad", [-1, 2**32])
    def test_out_of_range_ints_raise_value_error(self, bad):
        with pytest.raises(ValueError, match=rf"seed must be an int in \[0, 2\*\*32 - 1\]; got {bad}"):
            as_random_state(bad)


# ---------------------------------------------------------------------------
# The course's flower
# ---------------------------------------------------------------------------


class TestPlanarDataset:
    def test_shapes_and_dtypes(self):
        X, Y = load_planar_dataset()
        assert X.shape == (2, 400) and X.dtype == np.float64
        assert Y.shape == (1, 400) and Y.dtype == np.uint8

    def test_first_column_matches_the_course(self):
        X, _ = load_planar_dataset()
        np.testing.assert_allclose(X[:, 0], [1.20444229, 3.57611415], rtol=0, atol=1e-8)

    def test_default_seed_is_one(self):
        X1, Y1 = load_planar_dataset()
        X2, Y2 = load_planar_dataset(seed=1)
        X3, Y3 = load_planar_dataset(seed=np.random.RandomState(1))
        assert np.array_equal(X1, X2) and np.array_equal(X1, X3)
        assert np.array_equal(Y1, Y2) and np.array_equal(Y1, Y3)

    def test_labels_are_two_blocks_of_200(self):
        _, Y = load_planar_dataset()
        assert set(np.unique(Y)) == {0, 1}
        assert np.all(Y[0, :200] == 0) and np.all(Y[0, 200:] == 1)

    def test_other_seed_differs(self):
        X1, _ = load_planar_dataset(seed=1)
        X2, _ = load_planar_dataset(seed=2)
        assert not np.allclose(X1, X2)

    def test_global_random_state_untouched(self):
        np.random.seed(123)
        before = np.random.get_state()
        load_planar_dataset()
        assert _global_state_equal(before, np.random.get_state())

    def test_radius_is_bounded_by_the_petal_length(self):
        X, _ = load_planar_dataset()
        assert np.max(np.hypot(X[0], X[1])) < 4 + 1.5


# ---------------------------------------------------------------------------
# Generators: common contract
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "m", "n_classes"), GENERATORS, ids=GENERATOR_IDS)
class TestGeneratorContract:
    def test_shapes_dtypes_and_labels(self, name, make, m, n_classes):
        X, Y = make(seed=0)
        assert X.shape == (2, m) and X.dtype == np.float64
        assert Y.shape == (1, m) and np.issubdtype(Y.dtype, np.integer)
        assert set(np.unique(Y).tolist()) == set(range(n_classes))
        assert np.all(np.isfinite(X))
        assert X.flags.c_contiguous

    def test_classes_are_balanced(self, name, make, m, n_classes):
        _, Y = make(seed=0)
        counts = np.bincount(Y.ravel(), minlength=n_classes)
        assert counts.max() - counts.min() <= 1
        assert counts.sum() == m

    def test_odd_and_custom_sizes(self, name, make, m, n_classes):
        X, Y = make(n_samples=101, seed=0)
        assert X.shape == (2, 101) and Y.shape == (1, 101)

    def test_same_seed_same_data(self, name, make, m, n_classes):
        X1, Y1 = make(seed=42)
        X2, Y2 = make(seed=42)
        assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)

    def test_generator_and_random_state_seeds(self, name, make, m, n_classes):
        Xg1, _ = make(seed=np.random.default_rng(5))
        Xg2, _ = make(seed=np.random.default_rng(5))
        assert np.array_equal(Xg1, Xg2)
        Xr, _ = make(seed=np.random.RandomState(42))
        Xi, _ = make(seed=42)
        assert np.array_equal(Xr, Xi)

    def test_different_seeds_differ(self, name, make, m, n_classes):
        X1, _ = make(seed=1)
        X2, _ = make(seed=2)
        assert not np.allclose(X1, X2)

    def test_shared_random_state_advances(self, name, make, m, n_classes):
        rs = np.random.RandomState(0)
        X1, _ = make(seed=rs)
        X2, _ = make(seed=rs)
        assert not np.allclose(X1, X2)

    def test_global_random_state_untouched(self, name, make, m, n_classes):
        np.random.seed(321)
        before = np.random.get_state()
        make(seed=0)
        make(seed=np.random.default_rng(0))
        make(seed=None)
        assert _global_state_equal(before, np.random.get_state())

    def test_bad_seed_raises_type_error(self, name, make, m, n_classes):
        with pytest.raises(TypeError, match="seed"):
            make(seed="zero")

    @pytest.mark.parametrize(
        ("bad", "error", "match"),
        [
            (1, ValueError, r"n_samples must be an integer >= 2; got 1"),
            (-5, ValueError, r"n_samples must be an integer >= 2; got -5"),
            (10.0, TypeError, r"n_samples must be an integer >= 2; got float \(10\.0\)"),
            ("10", TypeError, r"n_samples must be an integer >= 2; got str \('10'\)"),
            (True, TypeError, r"n_samples must be an integer >= 2; got bool"),
        ],
    )
    def test_bad_n_samples(self, name, make, m, n_classes, bad, error, match):
        with pytest.raises(error, match=match):
            make(n_samples=bad, seed=0)

    def test_numpy_int_n_samples(self, name, make, m, n_classes):
        X, _ = make(n_samples=np.int64(50), seed=0)
        assert X.shape == (2, 50)


# ---------------------------------------------------------------------------
# Generators: structure
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "max_linear", "min_knn"),
    [
        (make_moons, 0.92, 0.93),
        (make_circles, 0.60, 0.70),
        (make_xor, 0.60, 0.95),
        (make_spirals, 0.70, 0.95),
    ],
    ids=["moons", "circles", "xor", "spirals"],
)
def test_not_linearly_separable_but_structured(make, max_linear, min_knn):
    X, Y = make(n_samples=600, seed=0)
    linear, knn = _linear_accuracy(X, Y), _knn_accuracy(X, Y)
    assert linear < max_linear
    assert knn > min_knn
    assert knn > linear + 0.05


def test_circles_inner_class_has_smaller_radius():
    X, Y = make_circles(n_samples=1000, seed=0)
    r = np.hypot(X[0], X[1])
    outer, inner = r[Y[0] == 0].mean(), r[Y[0] == 1].mean()
    assert inner < outer
    assert abs(outer - 1.0) < 0.15 and abs(inner - 0.5) < 0.15


def test_circles_without_noise_lie_on_the_circles():
    X, Y = make_circles(n_samples=100, factor=0.3, noise=0.0, seed=0)
    r = np.hypot(X[0], X[1])
    np.testing.assert_allclose(r[Y[0] == 0], 1.0)
    np.testing.assert_allclose(r[Y[0] == 1], 0.3)


def test_moons_without_noise_follow_the_half_circles():
    X, Y = make_moons(n_samples=100, noise=0.0, seed=0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(upper[0], upper[1]), 1.0)
    assert np.all(upper[1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[0] - 1.0, lower[1] - 0.5), 1.0)
    assert np.all(lower[1] <= 0.5 + 1e-12)


def test_xor_labels_follow_the_quadrants():
    X, Y = make_xor(n_samples=1000, noise=0.2, seed=0)
    predicted = (np.sign(X[0]) != np.sign(X[1])).astype(int)
    assert np.mean(predicted == Y[0]) > 0.99
    X0, Y0 = make_xor(n_samples=8, noise=0.0, seed=0)
    assert np.array_equal((X0[0] * X0[1] < 0).astype(int), Y0[0])


def test_spirals_without_noise_are_interleaved_archimedean_spirals():
    X, Y = make_spirals(n_samples=200, noise=0.0, turns=1.5, seed=0)
    r = np.hypot(X[0], X[1])
    assert r.max() == pytest.approx(3.0)
    # The two arms are point reflections of each other: for each point of
    # spiral 0 the point of spiral 1 with the same radius is its negative.
    a, b = X[:, Y[0] == 0], X[:, Y[0] == 1]
    a = a[:, np.argsort(np.hypot(a[0], a[1]))]
    b = b[:, np.argsort(np.hypot(b[0], b[1]))]
    np.testing.assert_allclose(a, -b, atol=1e-12)


def test_gaussian_quantiles_shells_are_nested():
    X, Y = make_gaussian_quantiles(n_samples=300, n_classes=3, seed=0)
    r2 = np.sum(X**2, axis=0)
    assert np.bincount(Y[0]).tolist() == [100, 100, 100]
    assert r2[Y[0] == 0].max() <= r2[Y[0] == 1].min()
    assert r2[Y[0] == 1].max() <= r2[Y[0] == 2].min()


def test_gaussian_quantiles_remainder_goes_to_the_last_class():
    _, Y = make_gaussian_quantiles(n_samples=11, n_classes=3, seed=0)
    assert np.bincount(Y[0]).tolist() == [3, 3, 5]


def test_gaussian_quantiles_variance_is_cov():
    X, _ = make_gaussian_quantiles(n_samples=20000, n_features=3, cov=0.5, seed=0)
    assert X.shape == (3, 20000)
    np.testing.assert_allclose(X.var(axis=1), 0.5, rtol=0.05)


def test_blobs_clusters_and_features():
    X, Y = make_blobs(n_samples=3000, centers=4, n_features=3, cluster_std=0.5, seed=0)
    assert X.shape == (3, 3000)
    assert set(np.unique(Y).tolist()) == {0, 1, 2, 3}
    for k in range(4):
        members = X[:, Y[0] == k]
        assert np.all(np.abs(members.mean(axis=1)) < 10)
        np.testing.assert_allclose(members.std(axis=1), 0.5, rtol=0.15)


def test_blobs_default_is_seeded_with_five():
    X1, Y1 = make_blobs()
    X2, Y2 = make_blobs(seed=5)
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)


# ---------------------------------------------------------------------------
# Argument validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: make_circles(factor=0.0), ValueError, r"factor must be .* \(0\.0, 1\.0\); got 0\.0"),
        (lambda: make_circles(factor=1.0), ValueError, r"factor must be .* \(0\.0, 1\.0\); got 1\.0"),
        (lambda: make_circles(factor="half"), TypeError, r"factor must be a real number; got str"),
        (lambda: make_circles(noise=-0.1), ValueError, r"noise must be .* \[0\.0, inf\); got -0\.1"),
        (lambda: make_moons(noise=float("nan")), ValueError, r"noise must be a finite number"),
        (lambda: make_moons(noise=None), TypeError, r"noise must be a real number; got NoneType"),
        (lambda: make_xor(noise=-1), ValueError, r"noise must be .*; got -1\.0"),
        (lambda: make_spirals(noise=-0.5), ValueError, r"noise must be"),
        (lambda: make_spirals(turns=0.0), ValueError, r"turns must be .* \(0\.25, 10\.0\]; got 0\.0"),
        (lambda: make_spirals(turns=11), ValueError, r"turns must be .*; got 11\.0"),
        (lambda: make_blobs(centers=0), ValueError, r"centers must be an integer >= 1; got 0"),
        (lambda: make_blobs(centers=2.5), TypeError, r"centers must be an integer >= 1; got float"),
        (lambda: make_blobs(n_features=0), ValueError, r"n_features must be an integer >= 1; got 0"),
        (lambda: make_blobs(cluster_std=-1.0), ValueError, r"cluster_std must be .*; got -1\.0"),
        (lambda: make_gaussian_quantiles(n_classes=1), ValueError, r"n_classes must be an integer >= 2; got 1"),
        (lambda: make_gaussian_quantiles(n_samples=3, n_classes=4), ValueError, r"n_classes must be <= n_samples \(3\); got 4"),
        (lambda: make_gaussian_quantiles(cov=0.0), ValueError, r"cov must be .* \(0\.0, inf\); got 0\.0"),
        (lambda: make_gaussian_quantiles(n_features=1.0), TypeError, r"n_features must be an integer >= 1; got float"),
    ],
)
def test_argument_validation(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ---------------------------------------------------------------------------
# The course's extra data sets
# ---------------------------------------------------------------------------


EXTRA_NAMES = {"noisy_circles", "noisy_moons", "blobs", "gaussian_quantiles", "no_structure"}


def test_extra_datasets_keys_and_shapes():
    sets = load_extra_datasets()
    assert set(sets) == EXTRA_NAMES
    for name, (X, Y) in sets.items():
        assert X.shape == (2, 200) and X.dtype == np.float64, name
        assert Y.shape == (1, 200) and np.issubdtype(Y.dtype, np.integer), name
    assert set(np.unique(sets["blobs"][1]).tolist()) == set(range(6))
    for name in EXTRA_NAMES - {"blobs"}:
        assert set(np.unique(sets[name][1]).tolist()) == {0, 1}, name


def test_extra_datasets_are_deterministic_per_seed():
    a, b, c = load_extra_datasets(seed=0), load_extra_datasets(seed=0), load_extra_datasets(seed=1)
    for name in EXTRA_NAMES:
        assert np.array_equal(a[name][0], b[name][0]), name
        assert np.array_equal(a[name][1], b[name][1]), name
        assert not np.allclose(a[name][0], c[name][0]), name


def test_extra_datasets_use_the_course_parameters():
    sets = load_extra_datasets(seed=0)
    X, Y = sets["noisy_circles"]
    r = np.hypot(X[0], X[1])
    assert r[Y[0] == 1].mean() < r[Y[0] == 0].mean()
    X, Y = sets["gaussian_quantiles"]
    assert np.bincount(Y[0]).tolist() == [100, 100]
    X, _ = sets["no_structure"]
    assert np.all((X >= 0) & (X < 1))


def test_extra_datasets_leave_global_state_untouched():
    np.random.seed(0)
    before = np.random.get_state()
    load_extra_datasets(seed=3)
    assert _global_state_equal(before, np.random.get_state())


# ---------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------


def test_registry_names():
    assert set(DATASETS) == {
        "flower", "moons", "circles", "blobs", "gaussian_quantiles", "xor", "spirals",
    }


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_registry_loaders_work_without_and_with_a_seed(name):
    X, Y = DATASETS[name]()
    assert X.ndim == 2 and Y.shape == (1, X.shape[1])
    X1, Y1 = load_dataset(name, seed=4)
    X2, Y2 = DATASETS[name](seed=4)
    assert np.array_equal(X1, X2) and np.array_equal(Y1, Y2)


def test_load_dataset_default_flower_is_the_course_set():
    X, Y = load_dataset("flower")
    X0, Y0 = load_planar_dataset()
    assert np.array_equal(X, X0) and np.array_equal(Y, Y0)


@pytest.mark.parametrize("bad", ["flowers", "", 3, None])
def test_load_dataset_rejects_unknown_names(bad):
    allowed = str(sorted(DATASETS)).replace("[", r"\[").replace("]", r"\]")
    with pytest.raises(ValueError, match=rf"unknown data set {bad!r}; expected one of {allowed}"):
        load_dataset(bad)


# ---------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------


class TestCatVsNonCat:  # cat_data: conftest.py (skips when the images are absent)
    def test_shapes_and_dtypes(self, cat_data):
        train_x, train_y, test_x, test_y, classes = cat_data
        assert train_x.shape == (209, 64, 64, 3) and train_x.dtype == np.uint8
        assert test_x.shape == (50, 64, 64, 3) and test_x.dtype == np.uint8
        assert train_y.shape == (1, 209) and test_y.shape == (1, 50)
        assert set(np.unique(train_y).tolist()) == {0, 1}
        assert set(np.unique(test_y).tolist()) == {0, 1}
        assert classes.tolist() == [b"non-cat", b"cat"]

    def test_course_label_counts(self, cat_data):
        _, train_y, _, test_y, _ = cat_data
        assert int(train_y.sum()) == 72 and int(test_y.sum()) == 33

    def test_flatten_and_scale(self, cat_data):
        train_x, _, test_x, _, _ = cat_data
        train_flat = flatten_images(train_x)
        test_flat = flatten_images(test_x)
        assert train_flat.shape == (12288, 209) and test_flat.shape == (12288, 50)
        assert np.array_equal(train_flat, train_x.reshape(train_x.shape[0], -1).T)
        assert np.array_equal(train_flat[:, 3], train_x[3].ravel())
        scaled = scale_images(train_flat)
        assert scaled.dtype == np.float64 and scaled.shape == (12288, 209)
        assert scaled.min() >= 0.0 and scaled.max() <= 1.0
        np.testing.assert_array_equal(scaled, train_flat / 255)


def _write_h5(path, **datasets):
    with h5py.File(path, "w") as f:
        for key, value in datasets.items():
            f.create_dataset(key, data=value)


def _fake_split(prefix, m, rng):
    return {
        f"{prefix}_set_x": rng.integers(0, 256, size=(m, 4, 4, 3), dtype=np.uint8),
        f"{prefix}_set_y": rng.integers(0, 2, size=m),
        "list_classes": np.array([b"non-cat", b"cat"]),
    }


class TestImageLoading:
    def test_small_files_round_trip(self, tmp_path):
        rng = np.random.default_rng(0)
        train, test = _fake_split("train", 6, rng), _fake_split("test", 3, rng)
        _write_h5(tmp_path / "train_catvnoncat.h5", **train)
        _write_h5(tmp_path / "test_catvnoncat.h5", **test)
        train_x, train_y, test_x, test_y, classes = load_catvnoncat(str(tmp_path))
        assert np.array_equal(train_x, train["train_set_x"])
        assert np.array_equal(train_y, train["train_set_y"].reshape(1, 6))
        assert np.array_equal(test_x, test["test_set_x"])
        assert test_y.shape == (1, 3)
        assert classes.tolist() == [b"non-cat", b"cat"]
        assert flatten_images(train_x).shape == (48, 6)

    def test_missing_directory(self, tmp_path):
        missing = tmp_path / "nowhere"
        with pytest.raises(FileNotFoundError, match="nowhere"):
            load_catvnoncat(missing)

    def test_missing_file(self, tmp_path):
        _write_h5(tmp_path / "train_catvnoncat.h5", **_fake_split("train", 2, np.random.default_rng(0)))
        with pytest.raises(FileNotFoundError, match="test_catvnoncat.h5"):
            load_catvnoncat(tmp_path)

    def test_missing_keys(self, tmp_path):
        rng = np.random.default_rng(0)
        _write_h5(tmp_path / "train_catvnoncat.h5", **_fake_split("train", 2, rng))
        wrong = _fake_split("test", 2, rng)
        wrong["images"] = wrong.pop("test_set_x")
        _write_h5(tmp_path / "test_catvnoncat.h5", **wrong)
        with pytest.raises(ValueError) as info:
            load_catvnoncat(tmp_path)
        message = str(info.value)
        assert "test_catvnoncat.h5" in message
        assert "test_set_x" in message  # expected
        assert "'images'" in message  # found

    def test_label_count_mismatch(self, tmp_path):
        rng = np.random.default_rng(0)
        _write_h5(tmp_path / "train_catvnoncat.h5", **_fake_split("train", 2, rng))
        wrong = _fake_split("test", 3, rng)
        wrong["test_set_y"] = np.zeros(4)
        _write_h5(tmp_path / "test_catvnoncat.h5", **wrong)
        with pytest.raises(DataError, match=r"test_catvnoncat\.h5: test_set_y must hold one label per image.*\(3, 4, 4, 3\).*\(4,\)"):
            load_catvnoncat(tmp_path)

    def test_read_h5_arrays_keeps_the_arrays_as_stored(self, tmp_path):
        path = tmp_path / "ok.h5"
        x = np.arange(12, dtype=np.uint8).reshape(3, 2, 2, 1)
        _write_h5(path, x=x, y=np.array([0, 1, 1]))
        arrays = read_h5_arrays(path, ("y", "x"))
        assert list(arrays) == ["y", "x"]
        assert arrays["x"].dtype == np.uint8 and np.array_equal(arrays["x"], x)
        assert arrays["y"].tolist() == [0, 1, 1]

    def test_not_an_h5_file(self, tmp_path):
        path = tmp_path / "fake.h5"
        path.write_bytes(b"not hdf5 at all")
        with pytest.raises(DataError, match=r"fake\.h5: not a readable HDF5 file"):
            read_h5_arrays(path, ("x", "y"))

    @pytest.mark.parametrize("shape", [(64, 64, 3), (12288, 209), (2, 2, 2, 2, 2)])
    def test_flatten_rejects_non_4d(self, shape):
        with pytest.raises(ValueError, match=rf"x_orig must be a 4-D array.*got shape {shape}".replace("(", r"\(").replace(")", r"\)")):
            flatten_images(np.zeros(shape))

    def test_scale_images(self):
        x = np.array([[0, 51, 255]], dtype=np.uint8)
        np.testing.assert_allclose(scale_images(x), [[0.0, 0.2, 1.0]])
