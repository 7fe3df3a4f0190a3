"""Inverted dropout: forward masks, backward through the masks, and the gradient check of the
thinned network.

The reference below is the course's ``forward_propagation_with_dropout`` /
``backward_propagation_with_dropout`` (course 2, week 1) written out layer by layer, with a local
``RandomState`` in place of the global ``np.random.seed`` (the same numbers).
"""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.engine import (
    Caches,
    get_loss,
    gradient_check,
    initialize_parameters,
    inverted_dropout,
    model_backward,
    model_forward,
)
from nnlab.engine.network import backward_unchecked, forward_unchecked, layer_activations, layer_arrays

TOLERANCE = 1e-7
EPSILON = 1e-6  # see tests/test_gradcheck.py for the choice of step
OUTPUTS = [
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "categorical_cross_entropy"),
    ("linear", "mean_squared_error"),
]


def _relu(z):
    return np.maximum(0, z)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _labels(output, n_y, m, rs):
    if output == "sigmoid":
        return (rs.rand(n_y, m) < 0.5).astype(np.float64)
    if output == "softmax":
        return np.eye(n_y)[:, rs.randint(n_y, size=m)]
    return rs.randn(n_y, m)


def _problem(output="sigmoid", seed=0, layer_dims=(4, 6, 5, None), m=8):
    """Small float64 network with non-zero biases, inputs and labels (n_y = 1 for sigmoid, else 3)."""
    rs = np.random.RandomState(seed)
    n_y = 1 if output == "sigmoid" else 3
    dims = [n if n is not None else n_y for n in layer_dims]
    parameters = initialize_parameters(dims, "xavier", seed=rs)
    for l in range(1, len(dims)):
        parameters[f"b{l}"] = rs.randn(dims[l], 1) * 0.5
    X = rs.randn(dims[0], m)
    return parameters, X, _labels(output, n_y, m, rs)


class FixedMasks(np.random.RandomState):
    """A RandomState whose ``rand`` returns prepared arrays, so a test chooses the masks:
    0 where a unit must be kept (0 < keep_prob), 1 where it must be dropped (1 >= keep_prob)."""

    def __init__(self, *uniforms):
        super().__init__(0)
        self._uniforms = list(uniforms)

    def rand(self, *shape):
        u = self._uniforms.pop(0)
        assert u.shape == shape
        return u


# ------------------------------------------------------------------- keep_prob = 1: no change


@pytest.mark.parametrize("output, loss", OUTPUTS)
def test_keep_prob_one_is_bit_identical_to_no_dropout_and_draws_nothing(output, loss):
    parameters, X, Y = _problem(output)
    AL, caches = model_forward(X, parameters, "tanh", output)
    rng = np.random.RandomState(7)
    AL_1, caches_1 = model_forward(X, parameters, "tanh", output, keep_prob=1.0, rng=rng)
    np.testing.assert_array_equal(AL_1, AL)
    assert type(caches_1) is list  # exactly today's return type
    grads = model_backward(AL, Y, caches, "tanh", output)
    grads_1 = model_backward(AL_1, Y, caches_1, "tanh", output)
    assert grads.keys() == grads_1.keys()
    for key in grads:
        np.testing.assert_array_equal(grads_1[key], grads[key])
    assert rng.rand() == np.random.RandomState(7).rand()  # no random numbers were drawn
    # and no rng is needed at all
    np.testing.assert_array_equal(model_forward(X, parameters, "tanh", output, keep_prob=1)[0], AL)


# ------------------------------------------------------------------------------------ forward


def test_forward_matches_the_course_formulas_written_out():
    parameters, X, _ = _problem("sigmoid", seed=1)
    keep_prob = 0.7
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    rs = np.random.RandomState(1)  # the course: np.random.seed(1)
    Z1 = W1 @ X + b1
    A1 = _relu(Z1)
    D1 = rs.rand(A1.shape[0], A1.shape[1]) < keep_prob
    A1 = A1 * D1 / keep_prob
    Z2 = W2 @ A1 + b2
    A2 = _relu(Z2)
    D2 = rs.rand(A2.shape[0], A2.shape[1]) < keep_prob
    A2 = A2 * D2 / keep_prob
    Z3 = W3 @ A2 + b3
    A3 = _sigmoid(Z3)

    AL, caches = model_forward(X, parameters, "relu", "sigmoid", keep_prob, np.random.RandomState(1))
    np.testing.assert_allclose(AL, A3, rtol=1e-13)
    assert isinstance(caches, Caches) and isinstance(caches, list) and len(caches) == 3
    assert caches.keep_prob == keep_prob
    assert len(caches.masks) == 2
    np.testing.assert_array_equal(caches.masks[0], D1)
    np.testing.assert_array_equal(caches.masks[1], D2)
    assert caches.masks[0].dtype == np.bool_
    # The caches keep the course's layout ((A_prev, W, b), Z); A_prev is the dropped activation,
    # X is never dropped.
    for cache, A_prev, W, b, Z in zip(caches, (X, A1, A2), (W1, W2, W3), (b1, b2, b3), (Z1, Z2, Z3)):
        (cached_A_prev, cached_W, cached_b), cached_Z = cache
        np.testing.assert_allclose(cached_A_prev, A_prev, rtol=1e-13)
        assert cached_W is W and cached_b is b
        np.testing.assert_allclose(cached_Z, Z, rtol=1e-13)
    assert np.array_equal(caches[0][0][0], X)  # exactly X: the input layer is never dropped


