"""nnlab.course.regularization against the course's Regularization assignment (course 2, week 1,
current edition): the four graded functions' test cases with their published outputs, the
football data file, and the three published 30,000-iteration runs with their lesson.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from course_harness import (  # noqa: F401  (fixtures are used by name)
    run_capturing,
    call_without_mutation,
    check_course_output,
    cost_lines,
    global_random_state_unchanged,
    randn,
)
from nnlab import engine
from nnlab.errors import DataError
from nnlab.course.regularization import (
    backward_propagation,
    backward_propagation_with_dropout,
    backward_propagation_with_regularization,
    compute_cost,
    compute_cost_with_regularization,
    forward_propagation,
    forward_propagation_with_dropout,
    initialize_parameters,
    load_2D_dataset,
    model,
    predict,
)

DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "course2"


def football():
    """``(train_X, train_Y, test_X, test_Y)``; skips when the file or SciPy is absent."""
    pytest.importorskip("scipy.io", reason="load_2D_dataset reads MATLAB files with SciPy (extra 'course2')")
    if not (DATA_DIR / "data.mat").is_file():
        pytest.skip(f"the course's football points are not available: {DATA_DIR} lacks data.mat")
    return load_2D_dataset(DATA_DIR)


_run = run_capturing  # (result, printed text); arguments checked for mutation


def _seed1_case():
    """testCases' inputs: X (3, 5) then W1 .. b3 from seed 1, and Y = [[1, 1, 0, 1, 0]]."""
    draw = randn(1)
    X = draw(3, 5)
    shapes = [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    return X, np.array([[1, 1, 0, 1, 0]]), {key: draw(*shape) for key, shape in shapes}


# --------------------------------------------------------------------------------------------
# The data file


def test_load_2D_dataset_reads_the_football_points():
    train_X, train_Y, test_X, test_Y = football()
    assert train_X.shape == (2, 211) and train_Y.shape == (1, 211)
    assert test_X.shape == (2, 200) and test_Y.shape == (1, 200)
    assert train_Y.dtype == np.uint8 and set(np.unique(train_Y)) == {0, 1}


def test_load_2D_dataset_names_the_missing_file(tmp_path):
    pytest.importorskip("scipy.io")
    with pytest.raises(FileNotFoundError, match="no data.mat"):
        load_2D_dataset(tmp_path)


def test_load_2D_dataset_without_scipy_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "scipy", None)  # import scipy.io now fails as if absent
    monkeypatch.setitem(sys.modules, "scipy.io", None)
    with pytest.raises(ImportError, match=r"pip install 'nnlab\[course2\]'"):
        load_2D_dataset(tmp_path)


