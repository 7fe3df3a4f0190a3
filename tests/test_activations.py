"""Activations: forward values, backward vs central differences, extremes, dtypes, lookup.

Every test that can be is parametrized over ``ACTIVATIONS``, so a new registry entry is picked
up automatically (its forward value test fails until a reference closed form is added below).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.engine import ACTIVATIONS, Activation, get_activation, linear_activation_forward

NAMES = sorted(ACTIVATIONS)
EXTREME = [[-1e4, -1000.0, -1.0, 0.0, 1.0, 1000.0, 1e4]]


# Reference closed forms, element by element with the math module, written independently of
# the engine (sigmoid through the identity sigmoid(z) = (1 + tanh(z/2)) / 2, softmax without the
# max shift). Each takes a (n, m) float64 array of moderate values.
def _elementwise(f):
    return lambda Z: np.array([[f(float(z)) for z in row] for row in Z])


def _softmax_reference(Z):
    out = np.empty_like(Z, dtype=np.float64)
    for j in range(Z.shape[1]):
        exps = [math.exp(float(z)) for z in Z[:, j]]
        total = math.fsum(exps)
        out[:, j] = [e / total for e in exps]
    return out


REFERENCE = {
    "sigmoid": _elementwise(lambda z: 0.5 * (1.0 + math.tanh(z / 2.0))),
    "tanh": _elementwise(lambda z: (math.exp(z) - math.exp(-z)) / (math.exp(z) + math.exp(-z))),
    "relu": _elementwise(lambda z: z if z > 0 else 0.0),
    "leaky_relu": _elementwise(lambda z: z if z > 0 else 0.01 * z),
    "linear": _elementwise(lambda z: z),
    "softmax": _softmax_reference,
}


def _off_kink(rng, shape, low=0.1, high=2.5):
    """Random values with |z| in [low, high]: away from relu's kink at 0."""
    magnitude = rng.uniform(low, high, size=shape)
    return np.where(rng.rand(*shape) < 0.5, -magnitude, magnitude)


def _reference(name):
    if name not in REFERENCE:
        pytest.fail(f"activation {name!r} is registered but has no reference closed form in {__file__}")
    return REFERENCE[name]


# ---------------------------------------------------------------------------- registry and lookup


def test_registry_entries_are_named_forward_derivative_pairs():
    for name, activation in ACTIVATIONS.items():
        assert isinstance(activation, Activation)
        assert activation.name == name
        assert callable(activation.forward) and callable(activation.derivative)
        assert callable(activation.backward)


@pytest.mark.parametrize("name", NAMES)
def test_get_activation_returns_the_registered_pair(name):
    assert get_activation(name) is ACTIVATIONS[name]
    assert get_activation(ACTIVATIONS[name]) is ACTIVATIONS[name]


@pytest.mark.parametrize("bad", ["swish", "Sigmoid", "", None, 3, ["relu"]])
def test_unknown_activation_raises_value_error_quoting_name_and_allowed_list(bad):
    with pytest.raises(ValueError) as excinfo:
        get_activation(bad)
    message = str(excinfo.value)
    assert repr(bad) in message
    for name in NAMES:
        assert name in message


def test_unknown_activation_in_a_layer_raises_value_error():
    with pytest.raises(ValueError, match="swish"):
        linear_activation_forward(np.ones((2, 3)), np.ones((1, 2)), np.zeros((1, 1)), "swish")


# ---------------------------------------------------------------------------- forward values


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_independent_closed_form(name, rng):
    Z = rng.uniform(-4, 4, size=(4, 6))
    Z[0, :3] = [-1.0, 0.0, 1.0]  # include the origin and unit values
    A = ACTIVATIONS[name].forward(Z)
    assert A.shape == Z.shape
    np.testing.assert_allclose(A, _reference(name)(Z), rtol=1e-13, atol=1e-15)


def test_known_values_by_hand():
    assert ACTIVATIONS["sigmoid"].forward(np.array([[0.0]]))[0, 0] == 0.5
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(np.array([[np.log(3.0)]])), [[0.75]])
    np.testing.assert_allclose(ACTIVATIONS["tanh"].forward(np.array([[np.log(2.0)]])), [[0.6]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].forward(np.array([[-2.0, 0.0, 3.0]])), [[0, 0, 3]])
    np.testing.assert_allclose(
        ACTIVATIONS["leaky_relu"].forward(np.array([[-2.0, 0.0, 3.0]])), [[-0.02, 0, 3]]
    )
    # softmax of [0, log 2, log 5] is [1, 2, 5] / 8, column-wise
    Z = np.log(np.array([[1.0, 4.0], [2.0, 4.0], [5.0, 4.0]]))
    np.testing.assert_allclose(
        ACTIVATIONS["softmax"].forward(Z), [[1 / 8, 1 / 3], [2 / 8, 1 / 3], [5 / 8, 1 / 3]]
    )