def test_the_output_layer_is_never_dropped():
    parameters, X, _ = _problem("sigmoid", seed=2, layer_dims=(4, 6, 1), m=50)
    AL, caches = model_forward(X, parameters, "tanh", "sigmoid", 0.5, np.random.RandomState(0))
    assert AL.min() > 0  # sigmoid output, no zeros from a mask, and not rescaled:
    np.testing.assert_array_equal(AL, _sigmoid(caches[-1].activation_cache))
    assert len(caches.masks) == 1


def test_a_single_layer_network_has_no_hidden_layer_to_drop():
    parameters, X, Y = _problem("sigmoid", layer_dims=(4, 1))
    AL, caches = model_forward(X, parameters, "relu", "sigmoid", 0.5, np.random.RandomState(0))
    np.testing.assert_array_equal(AL, model_forward(X, parameters, "relu", "sigmoid")[0])
    assert caches.masks == []
    grads = model_backward(AL, Y, caches, "relu", "sigmoid")
    np.testing.assert_array_equal(grads["dW1"], model_backward(AL, Y, list(caches), "relu", "sigmoid")["dW1"])


def test_kept_fraction_and_expected_activation_are_preserved():
    # 500 hidden units x 400 examples = N = 200000 Bernoulli(0.8) draws.
    parameters, X, _ = _problem("sigmoid", seed=3, layer_dims=(10, 500, 1), m=400)
    keep_prob = 0.8
    _, caches = model_forward(X, parameters, "relu", "sigmoid", keep_prob, np.random.RandomState(5))
    mask = caches.masks[0]
    A = _relu(caches[0].activation_cache)  # the undropped A1
    dropped = caches[1].linear_cache.A_prev  # A1 * D1 / keep_prob, what layer 2 sees
    N = mask.size
    # Kept fraction: mean of N Bernoulli(p): standard deviation sqrt(p (1 - p) / N) = 0.00089.
    # Five standard deviations: a false failure has probability < 1e-6.
    sd = np.sqrt(keep_prob * (1 - keep_prob) / N)
    assert abs(mask.mean() - keep_prob) < 5 * sd
    # Inverted dropout: E[A D / p] = A. The mean over units of A (D/p - 1) has variance
    # sum(A**2) (1 - p) / p / N**2, since Var(D/p) = (1 - p) / p; again five standard deviations.
    sd = np.sqrt(np.sum(A * A) * (1 - keep_prob) / keep_prob) / N
    assert abs(dropped.mean() - A.mean()) < 5 * sd
    # ... whereas plain (non-inverted) dropout A * D would shrink the mean by 20%, far outside:
    assert abs((A * mask).mean() - A.mean()) > 50 * sd
    # Kept units are scaled by exactly 1 / keep_prob, dropped ones are exactly 0.
    np.testing.assert_array_equal(dropped[~mask], 0)
    np.testing.assert_allclose(dropped[mask], A[mask] / keep_prob, rtol=1e-15)


def test_masks_come_from_the_given_rng_and_differ_between_draws():
    parameters, X, _ = _problem("sigmoid", layer_dims=(4, 30, 1), m=40)
    rng = np.random.RandomState(3)
    _, first = model_forward(X, parameters, "relu", "sigmoid", 0.5, rng)
    _, second = model_forward(X, parameters, "relu", "sigmoid", 0.5, rng)  # the stream advanced
    _, again = model_forward(X, parameters, "relu", "sigmoid", 0.5, np.random.RandomState(3))
    assert not np.array_equal(first.masks[0], second.masks[0])
    np.testing.assert_array_equal(first.masks[0], again.masks[0])


