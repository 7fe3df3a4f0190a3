"""nnlab.course.optimization against the course's Optimization Methods assignment (course 2,
week 2, current edition): the graded update rules, mini-batches and schedules, the moons, and
the six published 5,000-epoch runs with their lesson (Adam beats plain mini-batch descent).
"""

from __future__ import annotations


import numpy as np
import pytest

from course_harness import call_without_mutation, global_random_state_unchanged, global_seed, randn, run_capturing  # noqa: F401
from nnlab.course.optimization import (
    backward_propagation,
    compute_cost,
    forward_propagation,
    initialize_adam,
    initialize_parameters,
    initialize_velocity,
    load_dataset,
    model,
    predict,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
)


_run = run_capturing  # (result, printed text); arguments checked for mutation


def _update_case(seed):
    """testCases' update inputs: W1 (2, 3), b1, W2 (3, 3), b2 and their gradients, from ``seed``.

    The layers' shapes do not chain (W2 takes 3 inputs, W1 gives 2): the course's update rules
    work array by array, and so must the façade's.
    """
    draw = randn(seed)
    parameters = {"W1": draw(2, 3), "b1": draw(2, 1), "W2": draw(3, 3), "b2": draw(3, 1)}
    grads = {"dW1": draw(2, 3), "db1": draw(2, 1), "dW2": draw(3, 3), "db2": draw(3, 1)}
    return parameters, grads


# --------------------------------------------------------------------------------------------
# The moons: sklearn.datasets.make_moons(n_samples=300, noise=.2) after np.random.seed(3)


def test_load_dataset_is_scikit_learns_bit_for_bit(global_seed):
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn (the test extra) checks the regenerated moons")
    global_seed(3)
    X, y = datasets.make_moons(n_samples=300, noise=0.2)
    train_X, train_Y = load_dataset()
    assert np.array_equal(train_X, X.T) and np.array_equal(train_Y, y.reshape(1, -1))
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)


# --------------------------------------------------------------------------------------------
# Graded update rules


def test_update_parameters_with_gd_is_one_step_per_array():
    parameters, grads = _update_case(2)
    updated = call_without_mutation(update_parameters_with_gd, parameters, grads, 0.01)
    for key in parameters:
        np.testing.assert_array_equal(updated[key], parameters[key] - 0.01 * grads[f"d{key}"])


def test_update_rules_name_a_missing_gradient():
    parameters, grads = _update_case(2)
    del grads["db2"]
    with pytest.raises(ValueError, match="grads must hold 'dW2' and 'db2'"):
        update_parameters_with_gd(parameters, grads, 0.01)
    with pytest.raises(ValueError, match="grads must hold 'dW2' and 'db2'"):
        update_parameters_with_momentum(parameters, grads, initialize_velocity(parameters), 0.9, 0.01)


