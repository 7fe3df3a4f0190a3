"""nnlab.course.logistic against the course's week 2 assignment (logistic regression as a
neural network): every public test and notebook cell, with the published numbers, plus the
published 2000-iteration run on the cat images.

Reference: /tmp/nnlab_notes/course_refs.md, section 1.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from course_harness import (  # noqa: F401  (fixtures are used by name)
    assert_same,
    call_without_mutation,
    datatype_check,
    global_random_state_unchanged,
    global_seed,
    randn,
    snapshot,
)
from nnlab.course.logistic import initialize_with_zeros, model, optimize, predict, propagate, sigmoid

# --------------------------------------------------------------------------------------------
# Inputs of the course's tests and notebook cells

# The notebook's propagate cell (reused by its optimize cell).
NB_W, NB_B = np.array([[1.0], [2]]), 1.5
NB_X = np.array([[1.0, -2.0, -1.0], [3.0, 0.5, -3.2]])
NB_Y = np.array([[1, 1, 0]])

# The first 2021 release's propagate test, optimize_test and the early notebook's optimize cell.
OLD_W, OLD_B = np.array([[1.0], [2.0]]), 2.0
OLD_X = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, -3.2]])
OLD_Y = np.array([[1, 0, 1]])


# --------------------------------------------------------------------------------------------
# sigmoid


def test_sigmoid_public_test():
    output = sigmoid(np.array([0, 2]))
    assert type(output) is np.ndarray
    assert np.allclose(output, [0.5, 0.88079708], rtol=0, atol=1e-8)
    assert np.allclose(sigmoid(1), 0.7310585, rtol=0, atol=1e-7)  # the test's 7-digit literal


def test_sigmoid_notebook_cells():
    assert np.allclose(sigmoid(np.array([0, 2])), [0.5, 0.88079708], rtol=0, atol=1e-8)
    assert np.allclose(sigmoid(np.array([0.5, 0, 2.0])), [0.62245933, 0.5, 0.88079708], rtol=0, atol=1e-8)


def test_sigmoid_does_not_mutate():
    z = np.array([[-1.0, 0.0, 3.0]])
    call_without_mutation(sigmoid, z)


# --------------------------------------------------------------------------------------------
# initialize_with_zeros


@pytest.mark.parametrize("dim", [2, 3, 4])  # notebook cell, initialize_with_zeros_test_1 and _2
def test_initialize_with_zeros(dim):
    w, b = initialize_with_zeros(dim)
    assert type(b) is float  # a Python float, not np.float64
    assert b == 0.0
    assert type(w) is np.ndarray
    assert w.shape == (dim, 1)
    assert w.dtype == np.float64
    assert np.all(w == 0)


def test_initialize_with_zeros_returns_independent_arrays():
    w1, _ = initialize_with_zeros(3)
    w1[0, 0] = 5.0
    w2, _ = initialize_with_zeros(3)
    assert np.all(w2 == 0)


@pytest.mark.parametrize("dim, error", [(0, ValueError), (-2, ValueError), (2.5, TypeError), (True, TypeError)])
def test_initialize_with_zeros_rejects_bad_dim(dim, error):
    with pytest.raises(error, match="dim"):
        initialize_with_zeros(dim)


# --------------------------------------------------------------------------------------------
# propagate


def _check_propagate(grads, cost, w, expected_dw, expected_db, expected_cost):
    # The course's asserts ...
    assert type(grads["dw"]) is np.ndarray
    assert grads["dw"].shape == w.shape
    assert type(grads["db"]) is np.float64  # the notebook cell's assert
    # ... and its harness's types: grads exactly {dw, db}, cost a 0-d ndarray (np.squeeze(np.array(cost)))
    datatype_check({"dw": np.zeros(1), "db": np.float64(0)}, grads, "grads")
    assert type(cost) is np.ndarray and cost.shape == ()
    np.testing.assert_allclose(grads["dw"], expected_dw, rtol=0, atol=1e-8)
    np.testing.assert_allclose(grads["db"], expected_db, rtol=1e-10, atol=1e-8)
    np.testing.assert_allclose(cost, expected_cost, rtol=1e-10, atol=1e-8)


def test_propagate_notebook_cell():
    grads, cost = call_without_mutation(propagate, NB_W, NB_B, NB_X, NB_Y)
    _check_propagate(
        grads, cost, NB_W,
        expected_dw=[[0.25071532], [-0.06604096]],
        expected_db=-0.1250040450043965,
        expected_cost=0.15900537707692405,
    )
    np.testing.assert_allclose(grads["db"], -0.1250040450043965, rtol=1e-10, atol=0)
    np.testing.assert_allclose(cost, 0.15900537707692405, rtol=1e-10, atol=0)


def test_propagate_public_test():
    w, b = np.array([[1.0], [2.0], [-1]]), 2.5
    X = np.array([[1.0, 2.0, -1.0, 0], [3.0, 4.0, -3.2, 1], [3.0, 4.0, -3.2, -3.5]])
    Y = np.array([[1, 1, 0, 0]])
    grads, cost = call_without_mutation(propagate, w, b, X, Y)
    _check_propagate(
        grads, cost, w,
        expected_dw=[[-0.03909333], [0.12501464], [-0.99960809]],
        expected_db=np.float64(0.288106326429569),
        expected_cost=np.array(2.0424567983978403),
    )
    np.testing.assert_allclose(grads["db"], 0.288106326429569, rtol=1e-10, atol=0)
    np.testing.assert_allclose(cost, 2.0424567983978403, rtol=1e-10, atol=0)


def test_propagate_first_2021_public_test():
    grads, cost = call_without_mutation(propagate, OLD_W, OLD_B, OLD_X, OLD_Y)
    _check_propagate(
        grads, cost, OLD_W,
        expected_dw=[[0.99845601], [2.39507239]],
        expected_db=np.float64(0.00145557),
        expected_cost=np.array(5.80154531),
    )
    # the recomputed full-precision values
    np.testing.assert_allclose(grads["db"], 0.001455578136784208, rtol=1e-10, atol=0)
    np.testing.assert_allclose(cost, 5.801545319394553, rtol=1e-10, atol=0)


def test_propagate_accepts_integer_and_boolean_labels_and_numpy_b():
    grads_int, cost_int = propagate(NB_W, NB_B, NB_X, NB_Y)
    grads_bool, cost_bool = propagate(NB_W, np.float64(NB_B), NB_X, NB_Y.astype(bool))
    assert np.array_equal(grads_int["dw"], grads_bool["dw"]) and grads_int["db"] == grads_bool["db"]
    assert cost_int == cost_bool


def test_propagate_accepts_a_1d_label_vector_like_the_course():
    # The course's `A - Y` and `Y * np.log(A)` broadcast a Y of shape (m,) against A (1, m).
    w, b = np.array([[1.0], [2.0], [-1]]), 2.5
    X = np.array([[1.0, 2.0, -1.0, 0], [3.0, 4.0, -3.2, 1], [3.0, 4.0, -3.2, -3.5]])
    grads, cost = call_without_mutation(propagate, w, b, X, np.array([1, 1, 0, 0]))
    _check_propagate(
        grads, cost, w,
        expected_dw=[[-0.03909333], [0.12501464], [-0.99960809]],
        expected_db=np.float64(0.288106326429569),
        expected_cost=np.array(2.0424567983978403),
    )


def test_propagate_accepts_real_valued_labels_like_the_course():
    # The course's arithmetic runs for any finite Y; its formulas, written out here:
    Y = np.array([[0.25, 1.5, -0.5]])
    A = 1 / (1 + np.exp(-(NB_W.T @ NB_X + NB_B)))
    grads, cost = propagate(NB_W, NB_B, NB_X, Y)
    np.testing.assert_allclose(cost, -np.mean(Y * np.log(A) + (1 - Y) * np.log(1 - A)), rtol=1e-12)
    np.testing.assert_allclose(grads["dw"], NB_X @ (A - Y).T / 3, rtol=1e-12)
    np.testing.assert_allclose(grads["db"], np.mean(A - Y), rtol=1e-12)


def test_propagate_rejects_w_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"w must have shape \(n_x, 1\) = \(2, 1\)"):
        propagate(np.array([[1.0], [2.0], [3.0]]), 1.5, NB_X, NB_Y)


def test_propagate_rejects_non_scalar_b():
    with pytest.raises(ValueError, match="b must be a scalar"):
        propagate(NB_W, np.array([1.0, 2.0]), NB_X, NB_Y)


def test_propagate_rejects_labels_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"Y must have .*\(1, 3\)"):
        propagate(NB_W, NB_B, NB_X, np.array([[1, 1, 0, 1]]))


def test_propagate_rejects_non_finite_w():
    with pytest.raises(ValueError, match="w must contain only finite values"):
        propagate(np.array([[np.nan], [2.0]]), NB_B, NB_X, NB_Y)


# --------------------------------------------------------------------------------------------
# optimize


def _check_optimize_types(params, grads, costs, n_costs):
    datatype_check({"w": np.zeros(1), "b": np.float64(0)}, params, "params")
    datatype_check({"dw": np.zeros(1), "db": np.float64(0)}, grads, "grads")
    assert type(costs) is list and len(costs) == n_costs
    for cost in costs:
        assert type(cost) is np.ndarray and cost.shape == ()


def test_optimize_notebook_cell():
    params, grads, costs = call_without_mutation(
        optimize, NB_W, NB_B, NB_X, NB_Y, num_iterations=100, learning_rate=0.009, print_cost=False
    )
    _check_optimize_types(params, grads, costs, 1)
    assert params["w"].shape == (2, 1) and grads["dw"].shape == (2, 1)
    np.testing.assert_allclose(params["w"], [[0.80956046], [2.0508202]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(params["b"], 1.5948713189708588, rtol=1e-10, atol=0)
    np.testing.assert_allclose(grads["dw"], [[0.17860505], [-0.04840656]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(grads["db"], -0.08888460336847771, rtol=1e-10, atol=0)
    np.testing.assert_allclose(costs, [0.15900538], rtol=0, atol=1e-8)
    # the first recorded cost is the cost before any update, i.e. propagate's
    np.testing.assert_allclose(costs[0], 0.15900537707692405, rtol=1e-12, atol=0)


def test_optimize_public_test():
    params, grads, costs = call_without_mutation(
        optimize, OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=101, learning_rate=0.1, print_cost=False
    )
    _check_optimize_types(params, grads, costs, 2)  # recorded at i = 0 and i = 100
    assert params["w"].shape == OLD_W.shape and grads["dw"].shape == OLD_W.shape
    np.testing.assert_allclose(costs, [5.80154532, 0.31057104], rtol=0, atol=1e-8)
    np.testing.assert_allclose(grads["dw"], [[0.06188603], [-0.01407361]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(grads["db"], -0.04709353763261516, rtol=1e-10, atol=0)
    np.testing.assert_allclose(params["w"], [[-0.70916784], [-0.42390859]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(params["b"], 2.2689134634056387, rtol=1e-10, atol=0)


def test_optimize_accepts_a_1d_label_vector_like_the_course():
    expected = optimize(OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=101, learning_rate=0.1)
    params, grads, costs = call_without_mutation(
        optimize, OLD_W, OLD_B, OLD_X, OLD_Y.ravel(), num_iterations=101, learning_rate=0.1
    )
    np.testing.assert_allclose(costs, [5.80154532, 0.31057104], rtol=0, atol=1e-8)
    for got, want in ((params, expected[0]), (grads, expected[1])):
        for key in want:
            assert np.array_equal(got[key], want[key]), key


def test_optimize_early_notebook_cell():
    params, grads, costs = optimize(OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=100, learning_rate=0.009)
    _check_optimize_types(params, grads, costs, 1)
    np.testing.assert_allclose(params["w"], [[0.19033591], [0.12259159]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(params["b"], 1.9253598300845747, rtol=1e-10, atol=0)
    np.testing.assert_allclose(grads["dw"], [[0.67752042], [1.41625495]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(grads["db"], 0.21919450454067657, rtol=1e-10, atol=0)
    np.testing.assert_allclose(costs, [5.80154532], rtol=0, atol=1e-8)


def test_optimize_grads_are_those_before_the_last_update():
    params, grads, _ = optimize(OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=3, learning_rate=0.1)
    params2, _, _ = optimize(OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=2, learning_rate=0.1)
    grads2, _ = propagate(params2["w"], params2["b"], OLD_X, OLD_Y)
    np.testing.assert_allclose(grads["dw"], grads2["dw"], rtol=1e-12, atol=0)
    np.testing.assert_allclose(grads["db"], grads2["db"], rtol=1e-12, atol=0)


def test_optimize_print_cost_prints_every_100_iterations_with_percent_f(capsys):
    optimize(OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=101, learning_rate=0.1, print_cost=True)
    assert capsys.readouterr().out.splitlines() == [
        "Cost after iteration 0: 5.801545",
        "Cost after iteration 100: 0.310571",
    ]


def test_optimize_print_cost_false_prints_nothing(capsys):
    optimize(OLD_W, OLD_B, OLD_X, OLD_Y, num_iterations=101, learning_rate=0.1, print_cost=False)
    assert capsys.readouterr().out == ""


def test_optimize_rejects_w_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"w must have shape \(n_x, 1\) = \(2, 1\)"):
        optimize(np.zeros((3, 1)), 0.0, OLD_X, OLD_Y)


# --------------------------------------------------------------------------------------------
# predict


def test_predict_notebook_cell():
    w = np.array([[0.1124579], [0.23106775]])
    b = -0.3
    X = np.array([[1.0, -1.1, -3.2], [1.2, 2.0, 0.1]])
    predictions = call_without_mutation(predict, w, b, X)
    assert type(predictions) is np.ndarray and predictions.dtype == np.float64
    assert np.array_equal(predictions, [[1.0, 1.0, 0.0]])


def test_predict_public_test():
    w = np.array([[0.3], [0.5], [-0.2]])
    b = -0.33333
    X = np.array([[1.0, -0.3, 1.5], [2, 0, 1], [0, -1.5, 2]])
    pred = call_without_mutation(predict, w, b, X)
    assert type(pred) is np.ndarray
    assert pred.shape == (1, X.shape[1])
    assert pred.dtype == np.float64  # the course's zeros((1, m)) filled with 1 / 0
    assert not np.allclose(pred, [[1.0, 1.0, 1]]), "Perhaps you forget to add b in the calculation of A"
    assert np.array_equal(pred, [[1.0, 0.0, 1]])


def test_predict_threshold_is_strictly_greater_than_one_half():
    # sigmoid(0) = 0.5 exactly: the course predicts 0
    assert np.array_equal(predict(np.zeros((2, 1)), 0.0, np.ones((2, 3))), [[0.0, 0.0, 0.0]])


def test_predict_rejects_w_of_the_wrong_size():
    with pytest.raises(ValueError, match=r"w must have shape \(n_x, 1\) = \(3, 1\)"):
        predict(np.zeros((2, 1)), 0.0, np.ones((3, 4)))


# --------------------------------------------------------------------------------------------
# model

MODEL_KEYS = {"costs", "Y_prediction_test", "Y_prediction_train", "w", "b", "learning_rate", "num_iterations"}


def _model_test_inputs(y_test_2d: bool):
    draw = randn(0)  # np.random.seed(0); np.random.randn(...)
    X = draw(4, 7)
    x_test = draw(4, 3)
    Y = np.array([[1, 0, 0, 1, 0, 0, 1]])
    y_test = np.array([[0, 1, 0]]) if y_test_2d else np.array([0, 1, 0])
    return X, Y, x_test, y_test


@pytest.mark.parametrize("y_test_2d", [False, True], ids=["1-D y_test (2021)", "2-D y_test (newer)"])
def test_model_public_test(y_test_2d):
    X, Y, x_test, y_test = _model_test_inputs(y_test_2d)
    d = call_without_mutation(model, X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01)
    assert set(d) == MODEL_KEYS
    assert type(d["costs"]) is list and len(d["costs"]) == 1
    assert type(d["costs"][0]) is np.ndarray and d["costs"][0].shape == ()
    np.testing.assert_allclose(d["costs"], [0.69314718], rtol=0, atol=1e-8)
    assert type(d["w"]) is np.ndarray and d["w"].shape == (X.shape[0], 1)
    np.testing.assert_allclose(d["w"], [[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(d["b"], -0.03983236094816321, rtol=1e-10, atol=0)
    assert type(d["Y_prediction_test"]) is np.ndarray and d["Y_prediction_test"].shape == (1, x_test.shape[1])
    assert np.array_equal(d["Y_prediction_test"], [[1.0, 1.0, 0.0]])
    assert type(d["Y_prediction_train"]) is np.ndarray and d["Y_prediction_train"].shape == (1, X.shape[1])
    assert np.array_equal(d["Y_prediction_train"], [[1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]])
    assert d["learning_rate"] == 0.01 and d["num_iterations"] == 50


def test_model_accepts_1d_training_labels_like_the_course():
    X, Y, x_test, y_test = _model_test_inputs(False)
    d = call_without_mutation(model, X, Y.ravel(), x_test, y_test, num_iterations=50, learning_rate=0.01)
    np.testing.assert_allclose(d["costs"], [0.69314718], rtol=0, atol=1e-8)
    np.testing.assert_allclose(d["w"], [[0.08639757], [-0.08231268], [-0.11798927], [0.12866053]], rtol=0, atol=1e-8)
    assert np.array_equal(d["Y_prediction_train"], [[1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0]])


def test_model_first_2021_public_test():
    X = randn(0)(4, 3)
    Y = np.array([1, 0, 1]).reshape(1, 3)
    d = model(X, Y, X * 0.5, np.array([1, 0, 1]), num_iterations=50, learning_rate=1e-4)
    np.testing.assert_allclose(d["costs"], [0.69314718], rtol=0, atol=1e-8)
    assert np.array_equal(d["Y_prediction_test"], [[1.0, 1.0, 1.0]])
    assert np.array_equal(d["Y_prediction_train"], [[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(d["w"], [[0.00194946], [-0.0005046], [0.00083111], [0.00143207]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(d["b"], 0.000831188, rtol=0, atol=1e-9)


def test_model_print_cost_with_a_1d_y_test_does_not_crash(capsys):
    X, Y, x_test, y_test = _model_test_inputs(y_test_2d=False)
    d = model(X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01, print_cost=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Cost after iteration 0: 0.693147"
    assert lines[1] == f"train accuracy: {100 * np.mean(d['Y_prediction_train'] == Y)} %"
    # the test set's accuracy is against y_test itself, not a broadcast (3, 3) comparison
    assert lines[2] == f"test accuracy: {100 * np.mean(d['Y_prediction_test'] == y_test.reshape(1, -1))} %"
    assert lines[2] == f"test accuracy: {100 * (2 / 3)} %"
    assert len(lines) == 3


def test_model_print_cost_false_prints_nothing(capsys):
    X, Y, x_test, y_test = _model_test_inputs(y_test_2d=True)
    model(X, Y, x_test, y_test, num_iterations=50, learning_rate=0.01)
    assert capsys.readouterr().out == ""


def test_model_reads_no_global_random_state(global_seed):
    X, Y, x_test, y_test = _model_test_inputs(y_test_2d=True)
    global_seed(123)
    first = model(X, Y, x_test, y_test, num_iterations=20, learning_rate=0.01)
    global_seed(456)
    second = model(X, Y, x_test, y_test, num_iterations=20, learning_rate=0.01)
    assert np.array_equal(first["w"], second["w"]) and first["b"] == second["b"]


def test_model_rejects_test_set_with_a_different_feature_count():
    X, Y, x_test, y_test = _model_test_inputs(y_test_2d=True)
    with pytest.raises(ValueError, match=r"shape"):
        model(X, Y, np.vstack([x_test, x_test[:1]]), y_test, num_iterations=1)


# --------------------------------------------------------------------------------------------
# The published run on the cat images

PUBLISHED_CAT_RUN = """\
Cost after iteration 0: 0.693147
Cost after iteration 100: 0.584508
Cost after iteration 200: 0.466949
Cost after iteration 300: 0.376007
Cost after iteration 400: 0.331463
Cost after iteration 500: 0.303273
Cost after iteration 600: 0.279880
Cost after iteration 700: 0.260042
Cost after iteration 800: 0.242941
Cost after iteration 900: 0.228004
Cost after iteration 1000: 0.214820
Cost after iteration 1100: 0.203078
Cost after iteration 1200: 0.192544
Cost after iteration 1300: 0.183033
Cost after iteration 1400: 0.174399
Cost after iteration 1500: 0.166521
Cost after iteration 1600: 0.159305
Cost after iteration 1700: 0.152667
Cost after iteration 1800: 0.146542
Cost after iteration 1900: 0.140872
train accuracy: 99.04306220095694 %
test accuracy: 70.0 %
"""

# The same run's costs at full precision, from an older copy of the notebook.
PUBLISHED_CAT_COSTS = [
    0.69314718055994529, 0.58450836369930859, 0.46694904094655459, 0.37600686694802077,
    0.33146328932825114, 0.30327306747438287, 0.27987958658260481, 0.26004213692587569,
    0.24294068467796615, 0.22800422256726072, 0.21481951378449646, 0.20307819060644994,
    0.19254427716706857, 0.18303333796883509, 0.17439859438448876, 0.16652139705400335,
    0.15930451829756614, 0.1526673247129651, 0.14654223503982333, 0.14087207570310162,
]


@pytest.fixture(scope="module")
def cat(cat_data, cat_vectors):
    train_x_orig, train_y, test_x_orig, test_y, classes = cat_data
    train_x, _, test_x, _ = cat_vectors
    return {"train_x_orig": train_x_orig, "train_y": train_y, "test_x_orig": test_x_orig, "test_y": test_y,
            "classes": classes, "train_x": train_x, "test_x": test_x}


def test_cat_data_as_the_notebook_describes(cat):
    assert cat["train_x_orig"].shape == (209, 64, 64, 3) and cat["test_x_orig"].shape == (50, 64, 64, 3)
    assert cat["train_y"].shape == (1, 209) and cat["test_y"].shape == (1, 50)
    assert list(cat["classes"]) == [b"non-cat", b"cat"]
    train_flat = cat["train_x_orig"].reshape(209, -1).T
    test_flat = cat["test_x_orig"].reshape(50, -1).T
    assert train_flat.shape == (12288, 209) and test_flat.shape == (12288, 50)
    assert list(train_flat[0:10, 1]) == [196, 192, 190, 193, 186, 182, 188, 179, 174, 213]
    assert list(test_flat[0:10, 1]) == [115, 110, 111, 137, 129, 129, 155, 146, 145, 159]


@pytest.fixture(scope="module")
def cat_run(cat):
    args = (cat["train_x"], cat["train_y"], cat["test_x"], cat["test_y"])
    before = snapshot(args)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        d = model(*args, num_iterations=2000, learning_rate=0.005, print_cost=True)
    assert_same(before, args, "model's arguments")
    return d, out.getvalue()


@pytest.mark.slow
def test_cat_run_prints_the_published_costs_and_accuracies(cat_run):
    _, printed = cat_run
    assert printed == PUBLISHED_CAT_RUN


@pytest.mark.slow
def test_cat_run_records_the_published_costs(cat_run, cat):
    d, _ = cat_run
    assert set(d) == MODEL_KEYS
    assert len(d["costs"]) == 20 and all(type(c) is np.ndarray and c.shape == () for c in d["costs"])
    np.testing.assert_allclose(np.array(d["costs"], dtype=float), PUBLISHED_CAT_COSTS, rtol=1e-10, atol=0)
    assert d["w"].shape == (12288, 1) and type(d["b"]) is np.float64
    assert d["learning_rate"] == 0.005 and d["num_iterations"] == 2000
    assert d["Y_prediction_train"].shape == (1, 209) and d["Y_prediction_test"].shape == (1, 50)
    assert np.sum(d["Y_prediction_train"] == cat["train_y"]) == 207
    assert np.sum(d["Y_prediction_test"] == cat["test_y"]) == 35
