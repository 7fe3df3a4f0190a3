"""The course's two lessons, as executable statements about the engine.

(a) Zero initialization is fine for logistic regression but keeps every hidden unit of a deeper
    network identical forever (symmetry is never broken); random initialization breaks it.
(b) Vectorization: a whole batch through the network equals the examples one at a time, column
    by column, forward and backward, so the loop over examples is vectorized away.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import gradient_descent, initialize_parameters, model_backward, model_forward


@pytest.fixture
def data():
    """Random inputs (n_x = 3, m = 40) with labels a nonlinear function of them."""
    rs = np.random.RandomState(42)
    X = rs.randn(3, 40)
    Y = ((X[0] * X[1] + 0.5 * X[2]) > 0).astype(np.int64).reshape(1, -1)
    return X, Y


def _rows_identical(W, rtol=1e-12):
    """Every row equals the first (bitwise equality is not promised by BLAS, so a tight rtol)."""
    return all(np.allclose(row, W[0], rtol=rtol, atol=1e-15) for row in W)


# ---------------------------------------------------------------------------- (a) zero init


def test_zero_init_logistic_regression_weights_follow_the_inputs(data):
    X, Y = data
    zeros = initialize_parameters([3, 1], "zeros")
    one_step, _ = gradient_descent(X, Y, zeros, num_iterations=1, learning_rate=0.5, output="sigmoid")
    # from W = 0, b = 0 every output is sigmoid(0) = 1/2, so the first step is -alpha (1/2 - Y) X.T / m
    np.testing.assert_allclose(one_step["W1"], -0.5 * (0.5 - Y) @ X.T / 40, rtol=1e-13)
    trained, _ = gradient_descent(X, Y, zeros, num_iterations=20, learning_rate=0.5, output="sigmoid")
    w = trained["W1"].ravel()
    assert np.all(w != 0)
    assert len(np.unique(w)) == w.size, f"weights should differ from each other: {w}"
    assert np.min(np.abs(np.subtract.outer(w, w))[~np.eye(3, dtype=bool)]) > 1e-3


def test_zero_init_deep_tanh_network_never_leaves_zero(data):
    X, Y = data
    zeros = initialize_parameters([3, 4, 1], "zeros")
    trained, grads = gradient_descent(
        X, Y, zeros, num_iterations=200, learning_rate=0.5, hidden="tanh", output="sigmoid"
    )
    # tanh(0) = 0: A1 = 0, so dW2 = 0 and dA1 = W2.T dZ2 = 0, so dW1 = 0 — forever
    np.testing.assert_array_equal(trained["W1"], 0)
    np.testing.assert_array_equal(trained["W2"], 0)
    np.testing.assert_array_equal(trained["b1"], 0)
    np.testing.assert_array_equal(grads["dW1"], 0)
    assert trained["b2"][0, 0] != 0  # only the output bias learns: the network predicts the prior
    AL, _ = model_forward(X, trained, "tanh", "sigmoid")
    np.testing.assert_allclose(AL, AL[0, 0])  # the same output for every example


def test_symmetric_nonzero_start_keeps_hidden_units_identical(data):
    X, Y = data
    rs = np.random.RandomState(0)
    symmetric = {
        "W1": np.tile(rs.randn(1, 3), (4, 1)),  # four hidden units with the same incoming weights
        "b1": np.full((4, 1), 0.1),
        "W2": np.full((1, 4), 0.3),  # and the same outgoing weight
        "b2": np.zeros((1, 1)),
    }
    trained, _ = gradient_descent(
        X, Y, symmetric, num_iterations=200, learning_rate=0.5, hidden="tanh", output="sigmoid"
    )
    assert not np.allclose(trained["W1"], symmetric["W1"]), "the weights should have moved"
    assert _rows_identical(trained["W1"])
    assert _rows_identical(trained["b1"])
    assert _rows_identical(trained["W2"].T)


def test_random_init_breaks_symmetry(data):
    X, Y = data
    parameters = initialize_parameters([3, 4, 1], "random", seed=2)
    trained, _ = gradient_descent(
        X, Y, parameters, num_iterations=200, learning_rate=0.5, hidden="tanh", output="sigmoid"
    )
    W1 = trained["W1"]
    distances = [np.linalg.norm(W1[i] - W1[j]) for i in range(4) for j in range(i + 1, 4)]
    assert min(distances) > 1e-3, f"hidden units should differ: {W1}"


def test_random_init_learns_what_zero_init_cannot(data):
    X, Y = data
    runs = {}
    for method in ("zeros", "random"):
        costs = []
        gradient_descent(
            X, Y, initialize_parameters([3, 4, 1], method, seed=2), num_iterations=2000,
            learning_rate=1.0, hidden="tanh", output="sigmoid", callback=lambda i, c: costs.append(c),
        )
        runs[method] = costs[-1]
    # zero init can do no better than predicting the label frequency p: the entropy H(p)
    p = Y.mean()
    entropy = -(p * np.log(p) + (1 - p) * np.log(1 - p))
    assert runs["zeros"] == pytest.approx(entropy, rel=1e-3)
    assert runs["random"] < 0.8 * entropy


# ---------------------------------------------------------------------------- (b) vectorization


@pytest.mark.parametrize("hidden, output", [("relu", "sigmoid"), ("tanh", "softmax"), ("leaky_relu", "linear")])
def test_batch_forward_equals_stacked_per_example_forwards(hidden, output, data):
    X, _ = data
    n_y = 1 if output == "sigmoid" else 3
    parameters = initialize_parameters([3, 5, 4, n_y], "he", seed=1)
    AL, _ = model_forward(X, parameters, hidden, output)
    one_at_a_time = np.hstack([model_forward(X[:, [j]], parameters, hidden, output)[0] for j in range(X.shape[1])])
    assert one_at_a_time.shape == AL.shape == (n_y, X.shape[1])
    np.testing.assert_allclose(AL, one_at_a_time, rtol=1e-12, atol=1e-15)


def test_batch_gradient_is_the_mean_of_per_example_gradients(data):
    X, Y = data
    parameters = initialize_parameters([3, 5, 1], "he", seed=1)
    AL, caches = model_forward(X, parameters, "tanh", "sigmoid")
    batch = model_backward(AL, Y, caches, "tanh", "sigmoid")
    singles = []
    for j in range(X.shape[1]):
        AL_j, caches_j = model_forward(X[:, [j]], parameters, "tanh", "sigmoid")
        singles.append(model_backward(AL_j, Y[:, [j]], caches_j, "tanh", "sigmoid"))
    m = X.shape[1]
    for key in ("dW1", "db1", "dW2", "db2"):
        np.testing.assert_allclose(batch[key], sum(g[key] for g in singles) / m, rtol=1e-12, atol=1e-15)
    # dA0 is m * dJ/dX: column j is example j's own loss gradient, unscaled
    np.testing.assert_allclose(batch["dA0"], np.hstack([g["dA0"] for g in singles]), rtol=1e-12, atol=1e-15)