def test_random_mini_batches_public_test_shapes_and_order():
    m, size = 148, 64
    X = np.arange(12288 * m, dtype=float).reshape(m, 12288).T
    Y = (randn(1)(1, m) < 0.5)
    batches = call_without_mutation(random_mini_batches, X, Y, size)
    assert [b[0].shape for b in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [b[1].shape for b in batches] == [(1, 64), (1, 64), (1, 20)]
    order = np.random.RandomState(0).permutation(m)  # the course's np.random.seed(0) (default seed)
    np.testing.assert_array_equal(np.hstack([b[0] for b in batches]), X[:, order])
    np.testing.assert_array_equal(np.hstack([b[1] for b in batches]), Y[:, order])


def test_random_mini_batches_reshuffles_with_the_seed():
    X, Y = load_dataset()
    first = random_mini_batches(X, Y, 64, seed=11)
    assert len(first) == 5 and first[-1][0].shape == (2, 44)
    assert not np.array_equal(first[0][0], random_mini_batches(X, Y, 64, seed=12)[0][0])
    assert np.array_equal(first[0][0], random_mini_batches(X, Y, 64, seed=11)[0][0])


def test_initialize_velocity_and_adam_are_zeros_like_the_parameters():
    parameters, _ = _update_case(1)
    v = call_without_mutation(initialize_velocity, parameters)
    v2, s = initialize_adam(parameters)
    for moments in (v, v2, s):
        assert set(moments) == {"dW1", "db1", "dW2", "db2"}
        assert all(moments[f"d{key}"].shape == parameters[key].shape and not moments[f"d{key}"].any() for key in parameters)


def test_update_parameters_with_momentum_follows_the_formula():
    parameters, grads = _update_case(1)
    v = initialize_velocity(parameters)
    v["dW1"] = v["dW1"] + 0.5  # a velocity that is not zero
    new_parameters, new_v = call_without_mutation(update_parameters_with_momentum, parameters, grads, v, 0.9, 0.01)
    for key in parameters:
        expected_v = 0.9 * v[f"d{key}"] + (1 - 0.9) * grads[f"d{key}"]
        np.testing.assert_array_equal(new_v[f"d{key}"], expected_v)
        np.testing.assert_array_equal(new_parameters[key], parameters[key] - 0.01 * expected_v)
    np.testing.assert_allclose(new_v["dW1"][0] - 0.45, [-0.11006192, 0.11447237, 0.09015907], atol=1e-8)


def test_update_parameters_with_adam_public_test():
    parameters, grads = _update_case(1)
    v, s = initialize_adam(parameters)
    out = call_without_mutation(update_parameters_with_adam, parameters, grads, v, s, 2, 0.02, 0.8, 0.888, 1e-2)
    new_parameters, v, s, v_corrected, s_corrected = out
    np.testing.assert_allclose(new_parameters["W1"], [[1.63942428, -0.6268425, -0.54320974],
                                                      [-1.08782943, 0.85036983, -2.2865723]], atol=1e-8)
    for key in ("dW1", "db1", "dW2", "db2"):  # the bias-corrected moments the step used
        np.testing.assert_array_equal(v_corrected[key], v[key] / (1 - 0.8**2))
        np.testing.assert_array_equal(s_corrected[key], s[key] / (1 - 0.888**2))
        np.testing.assert_allclose(v[key], (1 - 0.8) * grads[key], rtol=1e-15)  # from zero moments
        np.testing.assert_allclose(s[key], (1 - 0.888) * grads[key] ** 2, rtol=1e-15)
    expected_W2 = parameters["W2"] - 0.02 * v_corrected["dW2"] / (np.sqrt(s_corrected["dW2"]) + 1e-2)
    np.testing.assert_allclose(new_parameters["W2"], expected_W2, rtol=1e-15)


def test_adam_step_number_must_count_from_one():
    parameters, grads = _update_case(1)
    v, s = initialize_adam(parameters)
    with pytest.raises(ValueError, match="t must be an integer >= 1"):
        update_parameters_with_adam(parameters, grads, v, s, 0)


def test_learning_rate_schedules_public_tests():
    assert update_lr(0.5, 2, 1) == pytest.approx(0.16666666666666666, rel=1e-15)
    assert schedule_lr_decay(0.5, 10, 0.3, 100) == 0.5
    assert schedule_lr_decay(0.5, 100, 0.3, 100) == pytest.approx(0.3846153846153846, rel=1e-15)
    assert schedule_lr_decay(0.1, 1999, 1) == pytest.approx(0.05, rel=1e-15)  # time_interval 1000


# --------------------------------------------------------------------------------------------
# opt_utils' helpers and the model's loop


def test_compute_cost_is_the_sum_over_examples():
    a3, Y = np.array([[0.9, 0.2, 0.6]]), np.array([[1, 0, 1]])
    assert compute_cost(a3, Y) == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.6)), rel=1e-14)


def test_backward_propagation_divides_by_m_first():
    X, Y = load_dataset()
    parameters = initialize_parameters([2, 5, 2, 1])
    a3, cache = forward_propagation(X[:, :64], parameters)
    grads = backward_propagation(X[:, :64], Y[:, :64], cache)
    np.testing.assert_array_equal(grads["dz3"], 1.0 / 64 * (a3 - Y[:, :64]))
    np.testing.assert_array_equal(grads["dW3"], np.dot(grads["dz3"], cache[5].T))


def test_decay_is_called_after_each_epoch_and_used_from_the_next():
    X, Y = load_dataset()
    calls = []

    def decay(learning_rate0, epoch_num, decay_rate):
        calls.append((learning_rate0, epoch_num, decay_rate))
        return learning_rate0 / 10

    got, printed = _run(model, X, Y, [2, 5, 2, 1], "gd", learning_rate=0.1, num_epochs=2, decay=decay, decay_rate=3)
    assert calls == [(0.1, 0, 3), (0.1, 1, 3)]
    assert printed.splitlines()[1] == "learning rate after epoch 0: 0.010000"
    parameters = initialize_parameters([2, 5, 2, 1])  # by hand: epoch 0 at 0.1, epoch 1 at the decayed 0.01
    for epoch, rate in enumerate((0.1, 0.01)):
        for X_batch, Y_batch in random_mini_batches(X, Y, 64, seed=11 + epoch):
            grads = backward_propagation(X_batch, Y_batch, forward_propagation(X_batch, parameters)[1])
            parameters = update_parameters_with_gd(parameters, grads, rate)
    for key in parameters:
        np.testing.assert_array_equal(got[key], parameters[key], err_msg=key)


