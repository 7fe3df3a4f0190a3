"""nnlab.course.initialization against the course's Initialization assignment (course 2, week 1,
current edition): the three graded initializers' public tests, the circles data set, the
helpers, and the three published 15,000-iteration runs with their lessons.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from course_harness import (  # noqa: F401  (fixtures are used by name)
    run_capturing,
    call_without_mutation,
    check_course_output,
    cost_lines,
    global_random_state_unchanged,
    global_seed,
)
from nnlab import engine
from nnlab.course.initialization import (
    backward_propagation,
    compute_loss,
    forward_propagation,
    initialize_parameters_he,
    initialize_parameters_random,
    initialize_parameters_zeros,
    load_dataset,
    model,
    predict,
    predict_dec,
    update_parameters,
)


_run = run_capturing  # (result, printed text); arguments checked for mutation


# --------------------------------------------------------------------------------------------
# The data: sklearn.datasets.make_circles after np.random.seed(1) / (2), regenerated


def test_load_dataset_shapes_and_labels():
    train_X, train_Y, test_X, test_Y = load_dataset()
    assert train_X.shape == (2, 300) and train_Y.shape == (1, 300)
    assert test_X.shape == (2, 100) and test_Y.shape == (1, 100)
    assert set(np.unique(train_Y)) == {0, 1} and int(train_Y.sum()) == 150
    assert set(np.unique(test_Y)) == {0, 1} and int(test_Y.sum()) == 50


def test_load_dataset_is_scikit_learns_bit_for_bit(global_seed):
    datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn (the test extra) checks the regenerated circles")
    global_seed(1)  # the course's own cell; global_seed restores the state afterwards
    train_X, train_Y = datasets.make_circles(n_samples=300, noise=0.05)
    global_seed(2)
    test_X, test_Y = datasets.make_circles(n_samples=100, noise=0.05)
    ours = load_dataset()
    for expected, got in zip((train_X.T, train_Y.reshape(1, -1), test_X.T, test_Y.reshape(1, -1)), ours):
        assert np.array_equal(expected, got)


# --------------------------------------------------------------------------------------------
# The graded initializers (public_tests.py)


def test_initialize_parameters_zeros_public_test():
    expected = {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1)), "W2": np.zeros((1, 2)), "b2": np.zeros((1, 1))}
    check_course_output(expected, call_without_mutation(initialize_parameters_zeros, [3, 2, 1]))


def test_initialize_parameters_random_public_test():
    expected = {
        "W1": np.array([[17.88628473, 4.36509851, 0.96497468], [-18.63492703, -2.77388203, -3.54758979]]),
        "b1": np.zeros((2, 1)),
        "W2": np.array([[-0.82741481, -6.27000677]]),
        "b2": np.zeros((1, 1)),
    }
    check_course_output(expected, call_without_mutation(initialize_parameters_random, [3, 2, 1]))


def test_initialize_parameters_he_notebook_cell():
    expected = {
        "W1": np.array([[1.78862847, 0.43650985], [0.09649747, -1.8634927],
                        [-0.2773882, -0.35475898], [-0.08274148, -0.62700068]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[-0.03098412, -0.33744411, -0.92904268, 0.62552248]]),
        "b2": np.zeros((1, 1)),
    }
    check_course_output(expected, call_without_mutation(initialize_parameters_he, [2, 4, 1]))


@pytest.mark.parametrize("initializer", [initialize_parameters_random, initialize_parameters_he])
def test_initializers_ignore_the_global_random_state(initializer, global_seed):
    global_seed(11)
    first = initializer([2, 10, 5, 1])
    global_seed(12)
    second = initializer([2, 10, 5, 1])
    assert all(np.array_equal(first[key], second[key]) for key in first)


def test_bad_initialization_name_is_refused_naming_it():
    X, Y, _, _ = load_dataset()
    with pytest.raises(ValueError, match="initialization must be one of .*'xavier'"):
        model(X, Y, initialization="xavier", num_iterations=1)


@pytest.mark.parametrize("initialization", ["random", "he"])
def test_model_loop_takes_the_graded_functions_steps_bit_for_bit(initialization):
    """The model checks once and runs unchecked engine calls: the same bits as the graded functions."""
    X, Y, _, _ = load_dataset()
    parameters = {"random": initialize_parameters_random, "he": initialize_parameters_he}[initialization]([2, 10, 5, 1])
    for _ in range(3):
        grads = backward_propagation(X, Y, forward_propagation(X, parameters)[1])
        parameters = update_parameters(parameters, grads, 0.01)
    got, _ = _run(model, X, Y, num_iterations=3, print_cost=False, initialization=initialization)
    for key in parameters:
        np.testing.assert_array_equal(got[key], parameters[key], err_msg=key)


@pytest.mark.parametrize("change, message", [
    ({"X": "nan"}, "X must contain only finite values"),
    ({"Y": 2}, r"Y must hold labels in \[0.0, 1.0\]"),
    ({"learning_rate": 0.0}, r"learning_rate must be a finite number in \(0.0, inf\); got 0.0"),
])
def test_model_checks_its_inputs_at_the_boundary_naming_them(change, message):
    X, Y, _, _ = load_dataset()
    X = np.where(np.arange(X.shape[1]) == 7, np.nan, X) if change.pop("X", None) else X
    Y = Y * change.pop("Y", 1)
    with pytest.raises(ValueError, match=message):  # before any step: no step would catch it now
        model(X, Y, num_iterations=0, print_cost=False, **change)


def test_model_that_diverges_says_so_naming_the_learning_rate():
    X, Y, _, _ = load_dataset()
    with pytest.raises(ValueError, match=r"training diverged: the update of iteration \d+ .*learning_rate=1e\+300"):
        model(X, Y, learning_rate=1e300, num_iterations=5, print_cost=False)


# --------------------------------------------------------------------------------------------
# init_utils' helpers


def test_backward_propagation_is_the_engines_gradient_in_the_courses_order():
    X, Y, _, _ = load_dataset()
    parameters = initialize_parameters_he([2, 10, 5, 1])
    a3, cache = forward_propagation(X, parameters)
    assert len(cache) == 12 and cache[9] is a3
    grads = call_without_mutation(backward_propagation, X, Y, cache)
    assert set(grads) == {"dz3", "dW3", "db3", "da2", "dz2", "dW2", "db2", "da1", "dz1", "dW1", "db1"}
    AL, caches = engine.model_forward(X, parameters)
    reference = engine.model_backward(AL, Y, caches)
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3"):
        np.testing.assert_allclose(grads[key], reference[key], rtol=1e-12, atol=1e-17, err_msg=key)


def test_compute_loss_is_infinite_only_for_an_output_saturated_at_the_wrong_label():
    Y = np.array([[1, 0, 1]])
    assert compute_loss(np.array([[0.9, 0.2, 0.6]]), Y) == pytest.approx(
        -(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3, rel=1e-15
    )
    assert compute_loss(np.array([[1.0, 0.0, 0.6]]), Y) == pytest.approx(-math.log(0.6) / 3, rel=1e-15)
    assert compute_loss(np.array([[0.9, 1.0, 0.6]]), Y) == math.inf


def test_update_parameters_and_predict():
    X, Y, _, _ = load_dataset()
    parameters = initialize_parameters_he([2, 10, 5, 1])
    grads = backward_propagation(X, Y, forward_propagation(X, parameters)[1])
    updated = call_without_mutation(update_parameters, parameters, grads, 0.01)
    np.testing.assert_array_equal(updated["W1"], parameters["W1"] - 0.01 * grads["dW1"])
    p, printed = _run(predict, X, Y, parameters)
    assert p.shape == (1, 300) and p.dtype.kind == "i"
    assert printed == f"Accuracy: {np.mean(p == Y)}\n"
    assert np.array_equal(predict_dec(parameters, X), p == 1)


# --------------------------------------------------------------------------------------------
# The three published runs (slow: one each per module) and the lessons they teach

PUBLISHED = {
    "zeros": ([0.6931471805599453] * 15, "0.5", "0.5"),
    "random": ([math.inf, 0.6247924745506072, 0.5980258056061102, 0.5637539062842213, 0.5501256393526495,
                0.5443826306793814, 0.5373895855049121, 0.47157999220550006, 0.39770475516243037,
                0.3934560146692851, 0.3920227137490125, 0.38913700035966736, 0.3861358766546214,
                0.38497629552893475, 0.38276694641706693], "0.83", "0.86"),
    "he": ([0.8830537463419761, 0.6879825919728063, 0.6751286264523371, 0.6526117768893807,
            0.6082958970572938, 0.5304944491717495, 0.4138645817071794, 0.3117803464844441,
            0.23696215330322562, 0.1859728720920684, 0.15015556280371808, 0.12325079292273551,
            0.09917746546525937, 0.08457055954024283, 0.07357895962677366], "0.9933333333333333", "0.96"),
}


@pytest.fixture(scope="module")
def runs():
    """One published run per initialization, shared by the tests below (computed on first use)."""
    cache = {}

    def get(initialization):
        if initialization not in cache:
            train_X, train_Y, test_X, test_Y = load_dataset()
            parameters, printed = _run(model, train_X, train_Y, initialization=initialization)
            cache[initialization] = {
                "parameters": parameters, "printed": printed,
                "train": _run(predict, train_X, train_Y, parameters),
                "test": _run(predict, test_X, test_Y, parameters),
            }
        return cache[initialization]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("initialization", ["zeros", "random", "he"])
def test_published_run(runs, initialization):
    run = runs(initialization)
    costs, train_accuracy, test_accuracy = PUBLISHED[initialization]
    lines = run["printed"].splitlines()
    assert len(lines) == 15 and [i for i, _ in cost_lines(run["printed"])] == list(range(0, 15000, 1000))
    np.testing.assert_allclose([c for _, c in cost_lines(run["printed"])], costs, rtol=1e-9, atol=0)
    assert run["train"][1] == f"Accuracy: {train_accuracy}\n"
    assert run["test"][1] == f"Accuracy: {test_accuracy}\n"


@pytest.mark.slow
def test_lesson_zeros_cannot_break_symmetry(runs):
    parameters = runs("zeros")["parameters"]
    for l in (1, 2):  # every unit of a hidden layer stays identical to its neighbours
        W = parameters[f"W{l}"]
        assert np.array_equal(W, np.broadcast_to(W[:1], W.shape)), f"W{l} rows differ"
    assert np.all(runs("zeros")["train"][0] == 0)  # one prediction for every example


@pytest.mark.slow
def test_lesson_large_random_weights_start_infinite_and_learn_slowly(runs):
    random_costs = [c for _, c in cost_lines(runs("random")["printed"])]
    he_costs = [c for _, c in cost_lines(runs("he")["printed"])]
    assert random_costs[0] == math.inf and runs("random")["printed"].startswith("Cost after iteration 0: inf\n")
    assert random_costs[-1] > 5 * he_costs[-1]  # after 15,000 steps still far behind He


@pytest.mark.slow
def test_lesson_he_initialization_works(runs):
    he, random = runs("he"), runs("random")
    assert float(he["test"][1].split()[1]) > float(random["test"][1].split()[1]) >= 0.8
    assert float(he["train"][1].split()[1]) > 0.99
