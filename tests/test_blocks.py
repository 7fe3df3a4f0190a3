"""Linear and linear->activation blocks: values, caches, gradients, shape errors, purity.

Scaling convention: ``dZ`` passed to a backward step is ``m * dJ/dZ``. With the scalar
``J = sum(Z * R) / m`` we have ``dZ = R``, ``dW = dJ/dW``, ``db = dJ/db`` and
``dA_prev = m * dJ/dA_prev``.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import (
    ACTIVATIONS,
    LayerCache,
    LinearCache,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)

NAMES = sorted(ACTIVATIONS)


def _layer(rng, n_prev=4, n=3, m=5):
    return rng.randn(n_prev, m), rng.randn(n, n_prev), rng.randn(n, 1)


def _assert_clear_shape_error(excinfo, name, expected, received):
    message = str(excinfo.value)
    assert name in message, message
    assert str(expected) in message, f"expected shape {expected} not in: {message}"
    assert str(received) in message, f"received shape {received} not in: {message}"
    assert "broadcast" not in message and "matmul" not in message, message


# ---------------------------------------------------------------------------- forward


def test_linear_forward_equals_explicit_loops(rng):
    A_prev, W, b = _layer(rng, n_prev=4, n=3, m=6)
    Z, _ = linear_forward(A_prev, W, b)
    # The vectorization lesson: one matrix product replaces loops over examples and units.
    loop = np.zeros((3, 6))
    for j in range(6):  # each example (column)
        for i in range(3):  # each unit
            loop[i, j] = sum(W[i, k] * A_prev[k, j] for k in range(4)) + b[i, 0]
    np.testing.assert_allclose(Z, loop, rtol=1e-13, atol=1e-14)
    columns = np.hstack([W @ A_prev[:, [j]] + b for j in range(6)])
    np.testing.assert_allclose(Z, columns, rtol=1e-13, atol=1e-14)


def test_linear_forward_by_hand():
    Z, _ = linear_forward(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, -1.0]]), np.array([[0.5]]))
    np.testing.assert_array_equal(Z, [[1 - 3 + 0.5, 2 - 4 + 0.5]])


@pytest.mark.parametrize("name", NAMES)
def test_linear_activation_forward_applies_g_to_z(name, rng):
    A_prev, W, b = _layer(rng)
    A, cache = linear_activation_forward(A_prev, W, b, name)
    Z = W @ A_prev + b
    np.testing.assert_allclose(A, ACTIVATIONS[name].forward(Z), rtol=1e-14)
    np.testing.assert_allclose(cache.activation_cache, Z, rtol=1e-14)


def test_linear_cache_is_a_named_tuple_that_unpacks_like_the_course(rng):
    A_prev, W, b = _layer(rng)
    Z, cache = linear_forward(A_prev, W, b)
    assert isinstance(cache, LinearCache) and isinstance(cache, tuple)
    cached_A, cached_W, cached_b = cache
    np.testing.assert_array_equal(cached_A, A_prev)
    np.testing.assert_array_equal(cached_W, W)
    np.testing.assert_array_equal(cached_b, b)
    assert cache.A_prev is cached_A and cache.W is cached_W and cache.b is cached_b


def test_layer_cache_unpacks_as_linear_cache_and_z(rng):
    A_prev, W, b = _layer(rng)
    _, cache = linear_activation_forward(A_prev, W, b, "relu")
    assert isinstance(cache, LayerCache)
    (cached_A, cached_W, cached_b), Z = cache
    assert isinstance(cache.linear_cache, LinearCache)
    np.testing.assert_array_equal(cached_A, A_prev)
    np.testing.assert_array_equal(cached_W, W)
    np.testing.assert_array_equal(cached_b, b)
    np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-14)
    assert len(cache) == 2 and cache[1] is Z


def test_integer_and_list_inputs_are_accepted():
    Z, _ = linear_forward([[1, 2], [3, 4]], [[1, -1]], [[0]])
    assert np.issubdtype(Z.dtype, np.floating)
    np.testing.assert_array_equal(Z, [[-2.0, -2.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved_through_the_block(dtype, rng):
    A_prev, W, b = (x.astype(dtype) for x in _layer(rng))
    A, cache = linear_activation_forward(A_prev, W, b, "tanh")
    assert A.dtype == dtype
    dA_prev, dW, db = linear_activation_backward(np.ones_like(A), cache, "tanh")
    assert dA_prev.dtype == dW.dtype == db.dtype == dtype


# ---------------------------------------------------------------------------- backward


def test_linear_backward_matches_numerical_gradients(rng, numerical_gradient):
    A_prev, W, b = _layer(rng, n_prev=4, n=3, m=5)
    R = rng.randn(3, 5)
    m = 5

    def J():
        return float(np.sum(linear_forward(A_prev, W, b)[0] * R) / m)

    _, cache = linear_forward(A_prev, W, b)
    dA_prev, dW, db = linear_backward(R, cache)
    assert dA_prev.shape == A_prev.shape and dW.shape == W.shape and db.shape == b.shape
    np.testing.assert_allclose(dW, numerical_gradient(J, W), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(db, numerical_gradient(J, b), rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(dA_prev, m * numerical_gradient(J, A_prev), rtol=1e-7, atol=1e-10)


def test_linear_backward_formulas_by_hand():
    A_prev = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, -1.0]])
    dZ = np.array([[2.0, 4.0]])
    dA_prev, dW, db = linear_backward(dZ, (A_prev, W, np.zeros((1, 1))))
    np.testing.assert_allclose(dW, [[(2 * 1 + 4 * 2) / 2, (2 * 3 + 4 * 4) / 2]])
    np.testing.assert_allclose(db, [[3.0]])
    np.testing.assert_allclose(dA_prev, [[2.0, 4.0], [-2.0, -4.0]])


@pytest.mark.parametrize("name", NAMES)
def test_linear_activation_backward_matches_numerical_gradients(name, rng, numerical_gradient):
    A_prev, W, b = _layer(rng, n_prev=4, n=3, m=5)
    R = rng.randn(3, 5)
    m = 5
    A, cache = linear_activation_forward(A_prev, W, b, name)
    assert np.all(np.abs(cache.activation_cache) > 1e-3), "keep relu inputs off the kink"

    def J():
        return float(np.sum(linear_activation_forward(A_prev, W, b, name)[0] * R) / m)

    dA_prev, dW, db = linear_activation_backward(R, cache, name)
    np.testing.assert_allclose(dW, numerical_gradient(J, W), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(db, numerical_gradient(J, b), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dA_prev, m * numerical_gradient(J, A_prev), rtol=1e-6, atol=1e-9)


def test_plain_tuple_caches_are_accepted(rng):
    A_prev, W, b = _layer(rng)
    R = rng.randn(3, 5)
    A, cache = linear_activation_forward(A_prev, W, b, "sigmoid")
    plain = ((A_prev.copy(), W.copy(), b.copy()), (W @ A_prev + b))
    for got, want in zip(
        linear_activation_backward(R, plain, "sigmoid"), linear_activation_backward(R, cache, "sigmoid")
    ):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    for got, want in zip(linear_backward(R, plain[0]), linear_backward(R, cache.linear_cache)):
        np.testing.assert_allclose(got, want, rtol=1e-14)


# ---------------------------------------------------------------------------- shape errors


def test_a_prev_rows_must_match_w_columns(rng):
    W, b = rng.randn(3, 4), np.zeros((3, 1))
    with pytest.raises(ValueError) as excinfo:
        linear_forward(rng.randn(5, 2), W, b)
    _assert_clear_shape_error(excinfo, "A_prev", "(4, m)", (5, 2))
    with pytest.raises(ValueError) as excinfo:
        linear_activation_forward(rng.randn(5, 2), W, b, "relu")
    _assert_clear_shape_error(excinfo, "A_prev", "(4, m)", (5, 2))


def test_transposed_input_is_refused_with_a_clear_message(rng):
    # the classic mistake: examples as rows
    with pytest.raises(ValueError) as excinfo:
        linear_forward(rng.randn(7, 4), rng.randn(3, 4), np.zeros((3, 1)))
    _assert_clear_shape_error(excinfo, "A_prev", "(4, m)", (7, 4))


@pytest.mark.parametrize("b_shape", [(4, 1), (1, 3), (3, 2), (1, 1)])
def test_b_must_be_a_column_of_n_rows(b_shape, rng):
    with pytest.raises(ValueError) as excinfo:
        linear_forward(rng.randn(4, 5), rng.randn(3, 4), np.zeros(b_shape))
    _assert_clear_shape_error(excinfo, "b", (3, 1), b_shape)


@pytest.mark.parametrize("argument", ["A_prev", "W", "b"])
def test_one_dimensional_arrays_are_refused_naming_the_argument(argument, rng):
    arrays = {"A_prev": rng.randn(4, 5), "W": rng.randn(3, 4), "b": np.zeros((3, 1))}
    arrays[argument] = arrays[argument].ravel()
    with pytest.raises(ValueError) as excinfo:
        linear_forward(arrays["A_prev"], arrays["W"], arrays["b"])
    message = str(excinfo.value)
    assert argument in message and str(arrays[argument].shape) in message
    assert "broadcast" not in message and "matmul" not in message


@pytest.mark.parametrize("dZ_shape", [(3, 4), (4, 5), (5, 3), (1, 5)])
def test_dz_shape_must_match_the_cache(dZ_shape, rng):
    _, cache = linear_forward(rng.randn(4, 5), rng.randn(3, 4), np.zeros((3, 1)))
    with pytest.raises(ValueError) as excinfo:
        linear_backward(np.ones(dZ_shape), cache)
    _assert_clear_shape_error(excinfo, "dZ", (3, 5), dZ_shape)


@pytest.mark.parametrize("dA_shape", [(3, 4), (5, 3), (1, 5), (3, 1)])
def test_da_shape_must_match_z(dA_shape, rng):
    _, cache = linear_activation_forward(rng.randn(4, 5), rng.randn(3, 4), np.zeros((3, 1)), "tanh")
    with pytest.raises(ValueError) as excinfo:
        linear_activation_backward(np.ones(dA_shape), cache, "tanh")
    _assert_clear_shape_error(excinfo, "dA", (3, 5), dA_shape)


def test_non_numeric_inputs_raise_type_error_naming_the_argument(rng):
    with pytest.raises(TypeError, match="A_prev"):
        linear_forward(np.array([["a", "b"]]), rng.randn(1, 1), np.zeros((1, 1)))


# ---------------------------------------------------------------------------- purity


@pytest.mark.parametrize("name", NAMES)
def test_blocks_do_not_mutate_their_inputs(name, rng):
    A_prev, W, b = _layer(rng)
    dA = rng.randn(3, 5)
    copies = [x.copy() for x in (A_prev, W, b, dA)]
    A, cache = linear_activation_forward(A_prev, W, b, name)
    cache_copy = ((cache[0][0].copy(), cache[0][1].copy(), cache[0][2].copy()), cache[1].copy())
    linear_activation_backward(dA, cache, name)
    linear_backward(dA, cache.linear_cache)
    for original, copy in zip((A_prev, W, b, dA), copies):
        np.testing.assert_array_equal(original, copy)
    np.testing.assert_array_equal(cache[1], cache_copy[1])
    for got, want in zip(cache[0], cache_copy[0]):
        np.testing.assert_array_equal(got, want)