def test_load_2D_dataset_names_the_missing_arrays(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    scipy_io.savemat(tmp_path / "data.mat", {"X": np.zeros((3, 2)), "y": np.zeros((3, 1))})
    with pytest.raises(DataError, match=r"missing \['Xval', 'yval'\]"):
        load_2D_dataset(tmp_path)


def test_initialize_parameters_is_scaled_by_the_fan_in():
    parameters = initialize_parameters([2, 20, 3, 1])
    expected_W1 = np.random.RandomState(3).randn(20, 2) / np.sqrt(2)
    np.testing.assert_array_equal(parameters["W1"], expected_W1)
    assert all(not parameters[f"b{l}"].any() for l in (1, 2, 3))


# --------------------------------------------------------------------------------------------
# L2 regularization: the graded functions' test cases and published outputs


def test_compute_cost_with_regularization_test_case():
    draw = randn(1)  # the course's case: W1 .. b3 from seed 1 (no X drawn first)
    shapes = [("W1", (2, 3)), ("b1", (2, 1)), ("W2", (3, 2)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    parameters = {key: draw(*shape) for key, shape in shapes}
    a3 = np.array([[0.40682402, 0.01629284, 0.16722898, 0.10118111, 0.40682402]])
    Y = np.array([[1, 1, 0, 1, 0]])
    cost = call_without_mutation(compute_cost_with_regularization, a3, Y, parameters, 0.1)
    assert isinstance(cost, float)
    np.testing.assert_allclose(cost, 1.7864859451590758, rtol=1e-14)


def test_backward_propagation_with_regularization_test_case():
    X, Y, parameters = _seed1_case()
    _, cache = forward_propagation(X, parameters)  # the course's cache literal, to 8 digits
    grads = call_without_mutation(backward_propagation_with_regularization, X, Y, cache, 0.7)
    expected = {
        "dW1": np.array([[-0.25604646, 0.12298827, -0.28297129], [-0.17706303, 0.34536094, -0.4410571]]),
        "dW2": np.array([[0.79276486, 0.85133918], [-0.0957219, -0.01720463], [-0.13100772, -0.03750433]]),
        "dW3": np.array([[-1.77691347, -0.11832879, -0.09397446]]),
    }
    check_course_output(expected, {key: grads[key] for key in expected})
    assert set(grads) == {"dZ3", "dW3", "db3", "dA2", "dZ2", "dW2", "db2", "dA1", "dZ1", "dW1", "db1"}


def test_l2_gradient_is_the_gradient_of_the_l2_cost(numerical_gradient):
    X, Y, parameters = _seed1_case()
    parameters = {key: value.copy() for key, value in parameters.items()}

    def J():
        return compute_cost_with_regularization(forward_propagation(X, parameters)[0], Y, parameters, 0.7)

    grads = backward_propagation_with_regularization(X, Y, forward_propagation(X, parameters)[1], 0.7)
    for key in ("W1", "b1", "W2", "b2", "W3", "b3"):
        np.testing.assert_allclose(grads[f"d{key}"], numerical_gradient(J, parameters[key]), rtol=1e-6, atol=1e-8)


def test_without_lambda_it_is_the_plain_backward_pass():
    X, Y, parameters = _seed1_case()
    cache = forward_propagation(X, parameters)[1]
    plain, regularized = backward_propagation(X, Y, cache), backward_propagation_with_regularization(X, Y, cache, 0)
    assert all(np.array_equal(plain[key], regularized[key]) for key in plain)


# --------------------------------------------------------------------------------------------
# Dropout


def test_forward_propagation_with_dropout_test_case():
    X, _, parameters = _seed1_case()
    A3, cache = call_without_mutation(forward_propagation_with_dropout, X, parameters, keep_prob=0.7)
    np.testing.assert_allclose(A3, [[0.36974721, 0.00305176, 0.04565099, 0.49683389, 0.36974721]], atol=1e-8)
    assert len(cache) == 14
    D1, A1, Z1 = cache[1], cache[2], cache[0]
    assert D1.dtype.kind == "i" and set(np.unique(D1)) <= {0, 1}
    np.testing.assert_array_equal(A1, np.maximum(0, Z1) * D1 / 0.7)  # inverted dropout
    rand = np.random.RandomState(1).rand  # the course's np.random.seed(1) inside the function
    np.testing.assert_array_equal(D1, (rand(2, 5) < 0.7).astype(int))


def test_dropout_masks_are_the_same_at_every_call():
    X, _, parameters = _seed1_case()
    first, second = forward_propagation_with_dropout(X, parameters, 0.5), forward_propagation_with_dropout(X, parameters, 0.5)
    assert np.array_equal(first[1][1], second[1][1]) and np.array_equal(first[1][6], second[1][6])


def test_dropout_gradient_is_the_gradient_of_the_thinned_network(numerical_gradient):
    X, Y, parameters = _seed1_case()
    parameters = {key: value.copy() for key, value in parameters.items()}
    keep_prob = 0.7

    def J():  # the masks are the same at every call, so J is a function of the parameters
        return compute_cost(forward_propagation_with_dropout(X, parameters, keep_prob)[0], Y)

    cache = forward_propagation_with_dropout(X, parameters, keep_prob)[1]
    grads = call_without_mutation(backward_propagation_with_dropout, X, Y, cache, keep_prob)
    for key in ("W1", "b1", "W2", "b2", "W3", "b3"):
        np.testing.assert_allclose(grads[f"d{key}"], numerical_gradient(J, parameters[key]), rtol=1e-6, atol=1e-8)
    D2 = cache[6]
    assert np.all(grads["dA2"][D2 == 0] == 0)  # dropped units pass no gradient back


def test_l2_and_dropout_together_are_refused():
    X, Y, _ = _seed1_case()
    with pytest.raises(ValueError, match="not both"):
        model(X, Y, lambd=0.7, keep_prob=0.86, num_iterations=1)


# --------------------------------------------------------------------------------------------
# The three published runs and the lesson (slow: one run per configuration per module)

PUBLISHED = {  # (lambd, keep_prob): printed costs, train accuracy, test accuracy
    (0, 1): ([0.6557412523481002, 0.16329987525724204, 0.13851642423234922], "0.9478672985781991", "0.915"),
    (0.7, 1): ([0.6974484493131264, 0.2684918873282238, 0.26809163371273004], "0.9383886255924171", "0.93"),
    (0, 0.86): ([0.6543912405149825, 0.0610169865749056, 0.060582435798513114], "0.9289099526066351", "0.95"),
}


@pytest.fixture(scope="module")
def runs():
    cache = {}

    def get(lambd, keep_prob):
        if (lambd, keep_prob) not in cache:
            train_X, train_Y, test_X, test_Y = football()
            parameters, printed = _run(model, train_X, train_Y, lambd=lambd, keep_prob=keep_prob)
            cache[lambd, keep_prob] = {
                "printed": printed,
                "train": _run(predict, train_X, train_Y, parameters)[1],
                "test": _run(predict, test_X, test_Y, parameters)[1],
            }
        return cache[lambd, keep_prob]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("lambd, keep_prob", list(PUBLISHED))
def test_published_run(runs, lambd, keep_prob):
    run = runs(lambd, keep_prob)
    costs, train_accuracy, test_accuracy = PUBLISHED[lambd, keep_prob]
    got = cost_lines(run["printed"])
    assert len(run["printed"].splitlines()) == 3 and [i for i, _ in got] == [0, 10000, 20000]
    np.testing.assert_allclose([c for _, c in got], costs, rtol=1e-9, atol=0)
    assert (run["train"], run["test"]) == (f"Accuracy: {train_accuracy}\n", f"Accuracy: {test_accuracy}\n")


def _accuracies(run):
    return float(run["train"].split()[1]), float(run["test"].split()[1])


@pytest.mark.slow
@pytest.mark.parametrize("lambd, keep_prob", [(0.7, 1), (0, 0.86)])
def test_lesson_regularization_shrinks_the_train_test_gap(runs, lambd, keep_prob):
    plain_train, plain_test = _accuracies(runs(0, 1))
    train, test = _accuracies(runs(lambd, keep_prob))
    assert train - test < plain_train - plain_test  # less overfitting
    assert test > plain_test


def test_model_dropout_loop_takes_the_graded_functions_steps():
    """The model's dropout loop (engine calls) = forward/backward_propagation_with_dropout + update,
    iteration after iteration (each drawing the course's masks again from its seed)."""
    X, Y, _ = _seed1_case()
    expected = initialize_parameters([3, 20, 3, 1])
    for _ in range(3):
        a3, cache = forward_propagation_with_dropout(X, expected, 0.86)
        grads = backward_propagation_with_dropout(X, Y, cache, 0.86)
        expected = engine.update_parameters(expected, grads, 0.3)
    got, _ = _run(model, X, Y, num_iterations=3, keep_prob=0.86, print_cost=False)
    assert all(np.array_equal(expected[key], got[key]) for key in expected)


def test_model_dropout_loop_checks_once_and_reports_a_divergence():
    X, Y, _ = _seed1_case()
    with pytest.raises(ValueError, match=r"Y must hold labels in \[0.0, 1.0\]"):
        model(X, Y * 3, keep_prob=0.86, num_iterations=0)
    with pytest.raises(ValueError, match="learning_rate must be a finite number"):
        model(X, Y, learning_rate=-1, keep_prob=0.86, num_iterations=0)
    with pytest.raises(ValueError, match=r"training diverged: the update of iteration \d+"):
        model(X, Y, learning_rate=1e300, keep_prob=0.86, num_iterations=5, print_cost=False)


@pytest.mark.parametrize("lambd", [0, 0.7])
def test_model_engine_loop_takes_the_graded_functions_steps(lambd):
    """Without dropout the model runs the engine's loop: the same steps as the graded functions."""
    X, Y, _ = _seed1_case()
    parameters = initialize_parameters([3, 20, 3, 1])
    for _ in range(3):
        cache = forward_propagation(X, parameters)[1]
        grads = backward_propagation_with_regularization(X, Y, cache, lambd)
        parameters = engine.update_parameters(parameters, grads, 0.3)
    got, _ = _run(model, X, Y, num_iterations=3, lambd=lambd, print_cost=False)
    for key in parameters:
        np.testing.assert_allclose(got[key], parameters[key], rtol=1e-14, atol=1e-16, err_msg=key)