def test_float32_stays_float32_with_dropout():
    parameters = initialize_parameters([4, 6, 5, 1], "he", seed=0, dtype=np.float32)
    X = np.random.RandomState(0).randn(4, 8).astype(np.float32)
    Y = (np.arange(8) % 2).reshape(1, 8)
    AL, caches = model_forward(X, parameters, "relu", "sigmoid", 0.8, np.random.RandomState(0))
    assert AL.dtype == np.float32
    assert all(cache.linear_cache.A_prev.dtype == np.float32 for cache in caches)
    grads = model_backward(AL, Y, caches, "relu", "sigmoid")
    assert all(g.dtype == np.float32 for g in grads.values())


# ----------------------------------------------------------------------------------- backward


def test_backward_matches_the_course_formulas_written_out():
    parameters, X, Y = _problem("sigmoid", seed=4)
    keep_prob = 0.6
    AL, caches = model_forward(X, parameters, "relu", "sigmoid", keep_prob, np.random.RandomState(2))
    grads = model_backward(AL, Y, caches, "relu", "sigmoid")

    m = X.shape[1]
    W2, W3 = parameters["W2"], parameters["W3"]
    D1, D2 = caches.masks
    Z1, Z2 = caches[0].activation_cache, caches[1].activation_cache
    A1, A2 = caches[1].linear_cache.A_prev, caches[2].linear_cache.A_prev  # dropped, as cached
    dZ3 = AL - Y
    dW3 = dZ3 @ A2.T / m
    dA2 = W3.T @ dZ3
    dA2 = dA2 * D2 / keep_prob
    dZ2 = dA2 * (Z2 > 0)
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dA1 = dA1 * D1 / keep_prob
    dZ1 = dA1 * (Z1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    for key, value in {"dW3": dW3, "dA2": dA2, "dW2": dW2, "db2": db2, "dA1": dA1, "dW1": dW1, "db1": db1}.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-15, err_msg=key)


def test_dropped_units_contribute_no_gradient():
    parameters, X, Y = _problem("sigmoid", seed=5, layer_dims=(4, 6, 5, 1), m=8)
    keep_prob = 0.5
    # Layer 1: unit 2 dropped for every example, unit 4 for examples 0 and 3; layer 2: unit 1 always.
    u1, u2 = np.zeros((6, 8)), np.zeros((5, 8))
    u1[2, :] = 1
    u1[4, [0, 3]] = 1
    u2[1, :] = 1
    AL, caches = model_forward(X, parameters, "tanh", "sigmoid", keep_prob, FixedMasks(u1, u2))
    D1, D2 = caches.masks
    assert not D1[2].any() and not D1[4, [0, 3]].any() and D1.sum() == 6 * 8 - 8 - 2
    grads = model_backward(AL, Y, caches, "tanh", "sigmoid")
    # dJ/dA[l] is zero exactly where A[l] was dropped
    np.testing.assert_array_equal(grads["dA1"][~D1], 0)
    np.testing.assert_array_equal(grads["dA2"][~D2], 0)
    assert np.all(grads["dA1"][D1] != 0)
    # a unit dropped for all examples: its own weights and bias get no gradient, and neither do
    # the next layer's weights that read it
    np.testing.assert_array_equal(grads["dW1"][2], 0)
    np.testing.assert_array_equal(grads["db1"][2], 0)
    np.testing.assert_array_equal(grads["dW2"][:, 2], 0)
    np.testing.assert_array_equal(grads["dW2"][1], 0)
    np.testing.assert_array_equal(grads["db2"][1], 0)
    np.testing.assert_array_equal(grads["dW3"][:, 1], 0)
    # a unit dropped for some examples: only the examples that kept it contribute
    m = X.shape[1]
    dZ1 = grads["dA1"] * (1 - np.tanh(caches[0].activation_cache) ** 2)
    kept = [j for j in range(m) if j not in (0, 3)]
    np.testing.assert_allclose(grads["dW1"][4], dZ1[4, kept] @ X[:, kept].T / m, rtol=1e-13)
    # without the masks backprop would give every unit a gradient (so the checks above can fail)
    no_masks = model_backward(AL, Y, list(caches), "tanh", "sigmoid", derivative_from="Z")
    assert np.all(no_masks["dW1"][2] != 0)


@pytest.mark.parametrize("derivative_from", ["A", "Z"])
def test_dropout_backward_always_takes_the_derivative_from_z(derivative_from):
    # The cached A_prev is A * D / keep_prob, so tanh's 1 - A**2 read from it would be wrong.
    parameters, X, Y = _problem("sigmoid", seed=6)
    AL, caches = model_forward(X, parameters, "tanh", "sigmoid", 0.7, np.random.RandomState(0))
    grads = model_backward(AL, Y, caches, "tanh", "sigmoid", derivative_from=derivative_from)
    reference = model_backward(AL, Y, caches, "tanh", "sigmoid", derivative_from="Z")
    for key in reference:
        np.testing.assert_array_equal(grads[key], reference[key])