def test_model_loop_takes_the_graded_functions_steps_bit_for_bit():
    """Two epochs of Adam: the model checks once and runs unchecked engine calls, with the bits of
    random_mini_batches (reseeded each epoch), forward/backward_propagation and
    update_parameters_with_adam (its t counting on across epochs)."""
    X, Y = load_dataset()
    parameters = initialize_parameters([2, 5, 2, 1])
    v, s = initialize_adam(parameters)
    t = 0
    for epoch in range(2):
        for X_batch, Y_batch in random_mini_batches(X, Y, 64, seed=11 + epoch):
            t += 1
            grads = backward_propagation(X_batch, Y_batch, forward_propagation(X_batch, parameters)[1])
            parameters, v, s, _, _ = update_parameters_with_adam(parameters, grads, v, s, t, 0.0007)
    got, _ = _run(model, X, Y, [2, 5, 2, 1], "adam", num_epochs=2, print_cost=False)
    for key in parameters:
        np.testing.assert_array_equal(got[key], parameters[key], err_msg=key)


@pytest.mark.parametrize("change, message", [
    ({"beta": 1.0}, r"beta must be a finite number in \[0.0, 1.0\); got 1.0"),
    ({"beta2": -0.1}, r"beta2 must be a finite number in \[0.0, 1.0\)"),
    ({"epsilon": 0}, r"epsilon must be a finite number in \(0.0, inf\)"),
    ({"decay": lambda learning_rate0, epoch, rate: 0.0}, r"learning_rate must be a finite number in \(0.0, inf\); got 0.0"),
])
def test_model_checks_its_hyperparameters_naming_them(change, message):
    X, Y = load_dataset()
    with pytest.raises(ValueError, match=message):
        model(X, Y, [2, 5, 2, 1], "momentum", num_epochs=1, print_cost=False, **change)


def test_unknown_optimizer_is_refused_naming_it():
    X, Y = load_dataset()
    with pytest.raises(ValueError, match=r"optimizer must be one of \['gd', 'momentum', 'adam'\]; got 'sgd'"):
        model(X, Y, [2, 5, 2, 1], "sgd", num_epochs=1)


# --------------------------------------------------------------------------------------------
# The six published runs (slow: one each per module) and the lesson

PUBLISHED = {  # name: model keywords, printed costs (%f), learning rates printed, train accuracy
    "gd": ({"optimizer": "gd"}, ["0.702405", "0.668101", "0.635288", "0.600491", "0.573367"], None, "0.7166666666666667"),
    "momentum": ({"optimizer": "momentum", "beta": 0.9},
                 ["0.702413", "0.668167", "0.635388", "0.600591", "0.573444"], None, "0.7166666666666667"),
    "adam": ({"optimizer": "adam"}, ["0.702166", "0.167845", "0.141316", "0.138788", "0.136066"], None, "0.9433333333333334"),
    "gd_decay": ({"optimizer": "gd", "learning_rate": 0.1, "decay": schedule_lr_decay},
                 ["0.701091", "0.127161", "0.120304", "0.117033", "0.117512"],
                 ["0.100000", "0.050000", "0.033333", "0.025000", "0.020000"], "0.9433333333333334"),
    "momentum_decay": ({"optimizer": "momentum", "learning_rate": 0.1, "decay": schedule_lr_decay},
                       ["0.702226", "0.128974", "0.125965", "0.123375", "0.123218"],
                       ["0.100000", "0.050000", "0.033333", "0.025000", "0.020000"], "0.9533333333333334"),
    "adam_decay": ({"optimizer": "adam", "learning_rate": 0.01, "decay": schedule_lr_decay},
                   ["0.699346", "0.130074", "0.129826", "0.129282", "0.128361"],
                   ["0.010000", "0.005000", "0.003333", "0.002500", "0.002000"], "0.94"),
}


@pytest.fixture(scope="module")
def runs():
    cache = {}

    def get(name):
        if name not in cache:
            X, Y = load_dataset()
            parameters, printed = _run(model, X, Y, [X.shape[0], 5, 2, 1], **PUBLISHED[name][0])
            cache[name] = {"printed": printed, "accuracy": _run(predict, X, Y, parameters)[1]}
        return cache[name]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PUBLISHED))
def test_published_run(runs, name):
    _, costs, rates, accuracy = PUBLISHED[name]
    expected = []
    for k, cost in enumerate(costs):
        expected.append(f"Cost after epoch {1000 * k}: {cost}")
        if rates:
            expected.append(f"learning rate after epoch {1000 * k}: {rates[k]}")
    assert runs(name)["printed"].splitlines() == expected
    assert runs(name)["accuracy"] == f"Accuracy: {accuracy}\n"


@pytest.mark.slow
def test_lesson_adam_beats_plain_mini_batch_descent_at_the_same_epochs(runs):
    def final(name):
        return float(runs(name)["printed"].splitlines()[-1].split()[-1]), float(runs(name)["accuracy"].split()[1])

    (gd_cost, gd_accuracy), (adam_cost, adam_accuracy) = final("gd"), final("adam")
    assert adam_cost < gd_cost / 3 and adam_accuracy > gd_accuracy + 0.2
