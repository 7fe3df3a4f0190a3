"""Losses: values by hand, one cost entry point, gradients vs numerical, edges and validation.

Scaling: ``Loss.gradient(AL, Y)`` is ``m * dJ/dAL`` (the course's ``dAL``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnlab.engine import LOSSES, Loss, compute_cost, get_loss, l2_penalty


def _example(name, rng, n=3, m=6):
    """A valid (AL, Y) pair for ``name`` with AL strictly inside (0, 1) where that matters."""
    if name == "binary_cross_entropy":  # n = 3 independent binary outputs (multi-label)
        return rng.uniform(0.05, 0.95, size=(n, m)), (rng.rand(n, m) < 0.5).astype(float)
    if name == "categorical_cross_entropy":
        AL = rng.uniform(0.1, 1.0, size=(n, m))
        AL /= AL.sum(axis=0, keepdims=True)
        return AL, np.eye(n)[:, rng.randint(n, size=m)]
    return rng.randn(n, m), rng.randn(n, m)


# ---------------------------------------------------------------------------- values by hand


def test_binary_cross_entropy_value_by_hand():
    AL, Y = np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]])
    expected = -(math.log(0.8) + math.log(0.9) + math.log(0.6)) / 3
    assert expected == pytest.approx(0.2797765635793422, rel=1e-15)
    assert compute_cost(AL, Y, "binary_cross_entropy") == pytest.approx(expected, rel=1e-14)
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)  # the default loss


def test_binary_cross_entropy_sums_over_outputs_and_averages_over_examples():
    # J = -(1/m) sum over every output unit and example; m is the number of columns
    AL, Y = np.array([[0.8, 0.4], [0.5, 0.9]]), np.array([[1, 0], [0, 1]])
    expected = -(math.log(0.8) + math.log(0.6) + math.log(0.5) + math.log(0.9)) / 2
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)


def test_binary_cross_entropy_with_soft_labels_by_hand():
    AL, Y = np.array([[0.25, 0.5]]), np.array([[0.5, 1.0]])
    expected = -((0.5 * math.log(0.25) + 0.5 * math.log(0.75)) + math.log(0.5)) / 2
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)


def test_categorical_cross_entropy_value_by_hand():
    AL = np.array([[0.7, 0.1], [0.2, 0.6], [0.1, 0.3]])
    Y = np.array([[1, 0], [0, 0], [0, 1]])
    expected = -(math.log(0.7) + math.log(0.3)) / 2
    assert compute_cost(AL, Y, "categorical_cross_entropy") == pytest.approx(expected, rel=1e-14)


def test_mean_squared_error_value_by_hand():
    # J = 1/(2m) sum ||a - y||^2 over the m = 2 columns
    AL = np.array([[1.0, 2.0], [0.0, -1.0]])
    Y = np.array([[0.0, 2.0], [2.0, 1.0]])
    expected = ((1 + 4) + (0 + 4)) / (2 * 2)
    assert compute_cost(AL, Y, "mean_squared_error") == pytest.approx(expected, rel=1e-15)


def test_perfect_predictions_cost_nothing():
    assert compute_cost(np.array([[1.5, -2.0]]), np.array([[1.5, -2.0]]), "mean_squared_error") == 0.0
    assert compute_cost(np.array([[1.0, 0.0]]), np.array([[1, 0]])) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_compute_cost_is_the_registered_formula(name, rng):
    AL, Y = _example(name, rng)
    assert compute_cost(AL, Y, name) == LOSSES[name].cost(AL, Y)


def test_the_binary_cross_entropy_of_a_stack_has_the_bits_of_each_output_alone():
    # hard 0/1 labels take one log per entry; soft labels both; outputs at 0, 1 and 0.5 included
    rs = np.random.RandomState(4)
    for dtype in (np.float64, np.float32):
        stack = rs.rand(5, 1, 40).astype(dtype)
        stack[0, 0, :4] = [0.0, 1.0, 0.5, 1.0]
        for Y in ((rs.rand(1, 40) > 0.5).astype(dtype), rs.rand(1, 40).astype(dtype)):
            costs = LOSSES["binary_cross_entropy"].cost(stack, Y)
            for k in range(len(stack)):
                alone = LOSSES["binary_cross_entropy"].cost(stack[k], Y)
                assert np.asarray(costs[k]).tobytes() == np.asarray(alone, dtype=costs.dtype).tobytes()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_cost_is_a_python_float(name, rng):
    AL, Y = _example(name, rng)
    assert type(compute_cost(AL, Y, name)) is float


# ---------------------------------------------------------------------------- gradients


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradient_is_m_times_numerical_derivative_of_the_cost(name, rng, numerical_gradient):
    AL, Y = _example(name, rng)
    m = AL.shape[1]
    numeric = numerical_gradient(lambda: compute_cost(AL, Y, name), AL)
    np.testing.assert_allclose(LOSSES[name].gradient(AL, Y), m * numeric, rtol=1e-6, atol=1e-8)


def test_gradient_formulas_by_hand():
    AL, Y = np.array([[0.8, 0.4]]), np.array([[1.0, 0.0]])
    np.testing.assert_allclose(LOSSES["binary_cross_entropy"].gradient(AL, Y), [[-1 / 0.8, 1 / 0.6]])
    AL3 = np.array([[0.5], [0.25], [0.25]])
    np.testing.assert_allclose(
        LOSSES["categorical_cross_entropy"].gradient(AL3, np.array([[0.0], [1.0], [0.0]])), [[0], [-4], [0]]
    )


def test_canonical_outputs():
    assert LOSSES["binary_cross_entropy"].canonical_output == "sigmoid"
    assert LOSSES["categorical_cross_entropy"].canonical_output == "softmax"
    assert LOSSES["mean_squared_error"].canonical_output == "linear"


# ---------------------------------------------------------------------------- saturated outputs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_is_finite_when_outputs_are_exactly_zero_and_one(dtype):
    AL = np.array([[0.0, 1.0, 0.0, 1.0]], dtype=dtype)
    Y = np.array([[0, 1, 1, 0]])  # two right with certainty, two wrong with certainty
    with np.errstate(all="raise"):
        cost = compute_cost(AL, Y)
        gradient = LOSSES["binary_cross_entropy"].gradient(AL, Y.astype(dtype))
    assert math.isfinite(cost) and cost > 5  # each certain mistake costs about -log(eps)
    assert np.all(np.isfinite(gradient))
    # the two certain-and-right predictions contribute (almost) nothing
    assert compute_cost(AL[:, :2], Y[:, :2]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cce_is_finite_when_outputs_are_exactly_zero_and_one(dtype):
    AL = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=dtype)
    Y = np.array([[1, 0], [0, 0], [0, 1]])
    with np.errstate(all="raise"):
        cost = compute_cost(AL, Y, "categorical_cross_entropy")
        gradient = LOSSES["categorical_cross_entropy"].gradient(AL, Y.astype(dtype))
    assert math.isfinite(cost) and cost > 5
    assert np.all(np.isfinite(gradient))


# ---------------------------------------------------------------------------- labels


@pytest.mark.parametrize("labels", [np.array([[True, True, False]]), np.array([[1, 1, 0]], dtype=np.int8)])
def test_bool_and_int_labels_are_accepted(labels):
    AL = np.array([[0.8, 0.9, 0.4]])
    assert compute_cost(AL, labels) == pytest.approx(0.2797765635793422, rel=1e-14)


@pytest.mark.parametrize("bad", [2, -1, 1.5])
@pytest.mark.parametrize("name", ["binary_cross_entropy", "categorical_cross_entropy"])
def test_labels_outside_the_domain_raise(name, bad):
    AL = np.full((1, 3), 0.5)
    Y = np.array([[1.0, 0.0, bad]])
    with pytest.raises(ValueError, match="Y") as excinfo:
        compute_cost(AL, Y, name)
    assert repr(float(bad)) in str(excinfo.value)  # the label as a float: 2.0, -1.0, 1.5


def test_mse_accepts_any_real_target():
    assert compute_cost(np.zeros((1, 2)), np.array([[3.0, -4.0]]), "mean_squared_error") == pytest.approx(25 / 4)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_label_shape_mismatch_raises_naming_both_shapes(name):
    AL = np.full((1, 3), 0.5)
    with pytest.raises(ValueError) as excinfo:
        compute_cost(AL, np.zeros((1, 4)), name)
    message = str(excinfo.value)
    assert "Y" in message and "(1, 3)" in message and "(1, 4)" in message
    assert "broadcast" not in message


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_one_dimensional_labels_raise_naming_expected_and_received_shape(name):
    # DESIGN.md: 'errors that quote what was received ("Y must have shape (1, 400); got (400,)")'
    AL = np.full((1, 3), 0.5)
    with pytest.raises(ValueError) as excinfo:
        compute_cost(AL, np.zeros(3), name)
    message = str(excinfo.value)
    assert "Y" in message and "(3,)" in message
    assert "(1, 3)" in message, f"expected shape missing from: {message}"


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_nan_in_labels_or_outputs_raises(name):
    AL, Y = np.full((1, 3), 0.5), np.array([[1.0, 0.0, 1.0]])
    Y_nan = Y.copy()
    Y_nan[0, 1] = np.nan
    with pytest.raises(ValueError, match="Y.*finite"):
        compute_cost(AL, Y_nan, name)
    AL_nan = AL.copy()
    AL_nan[0, 2] = np.nan
    with pytest.raises(ValueError, match="AL.*finite"):
        compute_cost(AL_nan, Y, name)


@pytest.mark.parametrize("bad", ["hinge", "", None, "BCE"])
def test_unknown_loss_raises_quoting_name_and_allowed_list(bad):
    with pytest.raises(ValueError) as excinfo:
        get_loss(bad)
    for name in LOSSES:
        assert name in str(excinfo.value)
    assert repr(bad) in str(excinfo.value)
    with pytest.raises(ValueError):
        compute_cost(np.full((1, 2), 0.5), np.ones((1, 2)), bad)


def test_get_loss_passes_a_loss_through():
    loss = LOSSES["mean_squared_error"]
    assert isinstance(loss, Loss) and get_loss(loss) is loss and get_loss(loss.name) is loss


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_costs_do_not_mutate_their_inputs(name, rng):
    AL, Y = _example(name, rng)
    AL0, Y0 = AL.copy(), Y.copy()
    compute_cost(AL, Y, name)
    LOSSES[name].cost(AL[None], Y)  # a stack of one output
    LOSSES[name].gradient(AL, Y)
    np.testing.assert_array_equal(AL, AL0)
    np.testing.assert_array_equal(Y, Y0)


# ---------------------------------------------------------------------------- L2


def test_l2_penalty_by_hand():
    parameters = {
        "W1": np.array([[1.0, 2.0], [0.0, -1.0]]),  # ||W1||^2 = 6
        "b1": np.array([[100.0], [100.0]]),  # biases are not penalized
        "W2": np.array([[3.0, 0.0]]),  # ||W2||^2 = 9
        "b2": np.array([[5.0]]),
    }
    assert l2_penalty(parameters, 0.7, 5) == pytest.approx(0.7 / (2 * 5) * 15, rel=1e-15)
    assert l2_penalty(parameters, 0.0, 5) == 0.0


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_l2_penalty_rejects_bad_lambda(bad):
    with pytest.raises(ValueError, match="lambd"):
        l2_penalty({"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))}, bad, 3)


# ---------------------------------------------------------------- example weights
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_weighted_cost_of_unit_weights_is_the_cost_and_weights_are_repeats(name):
    from nnlab.engine.losses import sample_weights, weighted_cost

    rs = np.random.RandomState(0)
    AL = rs.dirichlet(np.ones(3), 9).T if name.startswith("categorical") else rs.rand(1, 9)
    Y = np.eye(3)[:, rs.randint(0, 3, 9)] if name.startswith("categorical") else (rs.rand(1, 9) > 0.5).astype(float)
    loss = LOSSES[name]
    assert weighted_cost(loss, AL, Y, sample_weights(np.ones(9), np.float64)) == pytest.approx(loss.cost(AL, Y), rel=1e-13)
    w = np.arange(9) % 3
    repeated = loss.cost(np.repeat(AL, w, axis=1), np.repeat(Y, w, axis=1))
    assert weighted_cost(loss, AL, Y, sample_weights(w.astype(float), np.float64)) == pytest.approx(repeated, rel=1e-13)
    weights = sample_weights(w.astype(float), np.float32)
    assert weights.total == 9 and weights.l2_ratio == 1.0 and weights.scale.dtype == np.float32
    assert sample_weights(np.zeros(4), np.float64) is None  # a batch that carries no loss