def test_unchecked_kernels_used_by_the_training_loop_support_dropout():
    parameters, X, Y = _problem("softmax", seed=7)
    layers, activations = layer_arrays(parameters, 3), layer_activations(3, "relu", "softmax")
    AL, caches = forward_unchecked(X, layers, activations, 0.75, np.random.RandomState(4))
    AL_ref, caches_ref = model_forward(X, parameters, "relu", "softmax", 0.75, np.random.RandomState(4))
    np.testing.assert_array_equal(AL, AL_ref)
    assert isinstance(caches, Caches)
    loss = get_loss("categorical_cross_entropy")
    grads = backward_unchecked(AL, Y, caches, activations, loss, 0.0)
    reference = model_backward(AL_ref, Y, caches_ref, "relu", "softmax")
    for key in reference:
        np.testing.assert_array_equal(grads[key], reference[key])
    # and without keep_prob they behave as before
    AL_plain, caches_plain = forward_unchecked(X, layers, activations)
    assert type(caches_plain) is list
    np.testing.assert_array_equal(AL_plain, model_forward(X, parameters, "relu", "softmax")[0])


def test_inverted_dropout_is_the_one_formula_for_both_directions():
    A = np.array([[1.0, -2.0], [3.0, 4.0]])
    mask = np.array([[True, False], [False, True]])
    np.testing.assert_array_equal(inverted_dropout(A, mask, 0.5), [[2.0, 0.0], [0.0, 8.0]])
    assert inverted_dropout(A.astype(np.float32), mask, 0.8).dtype == np.float32


# ----------------------------------------------------------------------------- gradient check


GC_SEED = 3  # for this network seed every relu |Z| exceeds 1e-2 with dropout seeds 3 and 8


def _assert_off_the_kink(parameters, X, hidden, output, keep_prob, seed):
    """Central differences across relu's kink are meaningless: every |Z| of a relu layer must
    exceed 1e-3 in the thinned network (checked for the chosen seeds)."""
    if hidden != "relu":
        return
    _, caches = model_forward(X, parameters, hidden, output, keep_prob, np.random.RandomState(seed))
    for cache in caches[:-1]:
        assert np.min(np.abs(cache.activation_cache)) > 1e-3


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
@pytest.mark.parametrize("output, loss", OUTPUTS)
@pytest.mark.parametrize("wrt_input", [False, True])
def test_gradient_check_with_dropout_passes(hidden, output, loss, wrt_input):
    parameters, X, Y = _problem(output, seed=GC_SEED)
    _assert_off_the_kink(parameters, X, hidden, output, 0.7, seed=3)
    check = gradient_check(
        parameters, X, Y, hidden, output, loss, epsilon=EPSILON, wrt_input=wrt_input, keep_prob=0.7, seed=3
    )
    assert check.difference < TOLERANCE, check.worst()
    # and the network checked really was thinned: every hidden layer lost some units
    _, caches = model_forward(X, parameters, hidden, output, 0.7, np.random.RandomState(3))
    assert all(not mask.all() for mask in caches.masks)


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
def test_gradient_check_with_dropout_and_l2(hidden):
    parameters, X, Y = _problem("sigmoid", seed=GC_SEED)
    _assert_off_the_kink(parameters, X, hidden, "sigmoid", 0.7, seed=8)
    check = gradient_check(parameters, X, Y, hidden, "sigmoid", lambd=0.3, epsilon=EPSILON, keep_prob=0.7, seed=8)
    assert check.difference < TOLERANCE, check.worst()


def test_gradient_check_catches_a_backward_that_ignores_the_masks(monkeypatch):
    # Negative control: if backprop dropped the masks (list(caches)), the check must fail.
    import inspect

    import nnlab.engine.gradcheck as gradcheck_module

    original = gradcheck_module.model_backward

    def forgetful(*args, **kwargs):
        bound = inspect.signature(original).bind(*args, **kwargs)
        bound.arguments["caches"] = list(bound.arguments["caches"])  # the masks are lost
        bound.arguments["derivative_from"] = "Z"  # (so only the masks are missing)
        return original(*bound.args, **bound.kwargs)

    monkeypatch.setattr(gradcheck_module, "model_backward", forgetful)
    parameters, X, Y = _problem("sigmoid", seed=GC_SEED)
    check = gradient_check(parameters, X, Y, "tanh", "sigmoid", epsilon=EPSILON, keep_prob=0.7, seed=3)
    assert check.difference > 1e-2


