"""Initializers: shapes, zero biases, dtypes, statistical scale, seeding, validation."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import INITIALIZERS, as_random_state, initialize_parameters

METHODS = sorted(INITIALIZERS)
LAYER_DIMS = [5, 4, 3, 1]

# The standard deviation each method gives W{l} of shape (n, n_prev), from its definition.
EXPECTED_STD = {
    "zeros": lambda n, n_prev: 0.0,
    "random": lambda n, n_prev: 0.01,
    "scaled": lambda n, n_prev: 1 / np.sqrt(n_prev),
    "he": lambda n, n_prev: np.sqrt(2 / n_prev),
    "xavier": lambda n, n_prev: np.sqrt(2 / (n_prev + n)),
}
# How the course (or the method's paper) scales a standard-normal draw, written as the course
# writes it, for the exact-reproduction tests: ``* 0.01`` (weeks 3-4), ``/ np.sqrt(n_prev)``
# (week 4 application), ``* np.sqrt(2. / n_prev)`` (He, course 2).
SCALE = {
    "random": lambda draw, n, n_prev: draw * 0.01,
    "scaled": lambda draw, n, n_prev: draw / np.sqrt(n_prev),
    "he": lambda draw, n, n_prev: draw * np.sqrt(2.0 / n_prev),
    "xavier": lambda draw, n, n_prev: draw * np.sqrt(2.0 / (n_prev + n)),
}


def _reference(layer_dims, method, seed):
    """The course's draws, ``np.random.seed(seed); np.random.randn(n, n_prev) * scale`` per
    layer, from a local RandomState (the global state is never seeded in a test)."""
    rs = np.random.RandomState(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = layer_dims[l], layer_dims[l - 1]
        parameters[f"W{l}"] = SCALE[method](rs.randn(n, n_prev), n, n_prev)
        parameters[f"b{l}"] = np.zeros((n, 1))
    return parameters


def test_every_method_has_an_expected_scale():
    assert set(EXPECTED_STD) == set(INITIALIZERS), "add the new initializer's scale to this test"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("method", METHODS)
def test_shapes_zero_biases_and_dtype(method, dtype):
    parameters = initialize_parameters(LAYER_DIMS, method, seed=1, dtype=dtype)
    L = len(LAYER_DIMS) - 1
    assert set(parameters) == {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    for l in range(1, L + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        assert W.shape == (LAYER_DIMS[l], LAYER_DIMS[l - 1])
        assert b.shape == (LAYER_DIMS[l], 1)
        assert W.dtype == dtype and b.dtype == dtype
        np.testing.assert_array_equal(b, 0)


def test_default_dtype_is_float64():
    parameters = initialize_parameters([3, 2], "he", seed=0)
    assert parameters["W1"].dtype == np.float64


def test_zeros_gives_all_zero_weights():
    for value in initialize_parameters(LAYER_DIMS, "zeros").values():
        np.testing.assert_array_equal(value, 0)


@pytest.mark.parametrize("method", [m for m in METHODS if m != "zeros"])
@pytest.mark.parametrize("n, n_prev", [(300, 400), (200, 50)])
def test_statistical_scale_of_a_big_layer(method, n, n_prev):
    W = initialize_parameters([n_prev, n], method, seed=0)["W1"]
    expected = EXPECTED_STD[method](n, n_prev)
    # 1e4+ draws: the sample std is within ~1.5% of the true one; the mean is ~0
    assert W.std() == pytest.approx(expected, rel=0.03)
    assert abs(W.mean()) < 0.05 * expected


@pytest.mark.parametrize("method", sorted(SCALE))
@pytest.mark.parametrize("seed", [1, 3])
def test_int_seed_reproduces_the_course_draws_exactly(method, seed):
    layer_dims = [5, 4, 3, 1]
    parameters = initialize_parameters(layer_dims, method, seed=seed)
    reference = _reference(layer_dims, method, seed)
    for key, value in reference.items():
        np.testing.assert_array_equal(parameters[key], value, err_msg=key)


def test_course_week4_deep_initialization_numbers():
    # initialize_parameters_deep([5, 4, 3]) with np.random.seed(3): W = randn * 0.01
    rs = np.random.RandomState(3)
    W1, W2 = rs.randn(4, 5) * 0.01, rs.randn(3, 4) * 0.01
    parameters = initialize_parameters([5, 4, 3], "random", seed=3)
    np.testing.assert_array_equal(parameters["W1"], W1)
    np.testing.assert_array_equal(parameters["W2"], W2)


def test_float32_is_the_float64_draws_rounded():
    p64 = initialize_parameters(LAYER_DIMS, "he", seed=4)
    p32 = initialize_parameters(LAYER_DIMS, "he", seed=4, dtype=np.float32)
    for key in p64:
        np.testing.assert_array_equal(p32[key], p64[key].astype(np.float32))


def test_random_state_is_used_and_advanced():
    rs = np.random.RandomState(7)
    first = initialize_parameters([3, 2], "random", seed=rs)
    second = initialize_parameters([3, 2], "random", seed=rs)
    reference = np.random.RandomState(7)
    np.testing.assert_array_equal(first["W1"], reference.randn(2, 3) * 0.01)
    np.testing.assert_array_equal(second["W1"], reference.randn(2, 3) * 0.01)
    assert not np.array_equal(first["W1"], second["W1"])


def test_generator_seed_is_deterministic_and_advanced():
    a = initialize_parameters(LAYER_DIMS, "he", seed=np.random.default_rng(11))
    b = initialize_parameters(LAYER_DIMS, "he", seed=np.random.default_rng(11))
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    generator = np.random.default_rng(11)
    first = initialize_parameters(LAYER_DIMS, "he", seed=generator)
    second = initialize_parameters(LAYER_DIMS, "he", seed=generator)
    assert not np.array_equal(first["W1"], second["W1"])
    np.testing.assert_array_equal(first["W1"], a["W1"])


def test_none_seed_gives_fresh_draws():
    a = initialize_parameters([50, 20], "he")
    b = initialize_parameters([50, 20], "he")
    assert not np.array_equal(a["W1"], b["W1"])


@pytest.mark.parametrize("seed", [None, 0, 5, np.random.RandomState(2), np.random.default_rng(2)])
@pytest.mark.parametrize("method", METHODS)
def test_global_random_state_is_untouched(method, seed):
    before = np.random.get_state()
    initialize_parameters(LAYER_DIMS, method, seed=seed)
    after = np.random.get_state()
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


def test_numpy_integer_seed_and_layer_dims_are_accepted():
    a = initialize_parameters(np.array([3, 2]), "random", seed=np.int64(1))
    b = initialize_parameters((3, 2), "random", seed=1)
    np.testing.assert_array_equal(a["W1"], b["W1"])


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "layer_dims",
    [[], [3], [3, 0], [3, -1], [3, 2.5], "abc", True, 5, None, [3, True], [3, "2"]],
    ids=["empty", "one", "zero", "negative", "float", "string", "bool", "int", "none", "bool-entry", "str-entry"],
)
def test_bad_layer_dims_raise_naming_the_argument(layer_dims):
    with pytest.raises((TypeError, ValueError), match="layer_dims"):
        initialize_parameters(layer_dims, "he", seed=0)


def test_bad_layer_dims_entry_message_names_index_and_value():
    with pytest.raises(ValueError, match=r"layer_dims\[2\].*-1"):
        initialize_parameters([3, 2, -1], "he", seed=0)


@pytest.mark.parametrize("method", ["Xavier", "glorot", "", None, 1])
def test_bad_method_raises_value_error_with_allowed_list(method):
    with pytest.raises(ValueError) as excinfo:
        initialize_parameters([3, 2], method, seed=0)
    message = str(excinfo.value)
    assert "method" in message and repr(method) in message
    for name in METHODS:
        assert name in message


@pytest.mark.parametrize("dtype", [np.int32, np.float16, "int64", np.complex128, "banana"])
def test_bad_dtype_raises_naming_the_argument(dtype):
    with pytest.raises((TypeError, ValueError), match="dtype"):
        initialize_parameters([3, 2], "he", seed=0, dtype=dtype)


@pytest.mark.parametrize(
    "seed, error",
    [(-1, ValueError), (2**32, ValueError), (1.5, TypeError), ("7", TypeError), (True, TypeError), ([1], TypeError)],
)
def test_bad_seed_raises_naming_the_argument(seed, error):
    with pytest.raises(error, match="seed"):
        initialize_parameters([3, 2], "he", seed=seed)


def test_as_random_state_bounds():
    assert isinstance(as_random_state(0), np.random.RandomState)
    assert isinstance(as_random_state(2**32 - 1), np.random.RandomState)
    rs = np.random.RandomState(0)
    assert as_random_state(rs) is rs
