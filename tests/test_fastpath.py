"""The training loop's fast path equals the reference path composed by hand, bit for bit in spirit.

``train`` steps a :class:`~nnlab.engine.fastpath.FastNetwork` in preallocated buffers; here every
activation x output, mini-batches, dropout, L2 and each optimizer are replayed with
``model_forward`` -> ``model_backward`` -> ``optimizer_step`` and compared, in float64 and float32.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import (
    ACTIVATIONS,
    OPTIMIZERS,
    initialize_optimizer,
    initialize_parameters,
    model_backward,
    model_forward,
    optimizer_step,
)
from nnlab.engine.training import train

OUTPUTS = {"sigmoid": 1, "softmax": 3, "linear": 2}
HIDDEN = sorted(name for name in ACTIVATIONS if name != "softmax")


def _problem(output, dtype, m=37, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(4, m).astype(dtype)
    n_y = OUTPUTS[output]
    if output == "sigmoid":
        Y = (rs.rand(1, m) > 0.5).astype(dtype)
    elif output == "softmax":
        Y = np.eye(n_y, dtype=dtype)[:, rs.randint(0, n_y, m)]
    else:
        Y = rs.randn(n_y, m).astype(dtype)
    return X, Y, initialize_parameters([4, 5, 3, n_y], "he", seed=seed, dtype=dtype)


def _by_hand(X, Y, parameters, epochs, hidden, output, optimizer, lr, batch_size, lambd, keep_prob, seed):
    """The reference loop: what train did before the fast path."""
    rng = np.random.RandomState(seed)
    state = initialize_optimizer(parameters, optimizer)
    m = X.shape[1]
    for _ in range(epochs):
        if batch_size is None:
            batches = [slice(None)]
        else:
            perm = rng.permutation(m)
            batches = [perm[s : s + batch_size] for s in range(0, m, batch_size)]
        for columns in batches:
            Xb, Yb = X[:, columns], Y[:, columns]
            AL, caches = model_forward(Xb, parameters, hidden, output, keep_prob=keep_prob, rng=rng)
            grads = model_backward(AL, Yb, caches, hidden, output, lambd=lambd)
            parameters, state = optimizer_step(parameters, grads, state, optimizer, lr)
    return parameters, grads


def _copy(d):
    return {k: np.array(v, copy=True) for k, v in d.items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN)
def test_full_batch_gd_is_bit_identical_to_the_reference(hidden, output, dtype):
    X, Y, parameters = _problem(output, dtype)
    saved, X0, Y0 = _copy(parameters), X.copy(), Y.copy()
    result = train(X, Y, parameters, epochs=4, learning_rate=0.05, hidden=hidden, output=output)
    expected, grads = _by_hand(X, Y, parameters, 4, hidden, output, "gd", 0.05, None, 0.0, 1.0, 0)
    for key in expected:
        assert result.parameters[key].dtype == dtype
        np.testing.assert_array_equal(result.parameters[key], expected[key], err_msg=key)
    assert set(result.grads) == set(grads) - {"dA0"}
    for key in result.grads:
        np.testing.assert_array_equal(result.grads[key], grads[key], err_msg=key)
    for key in saved:  # inputs untouched
        np.testing.assert_array_equal(parameters[key], saved[key])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("output", sorted(OUTPUTS))
def test_minibatches_dropout_l2_and_each_optimizer_match_the_reference(optimizer, output, dtype):
    X, Y, parameters = _problem(output, dtype, m=50, seed=3)
    saved = _copy(parameters)
    options = dict(epochs=3, learning_rate=0.01, hidden="tanh", output=output, optimizer=optimizer)
    result = train(X, Y, parameters, batch_size=16, lambd=0.3, keep_prob=0.8, rng=np.random.RandomState(7), **options)
    expected, grads = _by_hand(X, Y, parameters, 3, "tanh", output, optimizer, 0.01, 16, 0.3, 0.8, 7)
    tol = dict(rtol=1e-12, atol=1e-14) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    for key in expected:
        assert result.parameters[key].dtype == dtype
        np.testing.assert_allclose(result.parameters[key], expected[key], err_msg=key, **tol)
    for key in result.grads:
        np.testing.assert_allclose(result.grads[key], grads[key], err_msg=key, **tol)
    for key in saved:
        np.testing.assert_array_equal(parameters[key], saved[key])


def test_same_seed_gives_bit_identical_parameters():
    X, Y, parameters = _problem("softmax", np.float32, m=64)
    runs = [
        train(X, Y, parameters, epochs=3, learning_rate=0.01, hidden="relu", output="softmax", optimizer="adam",
              batch_size=10, keep_prob=0.7, rng=np.random.RandomState(5)).parameters
        for _ in range(2)
    ]
    for key in runs[0]:
        np.testing.assert_array_equal(runs[0][key], runs[1][key])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_out_variants_equal_the_plain_forms_without_touching_inputs(name):
    rs = np.random.RandomState(1)
    g = ACTIVATIONS[name]
    Z = rs.randn(3, 6) * 5
    Z[0, 0] = 0.0
    dA = rs.randn(3, 6)
    Z0, dA0 = Z.copy(), dA.copy()
    A = g.forward(Z)
    out = np.empty_like(Z)
    np.testing.assert_array_equal(g.forward_into(Z, out), A)
    dZ = g.derivative(dA, A)
    np.testing.assert_array_equal(g.derivative_into(dA, A, np.empty_like(dA)), dZ)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(dA, dA0)
    in_place = Z.copy()
    np.testing.assert_array_equal(g.forward_into(in_place, in_place), A)