def test_gradient_check_masks_follow_the_seed():
    parameters, X, Y = _problem("sigmoid", seed=GC_SEED)
    a = gradient_check(parameters, X, Y, "tanh", "sigmoid", epsilon=EPSILON, keep_prob=0.7, seed=3)
    b = gradient_check(parameters, X, Y, "tanh", "sigmoid", epsilon=EPSILON, keep_prob=0.7, seed=3)
    c = gradient_check(parameters, X, Y, "tanh", "sigmoid", epsilon=EPSILON, keep_prob=0.7, seed=4)
    np.testing.assert_array_equal(a.analytic, b.analytic)
    assert not np.allclose(a.analytic, c.analytic)
    assert c.difference < TOLERANCE


def test_gradient_check_keep_prob_one_is_unchanged():
    parameters, X, Y = _problem("softmax", seed=GC_SEED)
    plain = gradient_check(parameters, X, Y, "tanh", "softmax", epsilon=EPSILON)
    explicit = gradient_check(parameters, X, Y, "tanh", "softmax", epsilon=EPSILON, keep_prob=1.0, seed=9)
    np.testing.assert_array_equal(plain.analytic, explicit.analytic)
    np.testing.assert_array_equal(plain.numeric, explicit.numeric)


# --------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("keep_prob", [0.0, -0.2, 1.5, float("nan"), float("inf")])
def test_keep_prob_outside_zero_one_is_rejected_with_a_clear_message(keep_prob):
    parameters, X, Y = _problem()
    message = r"keep_prob must be a finite number in \(0.0, 1.0\]; got " + repr(keep_prob).replace("(", r"\(")
    with pytest.raises(ValueError, match=message):
        model_forward(X, parameters, keep_prob=keep_prob, rng=np.random.RandomState(0))
    with pytest.raises(ValueError, match=message):
        gradient_check(parameters, X, Y, keep_prob=keep_prob)


@pytest.mark.parametrize("keep_prob", ["0.5", None, True])
def test_non_numeric_keep_prob_is_a_type_error(keep_prob):
    parameters, X, _ = _problem()
    with pytest.raises(TypeError, match="keep_prob must be a real number"):
        model_forward(X, parameters, keep_prob=keep_prob, rng=np.random.RandomState(0))


def test_rng_is_required_for_dropout():
    parameters, X, _ = _problem()
    with pytest.raises(ValueError, match=r"rng must be a numpy.random.RandomState when keep_prob < 1.*got None"):
        model_forward(X, parameters, keep_prob=0.5)
    for bad in (0, np.random.default_rng(0), "seed"):
        with pytest.raises(TypeError, match=r"rng must be a numpy.random.RandomState"):
            model_forward(X, parameters, keep_prob=0.5, rng=bad)


@pytest.mark.parametrize("seed", [-1, 1.5, "0"])
def test_gradient_check_seed_is_validated(seed):
    parameters, X, Y = _problem()
    with pytest.raises((TypeError, ValueError), match="seed"):
        gradient_check(parameters, X, Y, keep_prob=0.5, seed=seed)


def test_backward_refuses_masks_that_do_not_match_the_caches():
    parameters, X, Y = _problem()
    AL, caches = model_forward(X, parameters, "relu", "sigmoid", 0.5, np.random.RandomState(0))
    short = Caches(caches, caches.masks[:1], caches.keep_prob)
    with pytest.raises(ValueError, match=r"caches.masks must hold one mask per hidden layer, 2; got 1"):
        model_backward(AL, Y, short, "relu", "sigmoid")
    wrong = Caches(caches, [caches.masks[0], caches.masks[0]], caches.keep_prob)
    with pytest.raises(ValueError, match=r"caches.masks\[1\] must have the shape of Z2, \(5, 8\); got \(6, 8\)"):
        model_backward(AL, Y, wrong, "relu", "sigmoid")
    with pytest.raises(ValueError, match=r"caches.keep_prob"):
        model_backward(AL, Y, Caches(caches, caches.masks, 0.0), "relu", "sigmoid")


def test_caches_without_masks_behave_as_a_plain_list():
    parameters, X, Y = _problem()
    AL, caches = model_forward(X, parameters, "relu", "sigmoid")
    wrapped = Caches(caches)
    assert wrapped.masks is None and wrapped.keep_prob == 1.0 and wrapped == caches
    plain = model_backward(AL, Y, caches, "relu", "sigmoid")
    again = model_backward(AL, Y, wrapped, "relu", "sigmoid")
    for key in plain:
        np.testing.assert_array_equal(plain[key], again[key])
