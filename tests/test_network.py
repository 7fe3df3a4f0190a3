"""L-layer network: forward/backward, parameter validation, predict, L2, update, purity."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import (
    accuracy,
    compute_cost,
    gradient_descent,
    initialize_parameters,
    l2_penalty,
    model_backward,
    model_forward,
    n_layers,
    predict,
    update_parameters,
)

OUTPUTS = [
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    ("linear", "mean_squared_error"),
]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _labels(output, n_y, m, rng):
    if output == "sigmoid":
        return (rng.rand(n_y, m) < 0.5).astype(float)
    if output == "softmax":
        return np.eye(n_y)[:, rng.randint(n_y, size=m)]
    return rng.randn(n_y, m)


def _net(rng, layer_dims=(3, 4, 2, 1), m=7, seed=0):
    parameters = initialize_parameters(list(layer_dims), "xavier", seed=seed)
    for l in range(1, len(layer_dims)):
        parameters[f"b{l}"] = rng.randn(layer_dims[l], 1) * 0.1  # non-zero biases test more
    return parameters, rng.randn(layer_dims[0], m)


def _copy(tree):
    if isinstance(tree, dict):
        return {k: _copy(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_copy(v) for v in tree]
    return np.array(tree, copy=True)


def _assert_same(a, b):
    if isinstance(a, dict):
        assert set(a) == set(b)
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------- forward


def test_model_forward_equals_the_layer_formulas_written_out(rng):
    parameters, X = _net(rng, (3, 4, 2, 1))
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    A1 = np.maximum(0, W1 @ X + b1)
    A2 = np.maximum(0, W2 @ A1 + b2)
    A3 = _sigmoid(W3 @ A2 + b3)
    AL, caches = model_forward(X, parameters, hidden="relu", output="sigmoid")
    np.testing.assert_allclose(AL, A3, rtol=1e-13)
    assert len(caches) == 3
    for cache, A_prev, W, b in zip(caches, (X, A1, A2), (W1, W2, W3), (b1, b2, b3)):
        (cached_A, cached_W, cached_b), Z = cache
        np.testing.assert_allclose(cached_A, A_prev, rtol=1e-13)
        np.testing.assert_array_equal(cached_W, W)
        np.testing.assert_array_equal(cached_b, b)
        np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-13, atol=1e-15)


def test_model_forward_tanh_softmax(rng):
    parameters, X = _net(rng, (3, 5, 4))
    AL, _ = model_forward(X, parameters, hidden="tanh", output="softmax")
    Z2 = parameters["W2"] @ np.tanh(parameters["W1"] @ X + parameters["b1"]) + parameters["b2"]
    expected = np.exp(Z2) / np.exp(Z2).sum(axis=0)
    np.testing.assert_allclose(AL, expected, rtol=1e-13)
    np.testing.assert_allclose(AL.sum(axis=0), 1.0)


def test_single_layer_network_is_logistic_regression(rng):
    parameters, X = _net(rng, (3, 1))
    AL, caches = model_forward(X, parameters, hidden="relu", output="sigmoid")
    np.testing.assert_allclose(AL, _sigmoid(parameters["W1"] @ X + parameters["b1"]), rtol=1e-14)
    assert len(caches) == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_end_to_end(dtype, rng):
    parameters = initialize_parameters([3, 4, 1], "he", seed=0, dtype=dtype)
    X = rng.randn(3, 5).astype(dtype)
    AL, caches = model_forward(X, parameters)
    assert AL.dtype == dtype
    grads = model_backward(AL, np.array([[1, 0, 1, 1, 0]]), caches)
    for key, value in grads.items():
        assert value.dtype == dtype, key


# ---------------------------------------------------------------------------- n_layers


def test_n_layers_counts_layers(rng):
    assert n_layers(initialize_parameters([3, 1], "zeros")) == 1
    assert n_layers(initialize_parameters([3, 4, 2, 1], "zeros")) == 3


@pytest.mark.parametrize(
    "keys, fragment",
    [
        (["W1", "b1", "W2"], "one W and one b"),
        (["W1", "b1", "W2", "c2"], "keys"),
        (["W1", "b1", "W3", "b3"], "keys"),
        (["W1", "W2"], "keys"),
    ],
)
def test_n_layers_rejects_missing_or_odd_keys(keys, fragment):
    parameters = {k: np.zeros((1, 1)) for k in keys}
    with pytest.raises(ValueError, match=fragment) as excinfo:
        n_layers(parameters)
    assert "W1" in str(excinfo.value)


@pytest.mark.parametrize("bad", [{}, [], None, "W1b1"])
def test_n_layers_rejects_non_dicts_and_empty(bad):
    with pytest.raises(ValueError, match="parameters"):
        n_layers(bad)


def test_n_layers_rejects_a_broken_chain():
    parameters = {"W1": np.zeros((4, 2)), "b1": np.zeros((4, 1)), "W2": np.zeros((1, 3)), "b2": np.zeros((1, 1))}
    with pytest.raises(ValueError) as excinfo:
        n_layers(parameters)
    message = str(excinfo.value)
    assert "W2" in message and "4" in message and "(1, 3)" in message


@pytest.mark.parametrize("b_shape", [(3,), (1, 3), (3, 2), (2, 1)])
def test_n_layers_rejects_misshaped_biases(b_shape):
    parameters = {"W1": np.zeros((3, 2)), "b1": np.zeros(b_shape)}
    with pytest.raises(ValueError) as excinfo:
        n_layers(parameters)
    message = str(excinfo.value)
    assert "b1" in message and "(3, 1)" in message and str(b_shape) in message


def test_n_layers_rejects_one_dimensional_weights():
    with pytest.raises(ValueError, match=r"W1 must be 2-D.*\(3,\)"):
        n_layers({"W1": np.zeros(3), "b1": np.zeros((3, 1))})


# ---------------------------------------------------------------------------- X validation


@pytest.mark.parametrize("X_shape", [(2, 5), (5, 3), (4, 1)])
def test_x_with_wrong_feature_count_names_the_expected_shape(X_shape):
    parameters = initialize_parameters([3, 4, 1], "he", seed=0)
    with pytest.raises(ValueError) as excinfo:
        model_forward(np.ones(X_shape), parameters)
    message = str(excinfo.value)
    assert "X" in message and "(3, m)" in message and str(X_shape) in message
    assert "broadcast" not in message and "matmul" not in message


def test_one_dimensional_x_is_refused():
    parameters = initialize_parameters([3, 1], "he", seed=0)
    with pytest.raises(ValueError, match="X"):
        model_forward(np.ones(3), parameters)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x_is_refused(bad):
    parameters = initialize_parameters([3, 1], "he", seed=0)
    X = np.ones((3, 4))
    X[1, 2] = bad
    with pytest.raises(ValueError, match=r"X must contain only finite values.*\(1, 2\)"):
        model_forward(X, parameters)
    with pytest.raises(ValueError, match="X"):
        predict(X, parameters)


def test_unknown_activation_names_raise_before_any_work(rng):
    parameters, X = _net(rng)
    with pytest.raises(ValueError, match="'swish'"):
        model_forward(X, parameters, hidden="swish")
    with pytest.raises(ValueError, match="'swish'"):
        model_forward(X, parameters, output="swish")


# ---------------------------------------------------------------------------- backward


@pytest.mark.parametrize("output, loss", OUTPUTS)
def test_grads_keys_and_shapes(output, loss, rng):
    n_y = 1 if output == "sigmoid" else 3
    parameters, X = _net(rng, (3, 4, 2, n_y))
    AL, caches = model_forward(X, parameters, "tanh", output)
    grads = model_backward(AL, _labels(output, n_y, 7, rng), caches, "tanh", output)
    L = 3
    expected = {f"dA{l}" for l in range(L)} | {f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    assert set(grads) == expected
    assert grads["dA0"].shape == X.shape
    for l in range(1, L + 1):
        assert grads[f"dW{l}"].shape == parameters[f"W{l}"].shape
        assert grads[f"db{l}"].shape == parameters[f"b{l}"].shape
        if l < L:
            assert grads[f"dA{l}"].shape == caches[l][0][0].shape


def test_output_layer_gradient_starts_from_al_minus_y(rng):
    parameters, X = _net(rng, (3, 4, 1), m=6)
    Y = np.array([[1, 0, 0, 1, 1, 0]])
    AL, caches = model_forward(X, parameters, "tanh", "sigmoid")
    grads = model_backward(AL, Y, caches, "tanh", "sigmoid")
    A1 = caches[1][0][0]
    dZ2 = AL - Y
    np.testing.assert_allclose(grads["dW2"], dZ2 @ A1.T / 6, rtol=1e-13)
    np.testing.assert_allclose(grads["db2"], dZ2.sum(axis=1, keepdims=True) / 6, rtol=1e-13)
    np.testing.assert_allclose(grads["dA1"], parameters["W2"].T @ dZ2, rtol=1e-13)
    dZ1 = grads["dA1"] * (1 - A1**2)
    np.testing.assert_allclose(grads["dW1"], dZ1 @ X.T / 6, rtol=1e-13)
    np.testing.assert_allclose(grads["dA0"], parameters["W1"].T @ dZ1, rtol=1e-13)


@pytest.mark.parametrize("output, loss", OUTPUTS)
def test_fused_and_unfused_paths_agree(output, loss, rng):
    n_y = 1 if output == "sigmoid" else 3
    parameters, X = _net(rng, (3, 4, n_y))
    Y = _labels(output, n_y, 7, rng)
    AL, caches = model_forward(X, parameters, "tanh", output)
    fused = model_backward(AL, Y, caches, "tanh", output, loss=loss, fused=True)
    unfused = model_backward(AL, Y, caches, "tanh", output, loss=loss, fused=False)
    assert set(fused) == set(unfused)
    for key in fused:
        np.testing.assert_allclose(fused[key], unfused[key], rtol=1e-9, atol=1e-12, err_msg=key)


@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("output, loss", OUTPUTS)
def test_derivatives_from_a_and_from_z_agree_on_real_caches(output, loss, fused, rng):
    n_y = 1 if output == "sigmoid" else 3
    parameters, X = _net(rng, (3, 4, 2, n_y))
    Y = _labels(output, n_y, 7, rng)
    for hidden in ("tanh", "relu", "sigmoid"):
        AL, caches = model_forward(X, parameters, hidden, output)
        from_A = model_backward(AL, Y, caches, hidden, output, fused=fused, derivative_from="A")
        from_Z = model_backward(AL, Y, caches, hidden, output, fused=fused, derivative_from="Z")
        for key in from_A:
            np.testing.assert_allclose(from_A[key], from_Z[key], rtol=1e-10, atol=1e-14, err_msg=key)


def test_derivative_from_selects_which_cached_array_feeds_g_prime(rng):
    # Hand-made caches whose A and Z disagree (as the course's own test cases do): "A" reads the
    # next layer's A_prev, "Z" reads the layer's cached Z.
    m = 4
    A0, W1, b1 = rng.randn(2, m), rng.randn(3, 2), rng.randn(3, 1)
    Z1 = rng.randn(3, m)
    A1 = np.abs(rng.randn(3, m)) * (rng.rand(3, m) < 0.5)  # a relu output unrelated to Z1
    W2, b2 = rng.randn(1, 3), rng.randn(1, 1)
    Z2 = W2 @ A1 + b2
    AL = _sigmoid(Z2)
    Y = np.array([[1, 0, 1, 0]])
    caches = [((A0, W1, b1), Z1), ((A1, W2, b2), Z2)]
    dA1 = W2.T @ (AL - Y)
    for derivative_from, gate in (("A", A1 > 0), ("Z", Z1 > 0)):
        grads = model_backward(AL, Y, caches, "relu", "sigmoid", derivative_from=derivative_from)
        np.testing.assert_allclose(grads["dW1"], np.where(gate, dA1, 0) @ A0.T / m, rtol=1e-13)


@pytest.mark.parametrize("bad", ["a", "X", None, 1])
def test_derivative_from_must_be_a_or_z(bad, rng):
    parameters, X = _net(rng, (3, 1))
    AL, caches = model_forward(X, parameters)
    with pytest.raises(ValueError, match="derivative_from"):
        model_backward(AL, np.zeros((1, 7)), caches, derivative_from=bad)


@pytest.mark.parametrize("output, loss", OUTPUTS)
def test_default_loss_is_the_outputs_canonical_loss(output, loss, rng):
    n_y = 1 if output == "sigmoid" else 3
    parameters, X = _net(rng, (3, 4, n_y))
    Y = _labels(output, n_y, 7, rng)
    AL, caches = model_forward(X, parameters, "relu", output)
    default = model_backward(AL, Y, caches, "relu", output)
    explicit = model_backward(AL, Y, caches, "relu", output, loss=loss)
    _assert_same(default, explicit)


def test_output_without_a_canonical_loss_asks_for_one(rng):
    parameters, X = _net(rng, (3, 2))
    AL, caches = model_forward(X, parameters, "relu", "tanh")
    with pytest.raises(ValueError, match="tanh.*loss"):
        model_backward(AL, np.zeros((2, 7)), caches, "relu", "tanh")
    grads = model_backward(AL, np.zeros((2, 7)), caches, "relu", "tanh", loss="mean_squared_error")
    dZ = AL * (1 - AL**2)  # (AL - 0) * tanh'
    np.testing.assert_allclose(grads["dW1"], dZ @ X.T / 7, rtol=1e-13)


def test_l2_adds_lambda_over_m_times_w_to_dw_only(rng):
    parameters, X = _net(rng, (3, 4, 1), m=6)
    Y = np.array([[1, 0, 0, 1, 1, 0]])
    AL, caches = model_forward(X, parameters, "tanh", "sigmoid")
    plain = model_backward(AL, Y, caches, "tanh", "sigmoid")
    regularized = model_backward(AL, Y, caches, "tanh", "sigmoid", lambd=0.3)
    for l in (1, 2):
        np.testing.assert_allclose(
            regularized[f"dW{l}"], plain[f"dW{l}"] + 0.3 / 6 * parameters[f"W{l}"], rtol=1e-13
        )
        np.testing.assert_array_equal(regularized[f"db{l}"], plain[f"db{l}"])
    for l in (0, 1):
        np.testing.assert_array_equal(regularized[f"dA{l}"], plain[f"dA{l}"])


def test_model_backward_validates_its_arguments(rng):
    parameters, X = _net(rng, (3, 4, 1), m=5)
    AL, caches = model_forward(X, parameters, "relu", "sigmoid")
    with pytest.raises(ValueError, match=r"Y.*\(1, 5\).*\(1, 4\)"):
        model_backward(AL, np.zeros((1, 4)), caches)
    with pytest.raises(ValueError, match="Y"):
        model_backward(AL, np.full((1, 5), 2.0), caches)
    with pytest.raises(ValueError, match="lambd"):
        model_backward(AL, np.zeros((1, 5)), caches, lambd=-1.0)
    with pytest.raises(ValueError, match="caches"):
        model_backward(AL, np.zeros((1, 5)), [])
    with pytest.raises(ValueError, match="'swish'"):
        model_backward(AL, np.zeros((1, 5)), caches, hidden="swish")
    with pytest.raises(ValueError, match="'hinge'"):
        model_backward(AL, np.zeros((1, 5)), caches, loss="hinge")


def test_forward_and_backward_do_not_mutate_their_inputs(rng):
    parameters, X = _net(rng, (3, 4, 2, 1))
    Y = (rng.rand(1, 7) < 0.5).astype(float)
    saved = _copy({"parameters": parameters, "X": X, "Y": Y})
    AL, caches = model_forward(X, parameters, "leaky_relu", "sigmoid")
    saved_AL, saved_caches = AL.copy(), _copy(caches)
    for fused in (True, False):
        model_backward(AL, Y, caches, "leaky_relu", "sigmoid", lambd=0.5, fused=fused)
    _assert_same({"parameters": parameters, "X": X, "Y": Y}, saved)
    _assert_same(AL, saved_AL)
    _assert_same(caches, saved_caches)


# ---------------------------------------------------------------------------- predict


def test_predict_sigmoid_thresholds_at_one_half():
    parameters = {"W1": np.array([[1.0]]), "b1": np.array([[0.0]])}
    X = np.array([[-3.0, -0.01, 0.0, 0.01, 2.0]])  # sigmoid(0) = 0.5 exactly is class 0 (A > 0.5)
    predictions = predict(X, parameters, output="sigmoid")
    np.testing.assert_array_equal(predictions, [[0, 0, 0, 1, 1]])
    assert predictions.shape == (1, 5) and np.issubdtype(predictions.dtype, np.integer)


def test_predict_softmax_returns_the_argmax_class_as_a_row():
    parameters = {"W1": np.eye(3), "b1": np.zeros((3, 1))}
    X = np.array([[5.0, 0.0, 0.0, 1.0], [0.0, 5.0, 0.0, 2.0], [0.0, 0.0, 5.0, 3.0]])
    predictions = predict(X, parameters, output="softmax")
    np.testing.assert_array_equal(predictions, [[0, 1, 2, 2]])
    assert predictions.shape == (1, 4)


def test_predict_linear_returns_the_real_outputs():
    parameters = {"W1": np.array([[2.0, -1.0]]), "b1": np.array([[0.5]])}
    X = np.array([[1.0, 0.0], [3.0, 2.0]])
    np.testing.assert_allclose(predict(X, parameters, output="linear"), [[2 - 3 + 0.5, -2 + 0.5]])


def test_predict_through_hidden_layers(rng):
    parameters, X = _net(rng, (3, 4, 1))
    AL, _ = model_forward(X, parameters, "tanh", "sigmoid")
    np.testing.assert_array_equal(predict(X, parameters, "tanh", "sigmoid"), (AL > 0.5).astype(int))


# ---------------------------------------------------------------------------- update


def test_update_parameters_is_w_minus_alpha_dw_in_new_arrays(rng):
    parameters, X = _net(rng, (3, 4, 1))
    grads = {f"d{k}": rng.randn(*v.shape) for k, v in parameters.items()}
    grads["dA0"] = rng.randn(*X.shape)  # extra keys are ignored
    saved_parameters, saved_grads = _copy(parameters), _copy(grads)
    updated = update_parameters(parameters, grads, 0.05)
    assert set(updated) == set(parameters)
    for key, value in parameters.items():
        np.testing.assert_array_equal(updated[key], value - 0.05 * grads[f"d{key}"])
        assert updated[key] is not value
    _assert_same(parameters, saved_parameters)
    _assert_same(grads, saved_grads)


def test_update_parameters_errors_on_missing_gradients(rng):
    parameters, _ = _net(rng, (3, 4, 1))
    grads = {f"d{k}": np.zeros_like(v) for k, v in parameters.items()}
    del grads["db2"]
    with pytest.raises(ValueError, match="'db2'"):
        update_parameters(parameters, grads, 0.1)


def test_update_parameters_errors_on_misshaped_gradients(rng):
    parameters, _ = _net(rng, (3, 4, 1))
    grads = {f"d{k}": np.zeros_like(v) for k, v in parameters.items()}
    grads["dW1"] = np.zeros((3, 4))  # transposed
    with pytest.raises(ValueError) as excinfo:
        update_parameters(parameters, grads, 0.1)
    message = str(excinfo.value)
    assert "dW1" in message and "(4, 3)" in message and "(3, 4)" in message


@pytest.mark.parametrize("learning_rate, error", [(0.0, ValueError), (-0.1, ValueError), (float("nan"), ValueError), ("0.1", TypeError)])
def test_update_parameters_validates_learning_rate(learning_rate, error, rng):
    parameters, _ = _net(rng, (3, 1))
    grads = {f"d{k}": np.zeros_like(v) for k, v in parameters.items()}
    with pytest.raises(error, match="learning_rate"):
        update_parameters(parameters, grads, learning_rate)


# ---------------------------------------------------------------------------- training


def test_gradient_descent_learns_the_flower(flower):
    X, Y = flower
    initial = initialize_parameters([2, 4, 1], "random", seed=2)  # the course's shallow net
    saved = _copy(initial)
    costs = []
    trained, _ = gradient_descent(
        X, Y, initial, num_iterations=500, learning_rate=1.2, hidden="tanh", output="sigmoid",
        callback=lambda i, cost: costs.append(cost),
    )
    assert costs[0] == pytest.approx(np.log(2), abs=1e-3)  # tiny weights: every output is ~1/2
    assert np.all(np.diff(costs) <= 0), "full-batch descent with this step should never go up"
    assert costs[-1] < 0.5 * costs[0]
    assert np.mean(predict(X, trained, "tanh", "sigmoid") == Y) > 0.8  # a linear model gets ~0.5
    _assert_same(initial, saved)


def test_callback_gets_each_iteration_and_the_cost_before_its_update(flower):
    X, Y = flower
    X, Y = X[:, ::10], Y[:, ::10]
    initial = initialize_parameters([2, 3, 1], "he", seed=0)
    calls = []
    gradient_descent(X, Y, initial, 5, 0.3, hidden="tanh", lambd=0.2, callback=lambda i, c: calls.append((i, c)))
    assert [i for i, _ in calls] == [0, 1, 2, 3, 4]
    for k, (_, cost) in enumerate(calls):
        assert type(cost) is float
        after_k = initial if k == 0 else gradient_descent(X, Y, initial, k, 0.3, hidden="tanh", lambd=0.2)[0]
        AL, _ = model_forward(X, after_k, "tanh", "sigmoid")
        expected = compute_cost(AL, Y) + l2_penalty(after_k, 0.2, X.shape[1])
        assert cost == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("lambd", [0.0, 0.3])
def test_gradient_descent_is_repeated_update_parameters(lambd, flower):
    X, Y = flower
    X, Y = X[:, ::10], Y[:, ::10]
    parameters = initialize_parameters([2, 3, 2, 1], "he", seed=1)
    trained, last_grads = gradient_descent(X, Y, parameters, 3, 0.1, hidden="relu", lambd=lambd)
    by_hand = parameters
    for _ in range(3):
        AL, caches = model_forward(X, by_hand, "relu", "sigmoid")
        grads = model_backward(AL, Y, caches, "relu", "sigmoid", lambd=lambd)
        by_hand = update_parameters(by_hand, grads, 0.1)
    for key in by_hand:
        np.testing.assert_allclose(trained[key], by_hand[key], rtol=1e-13, atol=1e-15)
    assert set(last_grads) == set(grads) - {"dA0"}  # training skips the gradient w.r.t. X
    for key in last_grads:
        np.testing.assert_allclose(last_grads[key], grads[key], rtol=1e-13, atol=1e-15)


def test_gradient_descent_trains_softmax_and_linear_outputs():
    rs = np.random.RandomState(0)
    X = rs.randn(2, 60)
    classes = (X[0] > 0).astype(int) + (X[1] > 0).astype(int)  # 0, 1 or 2
    for output, Y in (("softmax", np.eye(3)[:, classes]), ("linear", X[[0]] - 2 * X[[1]])):
        n_y = Y.shape[0]
        costs = []
        gradient_descent(
            X, Y, initialize_parameters([2, 6, n_y], "he", seed=0), 200, 0.1, hidden="tanh",
            output=output, callback=lambda i, c: costs.append(c),
        )
        assert costs[-1] < 0.5 * costs[0], output


@pytest.mark.parametrize(
    "num_iterations, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), ("10", TypeError)]
)
def test_gradient_descent_validates_num_iterations(num_iterations, error, flower):
    X, Y = flower
    with pytest.raises(error, match="num_iterations"):
        gradient_descent(X, Y, initialize_parameters([2, 1], "zeros"), num_iterations, 0.1)


@pytest.mark.parametrize(
    "learning_rate, error",
    [(0, ValueError), (-0.1, ValueError), (float("nan"), ValueError), (float("inf"), ValueError), ("0.1", TypeError)],
)
def test_gradient_descent_validates_learning_rate(learning_rate, error, flower):
    X, Y = flower
    with pytest.raises(error, match="learning_rate"):
        gradient_descent(X, Y, initialize_parameters([2, 1], "zeros"), 10, learning_rate)


@pytest.mark.parametrize("Y_shape", [(1, 399), (2, 400), (400, 1)])
def test_gradient_descent_validates_label_shape(Y_shape, flower):
    X, _ = flower
    with pytest.raises(ValueError) as excinfo:
        gradient_descent(X, np.zeros(Y_shape), initialize_parameters([2, 1], "zeros"), 10, 0.1)
    message = str(excinfo.value)
    assert "Y" in message and "(1, 400)" in message and str(Y_shape) in message


def test_gradient_descent_names_the_expected_shape_for_one_dimensional_labels(flower):
    # DESIGN.md's example message: "Y must have shape (1, 400); got (400,)"
    X, Y = flower
    with pytest.raises(ValueError) as excinfo:
        gradient_descent(X, Y.ravel(), initialize_parameters([2, 1], "zeros"), 10, 0.1)
    message = str(excinfo.value)
    assert "Y" in message and "(400,)" in message
    assert "(1, 400)" in message, f"expected shape missing from: {message}"


def test_gradient_descent_validates_labels_and_inputs(flower):
    X, Y = flower
    parameters = initialize_parameters([2, 1], "zeros")
    with pytest.raises(ValueError, match="Y"):
        gradient_descent(X, Y * 2, parameters, 10, 0.1)  # labels 0/2 for binary cross-entropy
    with pytest.raises(ValueError, match=r"X.*\(2, m\)"):
        gradient_descent(X.T, Y, parameters, 10, 0.1)
    with pytest.raises(ValueError, match="lambd"):
        gradient_descent(X, Y, parameters, 10, 0.1, lambd=-1)
    with pytest.raises(ValueError, match="'swish'"):
        gradient_descent(X, Y, parameters, 10, 0.1, hidden="swish")


# ---------------------------------------------------------------------------- accuracy


def test_accuracy_is_the_fraction_of_matching_labels():
    assert accuracy(np.array([[1, 0, 1, 1]]), np.array([[1, 1, 1, 0]])) == 0.5
    assert accuracy(np.array([[True, False]]), np.array([[1, 0]])) == 1.0
    assert type(accuracy(np.array([[2, 0, 1]]), np.array([[2, 1, 1]]))) is float


def test_accuracy_validates_shapes():
    with pytest.raises(ValueError, match=r"\(1, 3\).*\(1, 2\)"):
        accuracy(np.zeros((1, 2)), np.zeros((1, 3)))
    with pytest.raises(ValueError, match="empty"):
        accuracy(np.zeros((1, 0)), np.zeros((1, 0)))