def test_softmax_is_columnwise_and_shift_invariant(rng):
    Z = rng.randn(5, 7)
    A = ACTIVATIONS["softmax"].forward(Z)
    np.testing.assert_allclose(A.sum(axis=0), np.ones(7))
    shifted = Z + rng.randn(1, 7) * 50  # a different constant per column
    np.testing.assert_allclose(ACTIVATIONS["softmax"].forward(shifted), A, rtol=1e-12)
    for j in range(7):  # each column on its own gives the same answer
        np.testing.assert_allclose(ACTIVATIONS["softmax"].forward(Z[:, [j]]), A[:, [j]], rtol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_forward_does_not_mutate_its_input(name, rng):
    Z = rng.randn(3, 4)
    before = Z.copy()
    ACTIVATIONS[name].forward(Z)
    ACTIVATIONS[name].backward(rng.randn(3, 4), Z)
    np.testing.assert_array_equal(Z, before)


# ---------------------------------------------------------------------------- backward


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_central_differences_of_random_projection(name, rng, numerical_gradient):
    # llm.c style: J(Z) = sum(forward(Z) * R) for a random upstream R, so dJ/dZ = backward(R, Z).
    activation = ACTIVATIONS[name]
    Z = _off_kink(rng, (4, 5))
    R = rng.randn(4, 5)
    numeric = numerical_gradient(lambda: float(np.sum(activation.forward(Z) * R)), Z)
    analytic = activation.backward(R, Z)
    assert analytic.shape == Z.shape
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_through_a_equals_backward_through_z(name, rng):
    # The course's two ways: week 3's dZ from the output A (1 - A**2), week 4's from the cached Z.
    activation = ACTIVATIONS[name]
    Z = _off_kink(rng, (4, 5))
    dA = rng.randn(4, 5)
    np.testing.assert_allclose(
        activation.derivative(dA, activation.forward(Z)), activation.backward(dA, Z), rtol=1e-14, atol=1e-300
    )


def test_derivative_through_a_by_hand():
    A = np.array([[0.25, 0.5, -0.5, 0.0]])
    dA = np.array([[2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].derivative(dA, A), dA * A * (1 - A))
    np.testing.assert_allclose(ACTIVATIONS["tanh"].derivative(dA, A), [[2 * (1 - 1 / 16), 1.5, 1.5, 2.0]])


def test_course_week4_helpers_take_z(rng):
    from nnlab.engine.activations import relu_backward, sigmoid_backward

    Z, dA = _off_kink(rng, (3, 4)), rng.randn(3, 4)
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(sigmoid_backward(dA, Z), dA * s * (1 - s), rtol=1e-14)
    np.testing.assert_array_equal(relu_backward(dA, Z), np.where(Z > 0, dA, 0.0))


def test_relu_family_derivative_convention_at_the_kink():
    Z = np.array([[-1.0, 0.0, 1.0]])
    dA = np.array([[2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(ACTIVATIONS["relu"].backward(dA, Z), [[0.0, 0.0, 2.0]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"].backward(dA, Z), [[0.02, 0.02, 2.0]])


def test_softmax_backward_is_the_jacobian_vector_product(rng):
    z = rng.randn(4, 1)
    dA = rng.randn(4, 1)
    s = ACTIVATIONS["softmax"].forward(z)
    jacobian = np.diagflat(s) - s @ s.T  # d softmax_i / d z_j
    np.testing.assert_allclose(ACTIVATIONS["softmax"].backward(dA, z), jacobian.T @ dA, rtol=1e-12)


# ---------------------------------------------------------------------------- extreme inputs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_give_finite_forward_and_backward_without_fp_errors(name, dtype):
    activation = ACTIVATIONS[name]
    Z = np.array(EXTREME, dtype=dtype)
    upstreams = [
        np.ones_like(Z),
        np.array([[0.7, -1.3, 1.9, -0.6, 1.1, -1.7, 0.9]], dtype=dtype),
    ]
    with np.errstate(all="raise"):
        A = activation.forward(Z)
        for variant in (Z, Z.T):  # one row, and one column (softmax normalizes columns)
            assert np.all(np.isfinite(activation.forward(variant)))
            for dA in upstreams:
                dA = dA if variant.shape == dA.shape else dA.T
                dZ = activation.backward(dA, variant)
                assert dZ.shape == variant.shape
                assert np.all(np.isfinite(dZ)), f"{name} backward not finite at {variant.ravel()}"
                dZ_from_A = activation.derivative(dA, activation.forward(variant))
                assert np.all(np.isfinite(dZ_from_A)), f"{name} derivative not finite at {variant.ravel()}"
    assert A.dtype == dtype
    assert np.all(np.isfinite(A))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_saturates_to_exactly_the_limits(dtype):
    with np.errstate(all="raise"):
        A = ACTIVATIONS["sigmoid"].forward(np.array(EXTREME, dtype=dtype))
    assert 0.0 <= A[0, 0] < 1e-30 and 0.0 <= A[0, 1] < 1e-30
    assert A[0, -1] == pytest.approx(1.0, abs=1e-7) and A[0, -2] == pytest.approx(1.0, abs=1e-7)
    assert A[0, 3] == 0.5
    assert np.all(np.diff(A[0]) >= 0), "sigmoid must be non-decreasing"
    assert np.all((A >= 0) & (A <= 1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tanh_saturates_to_plus_minus_one(dtype):
    with np.errstate(all="raise"):
        A = ACTIVATIONS["tanh"].forward(np.array(EXTREME, dtype=dtype))
        dZ = ACTIVATIONS["tanh"].backward(np.ones((1, 7), dtype=dtype), np.array(EXTREME, dtype=dtype))
    np.testing.assert_array_equal(A[0, [0, 1, -2, -1]], [-1, -1, 1, 1])
    np.testing.assert_array_equal(dZ[0, [0, 1, -2, -1]], [0, 0, 0, 0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_columns_sum_to_one_with_extreme_column(dtype):
    Z = np.array([[1e4, 0.0, -1000.0], [-1e4, 0.0, 1000.0], [0.0, 0.0, 999.0]], dtype=dtype)
    R = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.8], [-1.2, 0.9, 1.1]], dtype=dtype)
    with np.errstate(all="raise"):
        A = ACTIVATIONS["softmax"].forward(Z)
        dZ = ACTIVATIONS["softmax"].backward(R, Z)
        dZ_ones = ACTIVATIONS["softmax"].backward(np.ones_like(Z), Z)
    assert A.dtype == dtype
    np.testing.assert_allclose(A.sum(axis=0), 1.0, rtol=1e-6)
    np.testing.assert_allclose(A[:, 0], [1, 0, 0], atol=1e-30)
    np.testing.assert_allclose(A[:, 1], [1 / 3] * 3, rtol=1e-6)
    e = math.exp(-1.0)
    np.testing.assert_allclose(A[:, 2], [0, 1 / (1 + e), e / (1 + e)], rtol=1e-5, atol=1e-30)
    assert np.all(np.isfinite(dZ)) and np.all(np.isfinite(dZ_ones))
    # softmax is invariant to adding a constant to a column, so the JVP sums to 0 per column
    np.testing.assert_allclose(dZ.sum(axis=0), 0.0, atol=1e-5)


# ---------------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", NAMES)
def test_dtype_is_preserved_forward_and_backward(name, dtype, rng):
    activation = ACTIVATIONS[name]
    Z = rng.randn(3, 4).astype(dtype)
    dA = rng.randn(3, 4).astype(dtype)
    assert activation.forward(Z).dtype == dtype
    assert activation.backward(dA, Z).dtype == dtype
    assert activation.derivative(dA, activation.forward(Z)).dtype == dtype


@pytest.mark.parametrize("name", NAMES)
def test_float32_values_agree_with_float64(name, rng):
    activation = ACTIVATIONS[name]
    Z = rng.uniform(-4, 4, size=(3, 4))
    dA = rng.randn(3, 4)
    np.testing.assert_allclose(
        activation.forward(Z.astype(np.float32)), activation.forward(Z), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        activation.backward(dA.astype(np.float32), Z.astype(np.float32)),
        activation.backward(dA, Z),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.parametrize("name", NAMES)
def test_float16_forward_values_are_right_to_half_precision(name):
    # The overflow guard must not change results inside the dtype's comfortable range.
    Z = np.array([[-3.0, -1.5, 0.5, 2.0], [2.5, 0.0, -2.0, 3.0]])
    A = ACTIVATIONS[name].forward(Z.astype(np.float16))
    assert A.dtype == np.float16
    np.testing.assert_allclose(A.astype(np.float64), _reference(name)(Z), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("name", NAMES)
def test_integer_inputs_are_accepted_as_floats(name):
    Z_int = np.array([[-3, -1, 0, 1, 2], [4, 0, -2, 1, 1]])
    A = ACTIVATIONS[name].forward(Z_int)
    assert np.issubdtype(A.dtype, np.floating)
    np.testing.assert_allclose(A, ACTIVATIONS[name].forward(Z_int.astype(np.float64)), rtol=1e-15)
    dA = np.linspace(-1, 1, 10).reshape(2, 5)
    np.testing.assert_allclose(
        ACTIVATIONS[name].backward(dA, Z_int),
        ACTIVATIONS[name].backward(dA, Z_int.astype(np.float64)),
        rtol=1e-15,
    )
