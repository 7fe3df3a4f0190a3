"""Optimizers: gd, momentum, RMSprop and Adam against steps computed by hand, state handling,
purity, dtype preservation, validation, and convergence on a convex problem.

The hand-computed cases use a 1-layer network with 1x1 parameters, W = 1, b = -0.5, so every
expected number below can be checked with pencil and paper.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnlab.engine import (
    OPTIMIZERS,
    compute_cost,
    initialize_optimizer,
    initialize_parameters,
    model_backward,
    model_forward,
    optimizer_step,
    update_parameters,
)

ALPHA = 0.1


def _scalar_net(W=1.0, b=-0.5, dtype=np.float64):
    return {"W1": np.array([[W]], dtype=dtype), "b1": np.array([[b]], dtype=dtype)}


def _grads(dW, db, dtype=np.float64):
    return {"dW1": np.array([[dW]], dtype=dtype), "db1": np.array([[db]], dtype=dtype)}


def _run(name, grad_sequence, **hyper):
    """Apply ``optimizer_step`` once per (dW, db) in ``grad_sequence``; return params, state."""
    parameters = _scalar_net()
    state = initialize_optimizer(parameters, name)
    for dW, db in grad_sequence:
        parameters, state = optimizer_step(parameters, _grads(dW, db), state, name, ALPHA, **hyper)
    return parameters, state


def _value(parameters, key):
    return float(parameters[key][0, 0])


# ------------------------------------------------------------------------------ initialization


@pytest.mark.parametrize(
    "name, keys",
    [("gd", set()), ("momentum", {"v"}), ("rmsprop", {"s"}), ("adam", {"v", "s", "t"})],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_initial_state_is_zeros_shaped_like_each_parameter(name, keys, dtype):
    parameters = initialize_parameters([3, 4, 2], "xavier", seed=0, dtype=dtype)
    state = initialize_optimizer(parameters, name)
    assert set(state) == keys
    for moment in keys - {"t"}:
        assert set(state[moment]) == {"dW1", "db1", "dW2", "db2"}
        for key, value in parameters.items():
            zeros = state[moment][f"d{key}"]
            assert zeros.shape == value.shape and zeros.dtype == value.dtype
            assert not zeros.any()
            assert not np.shares_memory(zeros, value)
    if name == "adam":
        assert state["t"] == 0 and isinstance(state["t"], int)
    if name == "adam":  # v and s are distinct arrays, so updating one can never touch the other
        assert not np.shares_memory(state["v"]["dW1"], state["s"]["dW1"])


def test_optimizers_constant_lists_the_four_rules():
    assert OPTIMIZERS == ("gd", "momentum", "rmsprop", "adam")


@pytest.mark.parametrize("bad", ["sgd", "Adam", None, 3])
def test_unknown_optimizer_name_is_quoted_with_the_allowed_names(bad):
    parameters = _scalar_net()
    for call in (
        lambda: initialize_optimizer(parameters, bad),
        lambda: optimizer_step(parameters, _grads(0.5, 0.5), {}, bad, ALPHA),
    ):
        with pytest.raises(ValueError, match=r"optimizer must be one of \['gd', 'momentum', 'rmsprop', 'adam'\]") as info:
            call()
        assert repr(bad) in str(info.value)


# ------------------------------------------------------------------------- hand-computed steps


def test_gd_step_by_hand():
    # W = 1 - 0.1 * 0.5 = 0.95;  b = -0.5 - 0.1 * (-0.2) = -0.48
    parameters, state = _run("gd", [(0.5, -0.2)])
    assert _value(parameters, "W1") == pytest.approx(0.95, abs=1e-15)
    assert _value(parameters, "b1") == pytest.approx(-0.48, abs=1e-15)
    assert state == {}


def test_gd_step_is_update_parameters(rng):
    parameters = initialize_parameters([3, 4, 2], "xavier", seed=1)
    grads = {f"d{k}": rng.randn(*v.shape) for k, v in parameters.items()}
    stepped, _ = optimizer_step(parameters, grads, {}, "gd", 0.3)
    plain = update_parameters(parameters, grads, 0.3)
    for key in parameters:
        np.testing.assert_array_equal(stepped[key], plain[key])


def test_momentum_two_steps_by_hand():
    # beta = 0.9. Step 1: v_dW = 0.1 * 0.5 = 0.05,  W = 1 - 0.1 * 0.05 = 0.995
    #                     v_db = 0.1 * -0.2 = -0.02, b = -0.5 + 0.1 * 0.02 = -0.498
    parameters, state = _run("momentum", [(0.5, -0.2)], beta=0.9)
    assert _value(state["v"], "dW1") == pytest.approx(0.05, abs=1e-15)
    assert _value(state["v"], "db1") == pytest.approx(-0.02, abs=1e-15)
    assert _value(parameters, "W1") == pytest.approx(0.995, abs=1e-15)
    assert _value(parameters, "b1") == pytest.approx(-0.498, abs=1e-15)
    # Step 2, same gradients: v_dW = 0.9 * 0.05 + 0.05 = 0.095,  W = 0.995 - 0.0095 = 0.9855
    #                         v_db = 0.9 * -0.02 - 0.02 = -0.038, b = -0.498 + 0.0038 = -0.4942
    parameters, state = _run("momentum", [(0.5, -0.2)] * 2, beta=0.9)
    assert _value(state["v"], "dW1") == pytest.approx(0.095, abs=1e-15)
    assert _value(state["v"], "db1") == pytest.approx(-0.038, abs=1e-15)
    assert _value(parameters, "W1") == pytest.approx(0.9855, abs=1e-15)
    assert _value(parameters, "b1") == pytest.approx(-0.4942, abs=1e-15)


def test_momentum_with_beta_zero_is_gradient_descent():
    sequence = [(0.5, -0.2), (-0.3, 0.7), (0.1, 0.1)]
    momentum, _ = _run("momentum", sequence, beta=0.0)
    gd, _ = _run("gd", sequence)
    for key in gd:
        np.testing.assert_allclose(momentum[key], gd[key], rtol=0, atol=1e-15)


def test_rmsprop_two_steps_by_hand():
    # beta2 = 0.75 so the square roots are exact; eps = 1e-8 shifts each step by < 1e-8.
    # Step 1: s_dW = 0.25 * 0.5**2 = 0.0625, sqrt = 0.25, W = 1 - 0.1 * 0.5 / 0.25 = 0.8
    #         s_db = 0.25 * 0.2**2 = 0.01,   sqrt = 0.1,  b = -0.5 + 0.1 * 0.2 / 0.1 = -0.3
    parameters, state = _run("rmsprop", [(0.5, -0.2)], beta2=0.75)
    assert _value(state["s"], "dW1") == pytest.approx(0.0625, abs=1e-15)
    assert _value(state["s"], "db1") == pytest.approx(0.01, abs=1e-15)
    assert _value(parameters, "W1") == pytest.approx(0.8, abs=1e-7)
    assert _value(parameters, "b1") == pytest.approx(-0.3, abs=1e-7)
    # Step 2 with dW = 0.25, db = -0.1:
    #   s_dW = 0.75 * 0.0625 + 0.25 * 0.0625 = 0.0625, W = 0.8 - 0.1 * 0.25 / 0.25 = 0.7
    #   s_db = 0.75 * 0.01 + 0.25 * 0.01 = 0.01,       b = -0.3 + 0.1 * 0.1 / 0.1 = -0.2
    parameters, state = _run("rmsprop", [(0.5, -0.2), (0.25, -0.1)], beta2=0.75)
    assert _value(state["s"], "dW1") == pytest.approx(0.0625, abs=1e-15)
    assert _value(state["s"], "db1") == pytest.approx(0.01, abs=1e-15)
    assert _value(parameters, "W1") == pytest.approx(0.7, abs=1e-7)
    assert _value(parameters, "b1") == pytest.approx(-0.2, abs=1e-7)


def test_rmsprop_ignores_beta_and_beta1():
    a, _ = _run("rmsprop", [(0.5, -0.2), (0.25, -0.1)], beta2=0.75)
    b, _ = _run("rmsprop", [(0.5, -0.2), (0.25, -0.1)], beta2=0.75, beta=0.1, beta1=0.2)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_adam_first_step_moves_each_parameter_by_alpha_times_the_sign_of_its_gradient(rng):
    # t = 1: v_hat = (0.1 dW) / (1 - 0.9) = dW and s_hat = (0.001 dW**2) / (1 - 0.999) = dW**2,
    # so the step is alpha * dW / (|dW| + eps) = alpha * sign(dW) (to within alpha * eps / |dW|).
    parameters = initialize_parameters([3, 4, 2], "xavier", seed=0)
    grads = {f"d{k}": rng.randn(*v.shape) for k, v in parameters.items()}
    new, state = optimizer_step(parameters, grads, initialize_optimizer(parameters, "adam"), "adam", ALPHA)
    assert state["t"] == 1
    for key in parameters:
        np.testing.assert_allclose(parameters[key] - new[key], ALPHA * np.sign(grads[f"d{key}"]), rtol=0, atol=1e-7)
        np.testing.assert_allclose(state["v"][f"d{key}"], 0.1 * grads[f"d{key}"], rtol=1e-12)
        np.testing.assert_allclose(state["s"][f"d{key}"], 0.001 * grads[f"d{key}"] ** 2, rtol=1e-12)  # 1 - 0.999 != 0.001 exactly


def test_adam_two_steps_by_hand_exercise_t_and_the_bias_correction():
    # beta1 = 0.9, beta2 = 0.999. W: dW = 0.5 then -0.5.  b: db = -0.2 then -0.2.
    # Step 1 (t = 1): W = 1 - 0.1 = 0.9 and b = -0.5 + 0.1 = -0.4 (alpha * sign, see above).
    parameters, state = _run("adam", [(0.5, -0.2)])
    assert state["t"] == 1
    assert _value(parameters, "W1") == pytest.approx(0.9, abs=1e-7)
    assert _value(parameters, "b1") == pytest.approx(-0.4, abs=1e-7)
    # Step 2 (t = 2): v_dW = 0.9 * 0.05 + 0.1 * (-0.5) = -0.005; v_hat = -0.005 / (1 - 0.81) = -1/38
    #   s_dW = 0.999 * 0.00025 + 0.001 * 0.25 = 0.25 * 0.001999; s_hat = that / (1 - 0.999**2)
    #        = 0.25 * 0.001999 / 0.001999 = 0.25, sqrt = 0.5
    #   W = 0.9 - 0.1 * (-1/38) / 0.5 = 0.9 + 1/190 = 0.905263157894...
    # A constant gradient keeps v_hat = db and s_hat = db**2, so b moves by alpha again: -0.3.
    # (Without the bias correction step 1 alone would move W by 0.1 * 0.05 / sqrt(0.00025) = 0.316.)
    parameters, state = _run("adam", [(0.5, -0.2), (-0.5, -0.2)])
    assert state["t"] == 2
    assert _value(state["v"], "dW1") == pytest.approx(-0.005, abs=1e-15)
    assert _value(state["s"], "dW1") == pytest.approx(0.25 * 0.001999, abs=1e-15)
    assert _value(parameters, "W1") == pytest.approx(0.9 + 1 / 190, abs=1e-7)
    assert _value(parameters, "b1") == pytest.approx(-0.3, abs=1e-7)


def test_adam_continues_from_the_states_t():
    # Resuming from a state with t = 9 applies the t = 10 bias correction:
    # v = 0.1 dW, s = 0.001 dW**2 from zero moments; v_hat = 0.1 dW / (1 - 0.9**10),
    # s_hat = 0.001 dW**2 / (1 - 0.999**10); with dW = 0.5:
    dW = 0.5
    v_hat = 0.1 * dW / (1 - 0.9**10)
    s_hat = 0.001 * dW**2 / (1 - 0.999**10)
    parameters = _scalar_net()
    state = initialize_optimizer(parameters, "adam")
    state["t"] = 9
    new, new_state = optimizer_step(parameters, _grads(dW, 0.0), state, "adam", ALPHA)
    assert new_state["t"] == 10
    assert _value(new, "W1") == pytest.approx(1 - ALPHA * v_hat / (np.sqrt(s_hat) + 1e-8), abs=1e-15)


def test_epsilon_is_added_to_the_square_root_not_inside_it():
    # Zero gradient history and zero gradient: the step is 0 / (sqrt(0) + eps) = 0, never NaN.
    for name in ("rmsprop", "adam"):
        parameters, _ = _run(name, [(0.0, 0.0)] * 3)
        assert _value(parameters, "W1") == 1.0 and _value(parameters, "b1") == -0.5
    # A tiny gradient 1e-10 with rmsprop, beta2 = 0.75: sqrt(s) = 0.5e-10, so the step is
    # 0.1 * 1e-10 / (0.5e-10 + 1e-8) ~= 0.1 * 0.00995 = 9.95e-4 (eps outside the sqrt).
    parameters, _ = _run("rmsprop", [(1e-10, 0.0)], beta2=0.75)
    assert 1 - _value(parameters, "W1") == pytest.approx(0.1 * 1e-10 / (0.5e-10 + 1e-8), rel=1e-6)


# -------------------------------------------------------------------- purity and dtype


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_inputs_are_never_mutated(name, rng):
    parameters = initialize_parameters([3, 4, 2], "xavier", seed=0)
    grads = {f"d{k}": rng.randn(*v.shape) for k, v in parameters.items()}
    grads["dA0"] = rng.randn(3, 5)  # extra entries from model_backward are ignored
    state = initialize_optimizer(parameters, name)
    # two steps so that the state holds non-zero moments when it is passed back in
    _, state = optimizer_step(parameters, grads, state, name, 0.01)
    before = copy.deepcopy((parameters, grads, state))
    new_parameters, new_state = optimizer_step(parameters, grads, state, name, 0.01)
    after = (parameters, grads, state)
    for old, now in zip(before, after):
        assert old.keys() == now.keys()
    for key in parameters:
        np.testing.assert_array_equal(parameters[key], before[0][key])
        np.testing.assert_array_equal(grads[f"d{key}"], before[1][f"d{key}"])
        assert not np.shares_memory(new_parameters[key], parameters[key])
        for moment in set(state) - {"t"}:
            np.testing.assert_array_equal(state[moment][f"d{key}"], before[2][moment][f"d{key}"])
            assert new_state[moment] is not state[moment]
    assert new_state is not state
    if name == "adam":
        assert state["t"] == 1 and new_state["t"] == 2


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("grad_dtype", [np.float32, np.float64])
def test_float32_parameters_stay_float32_state_included(name, grad_dtype, rng):
    parameters = initialize_parameters([3, 4, 2], "xavier", seed=0, dtype=np.float32)
    state = initialize_optimizer(parameters, name)
    if name == "adam":
        state["t"] = np.int64(0)  # a NumPy integer t must not turn beta**t into a float64 scalar
    for _ in range(3):
        grads = {f"d{k}": rng.randn(*v.shape).astype(grad_dtype) for k, v in parameters.items()}
        parameters, state = optimizer_step(
            parameters, grads, state, name, np.float64(0.01), beta=np.float64(0.9), epsilon=np.float64(1e-8)
        )
    for key, value in parameters.items():
        assert value.dtype == np.float32, key
        for moment in set(state) - {"t"}:
            assert state[moment][f"d{key}"].dtype == np.float32, (moment, key)


def test_update_parameters_keeps_float32_too(rng):
    parameters = initialize_parameters([3, 2], "xavier", seed=0, dtype=np.float32)
    grads = {f"d{k}": rng.randn(*v.shape) for k, v in parameters.items()}  # float64 grads
    assert all(v.dtype == np.float32 for v in update_parameters(parameters, grads, 0.1).values())


# -------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "argument, value, message",
    [
        ("learning_rate", 0.0, r"learning_rate must be a finite number in \(0.0, inf\); got 0.0"),
        ("learning_rate", -0.1, r"learning_rate .* got -0.1"),
        ("learning_rate", float("nan"), r"learning_rate .* got nan"),
        ("beta", 1.0, r"beta must be a finite number in \[0.0, 1.0\); got 1.0"),
        ("beta1", -0.1, r"beta1 must be a finite number in \[0.0, 1.0\); got -0.1"),
        ("beta2", 1.5, r"beta2 must be a finite number in \[0.0, 1.0\); got 1.5"),
        ("epsilon", 0.0, r"epsilon must be a finite number in \(0.0, inf\); got 0.0"),
    ],
)
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_bad_hyperparameters_raise_naming_the_argument_and_value(name, argument, value, message):
    parameters = _scalar_net()
    state = initialize_optimizer(parameters, name)
    kwargs = {"learning_rate": ALPHA, argument: value}
    with pytest.raises(ValueError, match=message):
        optimizer_step(parameters, _grads(0.5, 0.5), state, name, **kwargs)


@pytest.mark.parametrize("argument", ["learning_rate", "beta", "epsilon"])
def test_non_numeric_hyperparameters_raise_type_error(argument):
    parameters = _scalar_net()
    kwargs = {"learning_rate": ALPHA, argument: "0.1"}
    with pytest.raises(TypeError, match=argument):
        optimizer_step(parameters, _grads(0.5, 0.5), {}, "gd", **kwargs)


def test_missing_or_misshaped_gradients_are_named():
    parameters = _scalar_net()
    with pytest.raises(ValueError, match=r"grads must hold 'db1' for parameter 'b1'"):
        optimizer_step(parameters, {"dW1": np.ones((1, 1))}, {}, "gd", ALPHA)
    with pytest.raises(ValueError, match=r"grads\['dW1'\] must have the shape of parameters\['W1'\], \(1, 1\); got \(2, 1\)"):
        optimizer_step(parameters, {"dW1": np.ones((2, 1)), "db1": np.ones((1, 1))}, {}, "gd", ALPHA)


def test_state_of_another_optimizer_is_refused():
    parameters = _scalar_net()
    momentum_state = initialize_optimizer(parameters, "momentum")
    with pytest.raises(ValueError, match=r"state for optimizer 'adam' must be a dict with keys \['s', 't', 'v'\].*got \['v'\]"):
        optimizer_step(parameters, _grads(0.5, 0.5), momentum_state, "adam", ALPHA)


def test_state_of_another_network_is_refused():
    state = initialize_optimizer(initialize_parameters([3, 2], "xavier", seed=0), "momentum")
    with pytest.raises(ValueError, match=r"state\['v'\]\['dW1'\] must have the shape of parameters\['W1'\], \(1, 1\); got \(2, 3\)"):
        optimizer_step(_scalar_net(), _grads(0.5, 0.5), state, "momentum", ALPHA)


@pytest.mark.parametrize("t", [-1, 1.5, True, None])
def test_adam_state_t_must_be_a_non_negative_integer(t):
    parameters = _scalar_net()
    state = initialize_optimizer(parameters, "adam")
    state["t"] = t
    with pytest.raises(ValueError, match=r"state\['t'\] must be an integer >= 0"):
        optimizer_step(parameters, _grads(0.5, 0.5), state, "adam", ALPHA)


# --------------------------------------------------------------- a convex problem, end to end

# Logistic regression (layer_dims [2, 1], sigmoid output, cross-entropy: convex in W, b) on two
# overlapping blobs, standardized. Its minimum cost is about 0.0895 (found by 20000 steps of gd).
CONVEX_RATES = {"gd": 0.5, "momentum": 0.5, "rmsprop": 0.01, "adam": 0.05}


@pytest.fixture(scope="module")
def blobs():
    from nnlab.data import make_blobs  # imported here: only this test needs the data package

    X, Y = make_blobs(n_samples=200, centers=2, cluster_std=4.0, seed=1)
    X = (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)
    return X, Y.astype(np.float64)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_optimizer_decreases_a_convex_cost_monotonically(name, blobs):
    X, Y = blobs
    parameters = {"W1": np.zeros((1, 2)), "b1": np.zeros((1, 1))}
    state = initialize_optimizer(parameters, name)
    costs = []
    for _ in range(200):
        AL, caches = model_forward(X, parameters, "relu", "sigmoid")
        costs.append(compute_cost(AL, Y))
        grads = model_backward(AL, Y, caches, "relu", "sigmoid")
        parameters, state = optimizer_step(parameters, grads, state, name, CONVEX_RATES[name])
    costs = np.array(costs)
    assert costs[0] == pytest.approx(np.log(2))  # W = 0, b = 0: every prediction is 0.5
    assert np.all(np.diff(costs) <= 1e-12), f"cost rose at steps {np.flatnonzero(np.diff(costs) > 1e-12)}"
    assert costs[-1] < 0.11, f"{name} ended at cost {costs[-1]:.4f} (the minimum is about 0.0895)"
