"""The training loop equals the reference path composed by hand (model_forward -> model_backward -> optimizer_step).

``train`` steps a :class:`~nnlab.engine.buffers.TrainingState` in preallocated buffers; here every
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
    """The reference loop, composed of the public functions."""
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
    np.testing.assert_array_equal(g.forward(Z, out=out), A)
    dZ = g.derivative(dA, A)
    np.testing.assert_array_equal(g.derivative(dA, A, out=np.empty_like(dA)), dZ)
    np.testing.assert_array_equal(Z, Z0)
    np.testing.assert_array_equal(dA, dA0)
    in_place = Z.copy()
    np.testing.assert_array_equal(g.forward(in_place, out=in_place), A)
    assert g.with_out() is g  # registered functions take out= themselves


def test_an_activation_written_without_out_trains_through_a_copy():
    from nnlab.engine.activations import Activation

    plain = Activation("tanh_plain", lambda Z: np.tanh(Z), lambda dA, A: dA * (1 - A * A))
    wrapped = plain.with_out()
    Z = np.linspace(-2, 2, 6).reshape(2, 3)
    out = np.empty_like(Z)
    assert wrapped.forward(Z, out=out) is out
    np.testing.assert_array_equal(out, np.tanh(Z))
    X, Y, parameters = _problem("sigmoid", np.float64)
    options = dict(epochs=3, learning_rate=0.1, output="sigmoid")
    ours, theirs = train(X, Y, parameters, hidden=plain, **options), train(X, Y, parameters, hidden="tanh", **options)
    for key in ours.parameters:
        np.testing.assert_array_equal(ours.parameters[key], theirs.parameters[key])


# --------------------------------------------------------------------------- scoring in blocks
# With no on_epoch callback, train keeps the outputs of full-batch epochs (or of an epoch's
# mini-batches) and scores many at once; with a callback it scores each as it comes. Both must
# give the same history, bit for bit, and report divergence at the same epoch with the same state.


def _assert_same_history(a, b):
    """Equal lists, entry for entry (NaN, the dev fields without a dev set, equal to NaN)."""
    a, b = a.as_dict(), b.as_dict()
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(np.array(a[name], float), np.array(b[name], float), err_msg=name)


def _watched(**options):
    """train(...) with a do-nothing on_epoch, which turns block scoring off."""
    return train(**options, on_epoch=lambda epoch, history: None)


@pytest.mark.parametrize("epochs", [1, 7, 300])  # less than, and more than, one block
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_block_scoring_gives_the_history_of_epoch_by_epoch_scoring(output, dtype, epochs):
    X, Y, parameters = _problem(output, dtype, m=41)
    options = dict(X=X, Y=Y, parameters=parameters, epochs=epochs, learning_rate=0.1, hidden="tanh", output=output)
    blocked, watched = train(**options), _watched(**options)
    _assert_same_history(blocked.history, watched.history)
    assert len(blocked.history.epoch) == epochs
    for key in blocked.parameters:
        np.testing.assert_array_equal(blocked.parameters[key], watched.parameters[key])


@pytest.mark.parametrize("block_entries", [None, 3 * 8])  # default; a block of 3 batches of 8 (one output)
@pytest.mark.parametrize("batch_size", [8, 10, 40])  # a last, smaller batch; none; one of 1 example
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_mini_batches_scored_in_blocks_give_the_history_of_batch_by_batch_scoring(
        output, dtype, batch_size, block_entries, monkeypatch):
    from nnlab.engine import scoring

    if block_entries is not None:
        monkeypatch.setattr(scoring, "BLOCK_ENTRIES", block_entries * OUTPUTS[output])
    X, Y, parameters = _problem(output, dtype, m=41)
    options = dict(X=X, Y=Y, parameters=parameters, epochs=30, learning_rate=0.1, hidden="tanh", output=output,
                   batch_size=batch_size, keep_prob=0.9)
    blocked = train(**options, rng=np.random.RandomState(3))
    watched = _watched(**options, rng=np.random.RandomState(3))
    _assert_same_history(blocked.history, watched.history)
    for key in blocked.parameters:
        np.testing.assert_array_equal(blocked.parameters[key], watched.parameters[key])


@pytest.mark.parametrize("patience", [None, 5])
@pytest.mark.parametrize("batch_size, lambd", [(None, 0.0), (None, 0.1), (16, 0.0), (16, 0.1)])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_block_scoring_with_a_dev_set_matches(output, batch_size, lambd, patience):
    X, Y, parameters = _problem(output, np.float64, m=60, seed=4)
    dev = (X[:, :20] + 0.5, Y[:, :20])
    options = dict(X=X, Y=Y, parameters=parameters, epochs=300, learning_rate=2.0, hidden="relu", output=output,
                   dev=dev, patience=patience, batch_size=batch_size, lambd=lambd, rng=np.random.RandomState(0))
    blocked = train(**options)
    options["rng"] = np.random.RandomState(0)
    watched = _watched(**options)
    assert blocked.stopped_early == watched.stopped_early
    assert blocked.best_epoch == watched.best_epoch
    assert np.isfinite(blocked.history.dev_cost).all() and len(blocked.history.epoch) > 5
    _assert_same_history(blocked.history, watched.history)


@pytest.mark.parametrize("batch_size", [None, 18000])
def test_float16_costs_that_overflow_are_reported_alike_with_and_without_blocks(batch_size):
    # In float16 a cost can overflow while the outputs (and the update) stay finite: 18,000 or
    # 30,000 saturated sigmoids, half of them wrong, sum floored logs of about 9.7 each past 65,504.
    # Scoring late would then miss the step where it happened, so no block is used.
    from nnlab.errors import TrainingDiverged

    rs = np.random.RandomState(0)
    X = rs.randn(2, 30000).astype(np.float16)
    Y = (rs.rand(1, 30000) < 0.5).astype(np.float16)
    parameters = {"W1": np.array([[30.0, 0.0]], np.float16), "b1": np.zeros((1, 1), np.float16)}
    errors = []
    for run in (train, _watched):
        with pytest.raises(TrainingDiverged) as info:
            run(X=X, Y=Y, parameters=parameters, epochs=3, learning_rate=1e-3, batch_size=batch_size,
                rng=np.random.RandomState(1))
        errors.append(info.value)
    blocked, watched = errors
    assert str(blocked) == str(watched) and "the cost became inf at epoch 0" in str(blocked)
    np.testing.assert_array_equal(blocked.parameters["W1"], parameters["W1"])  # before any update
    np.testing.assert_array_equal(watched.parameters["W1"], parameters["W1"])


def test_train_rejects_no_examples_and_integer_parameters():
    X, Y, parameters = _problem("sigmoid", np.float64)
    with pytest.raises(ValueError, match=r"X must hold at least one example \(column\); got shape \(4, 0\)"):
        train(X[:, :0], Y[:, :0], parameters, epochs=1, learning_rate=0.1)
    with pytest.raises(ValueError, match=r"dev X must hold at least one example \(column\); got shape \(4, 0\)"):
        train(X, Y, parameters, epochs=1, learning_rate=0.1, dev=(X[:, :0], Y[:, :0]))
    integers = {key: np.ones(np.shape(value), dtype=np.int64) for key, value in parameters.items()}
    with pytest.raises(ValueError, match=r"parameters must be floating-point arrays .* got W1 of dtype int64"):
        train(X, Y, integers, epochs=1, learning_rate=0.1)


def test_stacked_costs_and_counts_equal_each_output_scored_alone():
    from nnlab.engine.losses import LOSSES
    from nnlab.engine.metrics import correct_count

    rs = np.random.RandomState(2)
    for dtype in (np.float64, np.float32):
        for n_y, output in ((1, "sigmoid"), (4, "softmax")):
            hard = np.eye(n_y, dtype=dtype)[:, rs.randint(0, n_y, 33)] if n_y > 1 else (rs.rand(1, 33) > 0.5).astype(dtype)
            soft = rs.rand(n_y, 33).astype(dtype)
            stack = rs.rand(6, n_y, 33).astype(dtype)
            stack[0, 0, :3] = [0, 1, 0.5]  # the log floor and the decision threshold
            for loss in LOSSES.values():
                for Y in (hard, soft):
                    singles = [loss.cost(stack[k], Y) for k in range(len(stack))]
                    assert list(loss.cost(stack, Y)) == singles, (loss.name, dtype, n_y)
            counts = [correct_count(stack[k], hard, output) for k in range(len(stack))]
            assert list(correct_count(stack, hard, output)) == counts


@pytest.mark.parametrize("batch_size, block_entries", [(None, None), (8, None), (10, None), (4, 2 * 4)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_divergence_is_reported_alike_with_and_without_block_scoring(output, dtype, batch_size, block_entries,
                                                                     monkeypatch):
    from nnlab.engine import scoring
    from nnlab.errors import TrainingDiverged

    if block_entries is not None:  # blocks of 2 mini-batches: several per epoch
        monkeypatch.setattr(scoring, "BLOCK_ENTRIES", block_entries * OUTPUTS[output])

    X, Y, parameters = _problem(output, dtype, m=30, seed=1)
    scale, learning_rate = (1e30, 1e60) if dtype == np.float64 else (1e6, 1e10)  # blows up within 3 epochs
    options = dict(X=X * scale, Y=Y, parameters=parameters, epochs=500, learning_rate=learning_rate,
                   hidden="leaky_relu", output=output, dev=(X[:, :10], Y[:, :10]), batch_size=batch_size)
    errors = []
    for run in (train, _watched):
        with pytest.raises(TrainingDiverged) as info:
            run(**options, rng=np.random.RandomState(0))
        errors.append(info.value)
    blocked, watched = errors
    assert str(blocked) == str(watched)
    assert blocked.epoch == watched.epoch >= (1 if batch_size is None else 0)
    _assert_same_history(blocked.history, watched.history)
    for key in blocked.parameters:
        np.testing.assert_array_equal(blocked.parameters[key], watched.parameters[key])


# --------------------------------------------------------------------------- options, validated once
def test_train_options_are_validated_once_and_name_the_argument():
    from nnlab.engine.losses import LOSSES
    from nnlab.engine.training import TrainOptions

    options = TrainOptions(epochs=3, learning_rate=1, output="softmax", batch_size=np.int64(8))
    assert options.loss is LOSSES["categorical_cross_entropy"]  # the output's canonical loss
    assert options.learning_rate == 1.0 and type(options.batch_size) is int
    for bad, message in [(dict(beta2=1.0), r"beta2 must be a finite number in \[0.0, 1.0\); got 1.0"),
                         (dict(epsilon=0.0), r"epsilon must be a finite number in \(0.0, inf\)"),
                         (dict(optimizer="sgd"), r"optimizer must be one of .*got 'sgd'"),
                         (dict(keep_prob=0.0), r"keep_prob must be a finite number in \(0.0, 1.0\]"),
                         (dict(decay="cosine"), r"decay must be one of .*got 'cosine'")]:
        with pytest.raises(ValueError, match=message):
            TrainOptions(epochs=1, learning_rate=0.1, **bad)
    with pytest.raises(TypeError, match="restore_best must be true or false"):
        TrainOptions(epochs=1, learning_rate=0.1, restore_best="yes")


def test_train_refuses_an_unknown_option_by_name():
    X, Y, parameters = _problem("sigmoid", np.float64)
    with pytest.raises(TypeError, match="learning_rat"):
        train(X, Y, parameters, epochs=1, learning_rat=0.1)


def test_train_unchecked_runs_the_same_loop_on_validated_arrays():
    from nnlab.engine.training import TrainOptions, check_training_data, train_unchecked

    X, Y, parameters = _problem("softmax", np.float32, m=40)
    options = TrainOptions(epochs=4, learning_rate=0.1, output="softmax", batch_size=16)
    X_ok, Y_ok, dev = check_training_data(X, Y, parameters, options, (X[:, :10], Y[:, :10]))
    direct = train_unchecked(X_ok, Y_ok, parameters, options, dev=dev, rng=np.random.RandomState(1))
    checked = train(X, Y, parameters, epochs=4, learning_rate=0.1, output="softmax", batch_size=16,
                    dev=(X[:, :10], Y[:, :10]), rng=np.random.RandomState(1))
    _assert_same_history(direct.history, checked.history)
    for key in direct.parameters:
        np.testing.assert_array_equal(direct.parameters[key], checked.parameters[key])


def test_regression_targets_whose_variation_overflows_end_in_training_diverged_not_a_warning():
    # sum((Y - mean)**2) of targets near 1e155 overflows; the run must say "diverged" (a
    # ValueError), with no RuntimeWarning escaping on the way (found by test_properties)
    import warnings

    from nnlab.errors import TrainingDiverged

    X = np.full((2, 8), -1.2e-71)
    Y = np.array([[1e155, -1e-64, 3e16, 0.3, 1.9e3, -1.5e16, 100.0, -1e-9]])
    parameters = initialize_parameters([2, 3, 1], "he", seed=0)
    with warnings.catch_warnings(), np.errstate(over="warn", invalid="warn"):
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged, match="the cost became inf at epoch 0"):
            train(X, Y, parameters, epochs=3, learning_rate=0.1, output="linear", batch_size=3,
                  rng=np.random.RandomState(0))


# ---------------------------------------------------------------- example weights
from nnlab.engine import l2_penalty  # noqa: E402
from nnlab.engine.losses import get_loss, sample_weights, weighted_cost  # noqa: E402
from nnlab.engine.training import OptimizerState  # noqa: E402

WEIGHTED_PAIRS = [("sigmoid", "binary_cross_entropy"), ("softmax", "categorical_cross_entropy"),
                  ("linear", "mean_squared_error"), ("sigmoid", "mean_squared_error")]  # the last: not fused


def _weighted_problem(output, rng, m=10):
    n_y = 3 if output == "softmax" else 1
    X = rng.randn(4, m)
    if output == "softmax":
        Y = np.eye(n_y)[:, rng.randint(0, n_y, m)]
    elif output == "sigmoid":
        Y = (rng.rand(1, m) > 0.5).astype(float)
    else:
        Y = rng.randn(1, m)
    return X, Y, initialize_parameters([4, 5, n_y], "xavier", seed=1)


@pytest.mark.parametrize("batch_size", [None, 4])
@pytest.mark.parametrize("output, loss", WEIGHTED_PAIRS)
def test_weighted_gradient_matches_central_differences(output, loss, batch_size, numerical_gradient, rng):
    """The last (mini-)batch's gradient is that of J_w = (sum w_i L_i + lambd/2 sum ||W||^2) / sum w_i
    over its rows and their weights (a learning rate of 1e-300 leaves the parameters as they were)."""
    X, Y, params = _weighted_problem(output, rng)
    w = rng.rand(10) * 3
    seed = 3
    rows = np.arange(10) if batch_size is None else np.random.RandomState(seed).permutation(10)[8:]
    w[0 if batch_size is None else np.random.RandomState(seed).permutation(10)[0]] = 0.0  # a weight of zero
    result = train(X, Y, params, epochs=1, learning_rate=1e-300, optimizer="gd", hidden="tanh", output=output,
                   loss=loss, lambd=0.3, batch_size=batch_size, sample_weight=w, rng=np.random.RandomState(seed))
    weights = sample_weights(w[rows], np.float64)

    def cost():
        AL, _ = model_forward(X[:, rows], params, "tanh", output)
        return weighted_cost(get_loss(loss), AL, Y[:, rows], weights) + l2_penalty(params, 0.3, w[rows].sum())

    if batch_size is None:
        assert result.history.train_cost[0] == pytest.approx(cost(), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(result.grads[f"d{key}"], numerical_gradient(cost, params[key]), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("output, loss", WEIGHTED_PAIRS[:3])
def test_integer_weights_are_repeated_examples(output, loss, rng):
    X, Y, params = _weighted_problem(output, rng)
    w = np.arange(10) % 3
    options = dict(epochs=20, learning_rate=0.1, optimizer="adam", hidden="tanh", output=output, lambd=0.2)
    weighted = train(X, Y, params, sample_weight=w, **options)
    repeated = train(np.repeat(X, w, axis=1), np.repeat(Y, w, axis=1), params, **options)
    np.testing.assert_allclose(weighted.history.train_cost, repeated.history.train_cost, rtol=1e-10)
    np.testing.assert_allclose(weighted.history.train_metric, repeated.history.train_metric, rtol=1e-10)
    for key in params:
        np.testing.assert_allclose(weighted.parameters[key], repeated.parameters[key], rtol=1e-8, atol=1e-12)


def test_weighted_dev_set_is_scored_with_its_weights(rng):
    X, Y, params = _weighted_problem("linear", rng)
    w_dev = np.arange(10) % 3
    result = train(X, Y, params, epochs=3, learning_rate=0.1, output="linear", dev=(X, Y), dev_weight=w_dev)
    repeated = train(X, Y, params, epochs=3, learning_rate=0.1, output="linear",
                     dev=(np.repeat(X, w_dev, axis=1), np.repeat(Y, w_dev, axis=1)))
    np.testing.assert_allclose(result.history.dev_cost, repeated.history.dev_cost, rtol=1e-10)
    np.testing.assert_allclose(result.history.dev_metric, repeated.history.dev_metric, rtol=1e-10)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_a_run_continues_from_its_state_to_the_same_bits(batch_size, rng):
    X, Y, params = _weighted_problem("softmax", rng)
    options = dict(learning_rate=0.05, optimizer="adam", hidden="relu", output="softmax", batch_size=batch_size,
                   decay="inverse_time", decay_rate=0.5)
    whole = train(X, Y, params, epochs=6, rng=np.random.RandomState(0), **options)
    shared = np.random.RandomState(0)  # the stream continues too
    first = train(X, Y, params, epochs=4, rng=shared, **options)
    assert first.state.epoch == 4 and first.state.t == (4 if batch_size is None else 16)
    second = train(X, Y, first.parameters, epochs=2, rng=shared, state=first.state, **options)
    assert second.history.epoch == [4, 5] and second.best_epoch == 5
    assert second.history.learning_rate == whole.history.learning_rate[4:]
    assert second.history.train_cost == whole.history.train_cost[4:]
    for key in params:
        np.testing.assert_array_equal(second.parameters[key], whole.parameters[key])


def test_a_fresh_state_keeps_the_epoch_count(rng):
    X, Y, params = _weighted_problem("sigmoid", rng)
    first = train(X, Y, params, epochs=2, learning_rate=0.1, optimizer="momentum")
    fresh = first.state.fresh()
    assert fresh.epoch == 2 and fresh.t == 0 and fresh.moments == {}
    second = train(X, Y, first.parameters, epochs=1, learning_rate=0.1, optimizer="momentum", state=fresh)
    assert second.history.epoch == [2]


def test_bad_weights_and_states_are_named(rng):
    X, Y, params = _weighted_problem("sigmoid", rng)
    options = dict(epochs=1, learning_rate=0.1)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(10,\)"):
        train(X, Y, params, sample_weight=np.ones(9), **options)
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        train(X, Y, params, sample_weight=-np.ones(10), **options)
    with pytest.raises(ValueError, match="sample_weight must have a positive sum"):
        train(X, Y, params, sample_weight=np.zeros(10), **options)
    with pytest.raises(ValueError, match="dev_weight needs a dev set"):
        train(X, Y, params, dev_weight=np.ones(10), **options)
    with pytest.raises(ValueError, match="same optimizer, 'gd'; got 'adam'"):
        train(X, Y, params, state=OptimizerState("adam"), **options)
    with pytest.raises(ValueError, match="state.moments must be"):
        train(X, Y, params, optimizer="momentum", state=OptimizerState("momentum", {"v": np.zeros(3)}), **options)
    with pytest.raises(TypeError, match="state must be an OptimizerState"):
        train(X, Y, params, state={"t": 1}, **options)
