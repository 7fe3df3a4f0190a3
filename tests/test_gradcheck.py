"""Gradient checking: backprop vs central differences for every activation and output pairing.

The centerpiece of the engine's tests: every hidden activation in ``ACTIVATIONS`` x every
canonical output/loss pair, with and without the input gradient, non-canonical pairings, the
unfused path and L2. Negative controls show the check fails when backprop is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest

import nnlab.engine.gradcheck as gradcheck_module
from nnlab.engine import (
    ACTIVATIONS,
    Activation,
    GradientCheck,
    gradient_check,
    initialize_parameters,
    model_forward,
    relative_difference,
)

HIDDEN = sorted(ACTIVATIONS)
CANONICAL = [
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    ("linear", "mean_squared_error"),
]
TOLERANCE = 1e-7
# The course's two-sided step. Round-off in J (~1e-16) / EPSILON is ~1e-9 per component, so the
# problems below use He-scaled weights, whose gradients are large enough to keep the check below 1e-7.
EPSILON = 1e-7
KINKED = {"relu", "leaky_relu"}


def _labels(loss, n_y, m, rs):
    if loss == "binary_cross_entropy":
        return (rs.rand(n_y, m) < 0.5).astype(np.float64)
    if loss == "categorical_cross_entropy":
        return np.eye(n_y)[:, rs.randint(n_y, size=m)]
    return rs.randn(n_y, m)


def _problem(output, loss, seed=0, layer_dims=(4, 5, 3, None), m=8):
    """A small float64 network, inputs and labels; n_y = 1 for sigmoid, else 3."""
    rs = np.random.RandomState(seed)
    n_y = 1 if output == "sigmoid" else 3
    dims = [n if n is not None else n_y for n in layer_dims]
    parameters = initialize_parameters(dims, "he", seed=rs)  # larger gradients than xavier: round-off in J stays far below them
    for l in range(1, len(dims)):
        parameters[f"b{l}"] = rs.randn(dims[l], 1) * 0.5
    X = rs.randn(dims[0], m)
    return parameters, X, _labels(loss, n_y, m, rs)


def _assert_off_the_kink(parameters, X, hidden, output, keep_prob=1.0, seed=0):
    """Central differences across a kink are meaningless: every |Z| fed to a relu-like
    activation must exceed 1e-3 (checked here, in the test, for the chosen seed)."""
    rng = np.random.RandomState(seed) if keep_prob < 1 else None  # the check's own masks
    _, caches = model_forward(X, parameters, hidden, output, keep_prob, rng)
    kinked = [l for l in range(len(caches)) if (output if l == len(caches) - 1 else hidden) in KINKED]
    for l in kinked:
        smallest = float(np.min(np.abs(caches[l].activation_cache)))
        assert smallest > 1e-3, f"choose another seed: |Z{l + 1}| = {smallest:.2e} is at the kink"


def _check(parameters, X, Y, hidden, output, **kwargs):
    if hidden in KINKED or output in KINKED:
        _assert_off_the_kink(parameters, X, hidden, output, kwargs.get("keep_prob", 1.0), kwargs.get("seed", 0))
    kwargs.setdefault("epsilon", EPSILON)
    result = gradient_check(parameters, X, Y, hidden, output, **kwargs)
    assert isinstance(result, GradientCheck)
    assert result.difference < TOLERANCE, (
        f"hidden={hidden} output={output} {kwargs}: difference {result.difference:.3e}; "
        f"worst components {result.worst(3)}"
    )
    return result


# ---------------------------------------------------------------------------- canonical pairs


@pytest.mark.parametrize("wrt_input", [False, True], ids=["params", "params+X"])
@pytest.mark.parametrize("output, loss", CANONICAL, ids=[o for o, _ in CANONICAL])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_matches_numerical_gradient(hidden, output, loss, wrt_input):
    parameters, X, Y = _problem(output, loss, seed=0)
    result = _check(parameters, X, Y, hidden, output, loss=loss, wrt_input=wrt_input)
    n_params = sum(v.size for v in parameters.values())
    assert result.analytic.shape == result.numeric.shape == (n_params + (X.size if wrt_input else 0),)
    assert np.linalg.norm(result.analytic) > 1e-3, "a vanishing gradient would make the check vacuous"


@pytest.mark.parametrize("fused", [True, False], ids=["fused", "unfused"])
@pytest.mark.parametrize("output, loss", CANONICAL, ids=[o for o, _ in CANONICAL])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_with_derivatives_from_the_cached_z(hidden, output, loss, fused):
    parameters, X, Y = _problem(output, loss, seed=0)
    _check(parameters, X, Y, hidden, output, loss=loss, fused=fused, derivative_from="Z")


@pytest.mark.parametrize("output, loss", CANONICAL, ids=[o for o, _ in CANONICAL])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_with_l2_regularization(hidden, output, loss):
    parameters, X, Y = _problem(output, loss, seed=5)
    _check(parameters, X, Y, hidden, output, loss=loss, lambd=0.7, wrt_input=True)


@pytest.mark.parametrize("output, loss", CANONICAL, ids=[o for o, _ in CANONICAL])
@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_unfused_path_through_the_output_activation(hidden, output, loss):
    parameters, X, Y = _problem(output, loss, seed=3)
    _check(parameters, X, Y, hidden, output, loss=loss, fused=False, wrt_input=True)


# ---------------------------------------------------------------------------- other pairings


@pytest.mark.parametrize(
    "output, loss",
    [
        ("sigmoid", "mean_squared_error"),
        ("tanh", "mean_squared_error"),
        ("leaky_relu", "mean_squared_error"),
        ("softmax", "mean_squared_error"),
        ("sigmoid", "categorical_cross_entropy"),
        ("linear", "mean_squared_error"),
    ],
)
@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "leaky_relu"])
def test_non_canonical_output_and_loss_pairs(hidden, output, loss):
    rs = np.random.RandomState(4)
    parameters, X, _ = _problem("softmax", loss, seed=4)  # n_y = 3
    if loss == "categorical_cross_entropy":
        Y = np.eye(3)[:, rs.randint(3, size=X.shape[1])]
    elif output == "sigmoid":
        Y = rs.uniform(0, 1, size=(3, X.shape[1]))  # targets in the sigmoid's range
    else:
        Y = rs.randn(3, X.shape[1])
    _check(parameters, X, Y, hidden, output, loss=loss, lambd=0.2, wrt_input=True)


@pytest.mark.parametrize("layer_dims", [(3, None), (4, 6, None), (2, 3, 4, 3, None)], ids=["L1", "L2", "L4"])
def test_backprop_at_other_depths(layer_dims):
    parameters, X, Y = _problem("sigmoid", "binary_cross_entropy", seed=5, layer_dims=layer_dims, m=6)
    _check(parameters, X, Y, "tanh", "sigmoid", wrt_input=True)


# ---------------------------------------------------------------------------- the result object


def test_default_epsilon_passes_on_a_well_conditioned_problem():
    parameters, X, Y = _problem("softmax", "categorical_cross_entropy", seed=0)
    assert gradient_check(parameters, X, Y, "tanh", "softmax", wrt_input=True).difference < TOLERANCE


def test_result_names_every_component_in_order():
    parameters, X, Y = _problem("sigmoid", "binary_cross_entropy", seed=6, layer_dims=(2, 2, None), m=3)
    result = gradient_check(parameters, X, Y, "tanh", "sigmoid", wrt_input=True)
    assert result.names[:5] == ["W1[0, 0]", "W1[0, 1]", "W1[1, 0]", "W1[1, 1]", "b1[0, 0]"]
    assert result.names[-1] == "X[1, 2]"
    assert len(result.names) == len(result.analytic) == 4 + 2 + 2 + 1 + 6
    assert result.difference == relative_difference(result.analytic, result.numeric)


def test_gradient_check_does_not_mutate_its_inputs():
    parameters, X, Y = _problem("softmax", "categorical_cross_entropy", seed=7)
    saved = ({k: v.copy() for k, v in parameters.items()}, X.copy(), Y.copy())
    gradient_check(parameters, X, Y, "tanh", "softmax", wrt_input=True, lambd=0.1)
    for key, value in saved[0].items():
        np.testing.assert_array_equal(parameters[key], value)
    np.testing.assert_array_equal(X, saved[1])
    np.testing.assert_array_equal(Y, saved[2])


def test_relative_difference_by_hand():
    assert relative_difference([3.0, 4.0], [3.0, 4.0]) == 0.0
    assert relative_difference([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2)
    assert relative_difference([1.0, 2.0], [-1.0, -2.0]) == pytest.approx(1.0)
    assert relative_difference([0.0, 0.0], [0.0, 0.0]) == 0.0
    # 1% relative error in every component -> about 0.5%
    assert relative_difference([2.0, 5.0], [2.02, 5.05]) == pytest.approx(0.01 / 2.01)
    # shapes are flattened: a matrix against its ravel
    assert relative_difference(np.arange(6.0).reshape(2, 3), np.arange(6.0)) == 0.0


# ---------------------------------------------------------------------------- negative controls


def _corrupting(original, mutate):
    def wrapped(*args, **kwargs):
        grads = original(*args, **kwargs)
        return mutate({k: v.copy() for k, v in grads.items()})

    return wrapped


def test_check_fails_when_one_gradient_component_is_wrong(monkeypatch):
    parameters, X, Y = _problem("sigmoid", "binary_cross_entropy", seed=0)
    honest = gradient_check(parameters, X, Y, "tanh", "sigmoid", epsilon=EPSILON)
    assert honest.difference < TOLERANCE

    def nudge(grads):
        grads["dW1"][0, 0] += 0.05
        return grads

    monkeypatch.setattr(gradcheck_module, "model_backward", _corrupting(gradcheck_module.model_backward, nudge))
    broken = gradient_check(parameters, X, Y, "tanh", "sigmoid")
    assert broken.difference > 1e-3
    assert broken.worst(1)[0][0] == "W1[0, 0]"


def test_check_fails_when_the_1_over_m_is_forgotten(monkeypatch):
    parameters, X, Y = _problem("softmax", "categorical_cross_entropy", seed=0)
    m = X.shape[1]

    def drop_one_over_m(grads):
        return {k: (v * m if k.startswith(("dW", "db")) else v) for k, v in grads.items()}

    monkeypatch.setattr(
        gradcheck_module, "model_backward", _corrupting(gradcheck_module.model_backward, drop_one_over_m)
    )
    assert gradient_check(parameters, X, Y, "relu", "softmax").difference > 0.5


def test_check_fails_when_the_input_gradient_is_scaled_wrongly(monkeypatch):
    parameters, X, Y = _problem("linear", "mean_squared_error", seed=0)

    def halve_dA0(grads):
        grads["dA0"] = grads["dA0"] / 2
        return grads

    monkeypatch.setattr(gradcheck_module, "model_backward", _corrupting(gradcheck_module.model_backward, halve_dA0))
    assert gradient_check(parameters, X, Y, "tanh", "linear", epsilon=EPSILON).difference < TOLERANCE  # dA0 unchecked
    assert gradient_check(parameters, X, Y, "tanh", "linear", wrt_input=True).difference > 1e-2


def test_check_fails_for_an_activation_with_a_wrong_derivative(monkeypatch):
    # A plausible bug: tanh' written as 1 - A instead of 1 - A**2.
    wrong = Activation("tanh_wrong", np.tanh, lambda dA, A: dA * (1 - A))
    monkeypatch.setitem(ACTIVATIONS, "tanh_wrong", wrong)
    parameters, X, Y = _problem("sigmoid", "binary_cross_entropy", seed=0)
    for derivative_from in ("A", "Z"):
        result = gradient_check(parameters, X, Y, "tanh_wrong", "sigmoid", derivative_from=derivative_from)
        assert result.difference > 1e-2, derivative_from
    assert gradient_check(parameters, X, Y, "tanh", "sigmoid", epsilon=EPSILON).difference < TOLERANCE


def test_check_fails_when_the_unfused_loss_gradient_is_wrong(monkeypatch):
    # Using dZ = AL - Y with a non-canonical pairing (sigmoid + MSE) is a classic mistake.
    from nnlab.engine import LOSSES, Loss

    mse = LOSSES["mean_squared_error"]
    pretend = Loss("mean_squared_error", mse.cost, mse.gradient, "sigmoid", mse.label_range)
    parameters, X, _ = _problem("sigmoid", "mean_squared_error", seed=0)
    Y = np.random.RandomState(0).uniform(0, 1, size=(1, X.shape[1]))
    honest = gradient_check(parameters, X, Y, "tanh", "sigmoid", loss="mean_squared_error", epsilon=EPSILON)
    assert honest.difference < TOLERANCE
    wrong = gradient_check(parameters, X, Y, "tanh", "sigmoid", loss=pretend)  # fuses wrongly
    assert wrong.difference > 1e-2


# ---------------------------------------------------------------------------- dropout


@pytest.mark.parametrize("output, loss", CANONICAL, ids=[o for o, _ in CANONICAL])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_backprop_through_inverted_dropout(hidden, output, loss):
    # The same masks in every evaluation of J: the check is on one thinned network.
    parameters, X, Y = _problem(output, loss, seed=0)
    _check(parameters, X, Y, hidden, output, loss=loss, keep_prob=0.6, seed=3, wrt_input=True)


def test_check_fails_when_backprop_ignores_the_dropout_masks(monkeypatch):
    parameters, X, Y = _problem("sigmoid", "binary_cross_entropy", seed=0)
    original = gradcheck_module.model_backward

    def without_masks(AL, Y, caches, *args, **kwargs):
        return original(AL, Y, list(caches), *args, **kwargs)  # a plain list drops the masks

    honest = gradient_check(parameters, X, Y, "tanh", "sigmoid", keep_prob=0.6, seed=3, epsilon=EPSILON)
    assert honest.difference < TOLERANCE
    monkeypatch.setattr(gradcheck_module, "model_backward", without_masks)
    assert gradient_check(parameters, X, Y, "tanh", "sigmoid", keep_prob=0.6, seed=3).difference > 1e-2


def test_random_check_problem_keeps_hidden_units_off_their_kink_and_matches_the_output():
    from nnlab.engine.gradcheck import random_check_problem

    for output, check in (("sigmoid", lambda Y: set(np.unique(Y)) <= {0.0, 1.0}),
                          ("softmax", lambda Y: np.array_equal(Y.sum(axis=0), np.ones(Y.shape[1]))),
                          ("linear", lambda Y: Y.dtype == np.float64)):
        parameters, X, Y = random_check_problem([4, 5, 3, 3], "relu", output, m=7, seed=2)
        assert X.shape == (4, 7) and Y.shape == (3, 7) and check(Y)
        _, caches = model_forward(X, parameters, "relu", output)
        assert all(np.abs(cache[1]).min() > 1e-3 for cache in caches[:-1])
    with pytest.raises(ValueError, match="could not draw a network"):
        random_check_problem([3, 50, 1], "relu", "sigmoid", m=500, seed=0, margin=10.0, attempts=3)
