"""nnlab.course.app against the course's week 4 application (deep neural network for cat
classification): two_layer_model_test and L_layer_model_test with the published numbers and
printouts, the application's helpers, and the two published 2500-iteration runs on the images.

nnlab prints the cost only when ``print_cost`` is True. The course's
``if print_cost and i % 100 == 0 or i == num_iterations - 1`` also prints the last iteration
when print_cost is False (an operator-precedence slip); that departure is deliberate.

Reference: /tmp/nnlab_notes/course_refs.md, section 4.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_harness import (  # noqa: F401  (fixtures are used by name)
    call_without_mutation,
    check_course_output,
    cost_lines,
    datatype_check,
    global_random_state_unchanged,
    global_seed,
    published_run,
    randn,
    run_capturing,
)
from nnlab.course import app
from nnlab.course.app import L_layer_model, initialize_parameters_deep, predict, two_layer_model

# A printed cost is the full repr of the float, not %f.
FULL_COST_LINE = re.compile(r"^Cost after iteration \d+: \d\.\d{12,}(e-\d+)?$")


_run = run_capturing


def _check_printed_costs(printed: str, expected: list[tuple[int, float]], rtol: float = 1e-10) -> None:
    lines = printed.splitlines()
    assert len(lines) == len(expected), printed
    for line in lines:
        assert FULL_COST_LINE.match(line), line
    got = cost_lines(printed)
    assert [i for i, _ in got] == [i for i, _ in expected]
    np.testing.assert_allclose([c for _, c in got], [c for _, c in expected], rtol=rtol, atol=0)


def _check_costs(costs, expected, *, atol=1e-8, rtol=0.0):
    assert type(costs) is list and len(costs) == len(expected)
    for cost in costs:
        assert type(cost) is np.ndarray and cost.shape == ()  # the course's np.squeeze(cost)
    np.testing.assert_allclose(np.array(costs, dtype=float), expected, rtol=rtol, atol=atol)


# --------------------------------------------------------------------------------------------
# two_layer_model_test


def _two_layer_test_inputs():
    draw = randn(1)
    X = draw(10, 10)
    Y = draw(1, 10)  # real-valued "labels", as the course's test has them
    return X, Y, (10, 4, 1)


TWO_LAYER_EXPECTED_1 = {
    "W1": np.array([[0.01624965, -0.00610741, -0.00528734, -0.01072836, 0.008664, -0.02301103, 0.01745639, -0.00760949, 0.0031934, -0.00248971],
                    [0.01462848, -0.02057904, -0.00326745, -0.00383625, 0.01138176, -0.01097596, -0.00171974, -0.00877601, 0.00043022, 0.00584423],
                    [-0.01098272, 0.01148209, 0.00902102, 0.00500958, 0.00900571, -0.00683188, -0.00123491, -0.00937164, -0.00267157, 0.00532808],
                    [-0.00693465, -0.00400047, -0.00684685, -0.00844447, -0.00670397, -0.00014731, -0.01113977, 0.00238846, 0.0165895, 0.00738212]]),
    "b1": np.array([[1.10437111e-05], [1.78437869e-05], [3.74879549e-05], [-4.42988824e-05]]),
    "W2": np.array([[-0.00200283, -0.00888593, -0.00751122, 0.01688162]]),
    "b2": np.array([[-0.00689018]]),
}
TWO_LAYER_EXPECTED_2 = {
    "W1": np.array([[0.01640028, -0.00585699, -0.00542633, -0.01069332, 0.0089055, -0.02290418, 0.01765388, -0.00754616, 0.00326712, -0.00239159],
                    [0.01476737, -0.02014461, -0.0040947, -0.0037457, 0.01221714, -0.01054049, -0.00164111, -0.00872507, 0.00058592, 0.00615077],
                    [-0.01051621, 0.01216499, 0.009119, 0.0047126, 0.00894761, -0.00672568, -0.00134921, -0.0096428, -0.00253223, 0.00580758],
                    [-0.00728552, -0.00461461, -0.00638113, -0.00831084, -0.00654136, -0.00053186, -0.01052771, 0.00320719, 0.01643914, 0.00667123]]),
    "b1": np.array([[0.00027478], [0.00034477], [0.00076016], [-0.00084497]]),
    "W2": np.array([[-0.00358725, -0.00911995, -0.00831979, 0.01615845]]),
    "b2": np.array([[-0.13451354]]),
}


def test_two_layer_model_public_test_case_1():
    X, Y, dims = _two_layer_test_inputs()
    output, printed = _run(two_layer_model, X, Y, dims, 0.0075, 2)
    assert type(output) is tuple and len(output) == 2
    check_course_output((TWO_LAYER_EXPECTED_1, [np.array(0.69315968)]), output)
    assert printed == ""  # print_cost=False prints nothing (the course would print iteration 1)


def test_two_layer_model_public_test_case_2():
    X, Y, dims = _two_layer_test_inputs()
    (parameters, costs), printed = _run(two_layer_model, X, Y, dims, 0.1, 3)
    check_course_output(TWO_LAYER_EXPECTED_2, parameters)
    _check_costs(costs, [0.69315968])
    assert printed == ""


def test_two_layer_model_public_test_printouts():
    X, Y, dims = _two_layer_test_inputs()
    (_, costs), printed = _run(two_layer_model, X, Y, dims, 0.0075, 2, print_cost=True)
    _check_printed_costs(printed, [(0, float(costs[0])), (1, 0.6915746967050506)])
    np.testing.assert_allclose(float(costs[0]), 0.69315968, rtol=0, atol=1e-8)
    (_, costs), printed = _run(two_layer_model, X, Y, dims, 0.1, 3, print_cost=True)
    _check_printed_costs(printed, [(0, float(costs[0])), (2, 0.6524135179683452)])


def test_two_layer_model_records_every_100_iterations_and_prints_the_last():
    X, Y, dims = _two_layer_test_inputs()
    (_, costs), printed = _run(two_layer_model, X, Y, dims, 0.0075, 250, print_cost=True)
    assert len(costs) == 3  # i = 0, 100, 200
    assert [i for i, _ in cost_lines(printed)] == [0, 100, 200, 249]
    np.testing.assert_allclose([c for _, c in cost_lines(printed)[:3]], np.array(costs, dtype=float), rtol=1e-15)


def test_two_layer_model_rejects_bad_layers_dims():
    X, Y, _ = _two_layer_test_inputs()
    with pytest.raises(ValueError, match=r"layers_dims must be \(n_x, n_h, n_y\)"):
        two_layer_model(X, Y, (10, 4, 3, 1), num_iterations=1)


def test_two_layer_model_rejects_X_with_the_wrong_feature_count():
    X, Y, _ = _two_layer_test_inputs()
    with pytest.raises(ValueError, match=r"X must have shape \(n_x, m\) = \(12, m\)"):
        two_layer_model(X, Y, (12, 4, 1), num_iterations=1)


# --------------------------------------------------------------------------------------------
# L_layer_model_test


def _L_layer_test_inputs():
    X = randn(1)(10, 10)
    Y = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 0]).reshape(1, 10)
    return X, Y, (10, 5, 6, 1)


L_LAYER_EXPECTED_1 = {
    "W1": np.array([[0.51384638, -0.19333098, -0.16705238, -0.33923196, 0.273477, -0.72775498, 0.55170785, -0.24077478, 0.10082452, -0.07882423],
                    [0.46227786, -0.65153639, -0.10192959, -0.12150984, 0.35855025, -0.34787253, -0.05455001, -0.27767163, 0.01337835, 0.1843845],
                    [-0.34790478, 0.36200264, 0.28511245, 0.15868454, 0.284931, -0.21645471, -0.03877896, -0.29584578, -0.08480802, 0.16760667],
                    [-0.21835973, -0.12531366, -0.21720823, -0.26764975, -0.21214946, -0.00438229, -0.35316347, 0.07432144, 0.52474685, 0.23453653],
                    [-0.06060968, -0.28061463, -0.23624839, 0.53526844, 0.01597194, -0.20136496, 0.06021639, 0.66414167, 0.03804666, 0.19528599]]),
    "b1": np.array([[-2.16491028e-04], [1.50999130e-04], [8.71516045e-06], [5.57557615e-05], [-2.90746349e-05]]),
    "W2": np.array([[0.13428358, -0.15747685, -0.51095667, -0.15624083, -0.09342034],
                    [0.26226685, 0.3751336, 0.41644174, 0.12779375, 0.39573817],
                    [-0.33726917, 0.56041154, 0.22939257, -0.1333337, 0.21851314],
                    [-0.03377599, 0.50617255, 0.67960046, 0.97726521, -0.62458844],
                    [-0.64581803, -0.22559264, 0.0715349, 0.39173682, 0.14112904],
                    [-0.9043503, -0.13693179, 0.37026002, 0.10284282, 0.34076545]]),
    "b2": np.array([[1.80215514e-07], [-1.07935097e-04], [1.63081605e-04], [-3.51202008e-05], [-7.40012619e-05], [-4.43814901e-05]]),
    "W3": np.array([[-0.09079199, -0.08117381, 0.07667568, 0.16665535, 0.08029575, 0.04805811]]),
    "b3": np.array([[0.0013201]]),
}
L_LAYER_EXPECTED_2 = {
    "W1": np.array([[0.51439065, -0.19296367, -0.16714033, -0.33902173, 0.27291558, -0.72759069, 0.55155832, -0.24095201, 0.10063293, -0.07872596],
                    [0.46203186, -0.65172685, -0.10184775, -0.12169458, 0.35861847, -0.34804029, -0.05461748, -0.27787524, 0.01346693, 0.18463095],
                    [-0.34748255, 0.36202977, 0.28512463, 0.1580327, 0.28509518, -0.21717447, -0.03853304, -0.29563725, -0.08509025, 0.16728901],
                    [-0.21727997, -0.12486465, -0.21692552, -0.26875722, -0.21180188, -0.00550575, -0.35268367, 0.07489501, 0.52436384, 0.23418418],
                    [-0.06045008, -0.28038304, -0.23617868, 0.53546925, 0.01569291, -0.20115358, 0.05975429, 0.66409149, 0.03819309, 0.1956102]]),
    "b1": np.array([[-8.61228305e-04], [6.08187689e-04], [3.53075377e-05], [2.21291877e-04], [-1.13591429e-04]]),
    "W2": np.array([[0.13441428, -0.15731437, -0.51097778, -0.15627102, -0.09342034],
                    [0.2620349, 0.37492336, 0.4165605, 0.12801536, 0.39541677],
                    [-0.33694339, 0.56075022, 0.22940292, -0.1334017, 0.21863717],
                    [-0.03371679, 0.50644769, 0.67935577, 0.97680859, -0.62475679],
                    [-0.64579072, -0.22555897, 0.07142896, 0.3914475, 0.14104814],
                    [-0.90433399, -0.13691167, 0.37019673, 0.10266999, 0.34071712]]),
    "b2": np.array([[1.18811550e-06], [-4.25510194e-04], [6.56178455e-04], [-1.42335482e-04], [-2.93618626e-04], [-1.75573157e-04]]),
    "W3": np.array([[-0.09087434, -0.07882982, 0.07821609, 0.16442826, 0.0783229, 0.04648216]]),
    "b3": np.array([[0.00525865]]),
}


def test_L_layer_model_public_test_case_1():
    X, Y, dims = _L_layer_test_inputs()
    output, printed = _run(L_layer_model, X, Y, dims, 0.0075, 2)
    assert type(output) is tuple and len(output) == 2
    check_course_output((L_LAYER_EXPECTED_1, [np.array(0.70723944)]), output)
    assert printed == ""


def test_L_layer_model_public_test_case_2():
    X, Y, dims = _L_layer_test_inputs()
    (parameters, costs), printed = _run(L_layer_model, X, Y, dims, 0.02, 3)
    check_course_output(L_LAYER_EXPECTED_2, parameters)
    _check_costs(costs, [0.70723944])
    assert printed == ""


def test_L_layer_model_public_test_printouts():
    X, Y, dims = _L_layer_test_inputs()
    (_, costs), printed = _run(L_layer_model, X, Y, dims, 0.0075, 2, print_cost=True)
    _check_printed_costs(printed, [(0, float(costs[0])), (1, 0.7070709008912569)])
    np.testing.assert_allclose(float(costs[0]), 0.70723944, rtol=0, atol=1e-8)
    (_, costs), printed = _run(L_layer_model, X, Y, dims, 0.02, 3, print_cost=True)
    _check_printed_costs(printed, [(0, float(costs[0])), (2, 0.7063462654190897)])


def test_L_layer_model_accepts_a_list_of_layer_dims():
    X, Y, dims = _L_layer_test_inputs()
    parameters, _ = L_layer_model(X, Y, list(dims), 0.0075, 2)
    check_course_output(L_LAYER_EXPECTED_1, parameters)


def test_L_layer_model_rejects_X_with_the_wrong_feature_count():
    X, Y, dims = _L_layer_test_inputs()
    with pytest.raises(ValueError, match=r"X must have shape \(n_x, m\) = \(10, m\).*got \(9, 10\)"):
        L_layer_model(X[:9], Y, dims, num_iterations=1)


def test_L_layer_model_rejects_labels_with_a_different_number_of_examples():
    X, Y, dims = _L_layer_test_inputs()
    with pytest.raises(ValueError, match=r"Y must have .*\(1, 10\).*got \(1, 9\)"):
        L_layer_model(X, Y[:, :9], dims, num_iterations=1)


@pytest.mark.parametrize("which", ["two_layer_model", "L_layer_model"])
def test_models_with_zero_iterations_return_the_initial_parameters_and_no_costs(which):
    # The course's `for i in range(0, num_iterations)` does not run; parameters and costs = [] come back.
    if which == "two_layer_model":
        X, Y, dims = _two_layer_test_inputs()
        expected = app.initialize_parameters(*dims)
    else:
        X, Y, dims = _L_layer_test_inputs()
        expected = initialize_parameters_deep(dims)
    (parameters, costs), printed = _run(getattr(app, which), X, Y, dims, num_iterations=0, print_cost=True)
    assert costs == [] and printed == ""
    check_course_output(expected, parameters, atol=0)


def test_models_ignore_the_global_random_state(global_seed):
    X, Y, dims = _L_layer_test_inputs()
    global_seed(5)
    first = L_layer_model(X, Y, dims, num_iterations=2)[0]
    global_seed(6)
    second = L_layer_model(X, Y, dims, num_iterations=2)[0]
    for key in first:
        assert np.array_equal(first[key], second[key]), key


# --------------------------------------------------------------------------------------------
# The application's helpers


def test_initialize_parameters_deep_is_the_application_version():
    # dnn_app_utils_v3: np.random.seed(1); randn(n[l], n[l-1]) / sqrt(n[l-1]); zero biases
    dims = [12, 5, 3, 1]
    parameters = call_without_mutation(initialize_parameters_deep, dims)
    draw = randn(1)
    expected = {}
    for l in range(1, len(dims)):
        expected[f"W{l}"] = draw(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1])
        expected[f"b{l}"] = np.zeros((dims[l], 1))
    check_course_output(expected, parameters, atol=0, rtol=1e-15)


def test_app_initialize_parameters_is_the_two_layer_seed_1_version():
    parameters = app.initialize_parameters(3, 2, 1)
    np.testing.assert_allclose(parameters["W1"], [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(parameters["W2"], [[0.01744812, -0.00761207]], rtol=0, atol=1e-8)


def test_predict_prints_the_accuracy_and_returns_floats():
    X = randn(2)(3, 8)
    parameters = {"W1": randn(4)(2, 3), "b1": np.zeros((2, 1)), "W2": randn(5)(1, 2), "b2": np.array([[0.1]])}
    y = np.array([[1, 0, 1, 1, 0, 0, 1, 0]])
    p, printed = _run(predict, X, y, parameters)
    assert type(p) is np.ndarray and p.dtype == np.float64 and p.shape == (1, 8)
    assert set(np.unique(p)) <= {0.0, 1.0}
    # the course's p: 1 where the L-layer forward pass gives AL > 0.5
    A1 = np.maximum(0, parameters["W1"] @ X + parameters["b1"])
    AL = 1 / (1 + np.exp(-(parameters["W2"] @ A1 + parameters["b2"])))
    assert np.array_equal(p, (AL > 0.5).astype(float))
    assert printed == "Accuracy: " + str(np.sum((p == y) / 8)) + "\n"


def test_predict_rejects_X_with_the_wrong_feature_count():
    parameters = {"W1": np.ones((2, 3)), "b1": np.zeros((2, 1)), "W2": np.ones((1, 2)), "b2": np.zeros((1, 1))}
    with pytest.raises(ValueError, match=r"X must have shape \(n_x, m\) = \(3, m\)"):
        predict(np.ones((4, 5)), np.zeros((1, 5)), parameters)


def test_load_data_shapes(cat_dir):
    train_x_orig, train_y, test_x_orig, test_y, classes = app.load_data(cat_dir)
    assert train_x_orig.shape == (209, 64, 64, 3) and train_y.shape == (1, 209)
    assert test_x_orig.shape == (50, 64, 64, 3) and test_y.shape == (1, 50)
    assert list(classes) == [b"non-cat", b"cat"]


def test_load_data_reports_a_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="catvnoncat"):
        app.load_data(tmp_path / "nowhere")


# --------------------------------------------------------------------------------------------
# The notebook's check cells on the images (a couple of iterations: fast)


def test_two_layer_model_notebook_check_cell(cat_vectors):
    train_x, train_y, _, _ = cat_vectors
    (_, costs), printed = _run(two_layer_model, train_x, train_y, (12288, 7, 1), num_iterations=2, print_cost=False)
    assert printed == ""  # the course prints "Cost after iteration 1: 0.6926114346158595" here
    _check_costs(costs, [0.693049735659989], atol=0, rtol=1e-10)
    (_, costs), printed = _run(two_layer_model, train_x, train_y, (12288, 7, 1), num_iterations=2, print_cost=True)
    _check_printed_costs(printed, [(0, 0.693049735659989), (1, 0.6926114346158595)])


def test_L_layer_model_notebook_check_cell(cat_vectors):
    train_x, train_y, _, _ = cat_vectors
    (_, costs), printed = _run(L_layer_model, train_x, train_y, [12288, 20, 7, 5, 1], num_iterations=1, print_cost=True)
    _check_costs(costs, [0.7717493284237686], atol=0, rtol=1e-10)
    _check_printed_costs(printed, [(0, 0.7717493284237686)])


# --------------------------------------------------------------------------------------------
# The published 2500-iteration runs on the images (slow: each trained once per session)

TWO_LAYER_PUBLISHED_COSTS = [
    0.693049735659989, 0.6464320953428849, 0.6325140647912678, 0.6015024920354665, 0.5601966311605748,
    0.5158304772764731, 0.47549013139433266, 0.43391631512257495, 0.40079775362038833, 0.3580705011323798,
    0.33942815383664127, 0.30527536361962665, 0.2749137728213017, 0.24681768210614843, 0.1985073503746611,
    0.17448318112556652, 0.17080762978097747, 0.11306524562164694, 0.09629426845937154, 0.08342617959726872,
    0.07439078704319087, 0.06630748132267937, 0.059193295010381765, 0.05336140348560562, 0.04855478562877021,
]
TWO_LAYER_PUBLISHED_LAST = 0.04421498215868951  # iteration 2499 (copies print ...8960 / ...8956)

L_LAYER_PUBLISHED_COSTS = [
    0.7717493284237686, 0.6720534400822914, 0.6482632048575212, 0.6115068816101354, 0.5670473268366111,
    0.54013766345478, 0.5279299569455267, 0.4654773771766851, 0.3691258524959279, 0.39174697434805344,
    0.3151869888600617, 0.2726998441789385, 0.23741853400268137, 0.19960120532208647, 0.18926300388463305,
    0.1611885466582775, 0.14821389662363316, 0.13777487812972944, 0.1297401754919012, 0.12122535068005211,
    0.1138206066863371, 0.10783928526254133, 0.10285466069352679, 0.10089745445261787, 0.09287821526472397,
]
L_LAYER_PUBLISHED_LAST = 0.088439943441702  # iteration 2499 (another copy: 0.08843994344170202)


@pytest.fixture(scope="module")
def two_layer_run(cat_vectors):
    return published_run(two_layer_model, (12288, 7, 1), cat_vectors)


@pytest.fixture
def L_layer_run(cat_L_layer_run):
    """The session's run (conftest.py): the Model quality test uses the same one."""
    return cat_L_layer_run


@pytest.mark.slow
def test_two_layer_cat_run_costs(two_layer_run):
    costs = two_layer_run["costs"]
    _check_costs(costs, TWO_LAYER_PUBLISHED_COSTS, atol=0, rtol=1e-9)
    np.testing.assert_allclose(float(costs[0]), 0.693049735659989, rtol=1e-12, atol=0)


@pytest.mark.slow
def test_two_layer_cat_run_printout(two_layer_run):
    expected = [(100 * k, c) for k, c in enumerate(TWO_LAYER_PUBLISHED_COSTS)] + [(2499, TWO_LAYER_PUBLISHED_LAST)]
    _check_printed_costs(two_layer_run["printed"], expected, rtol=1e-9)


@pytest.mark.slow
def test_two_layer_cat_run_parameters(two_layer_run):
    datatype_check({k: np.zeros(1) for k in ("W1", "b1", "W2", "b2")}, two_layer_run["parameters"])
    assert two_layer_run["parameters"]["W1"].shape == (7, 12288)


@pytest.mark.slow
def test_two_layer_cat_run_accuracies(two_layer_run):
    train_predictions, train_printed = two_layer_run["train"]
    test_predictions, test_printed = two_layer_run["test"]
    assert train_printed == "Accuracy: 0.9999999999999998\n"
    assert test_printed == "Accuracy: 0.72\n"
    assert train_predictions.dtype == np.float64 and train_predictions.shape == (1, 209)
    assert test_predictions.dtype == np.float64 and test_predictions.shape == (1, 50)


@pytest.mark.slow
def test_L_layer_cat_run_costs(L_layer_run):
    costs = L_layer_run["costs"]
    _check_costs(costs, L_LAYER_PUBLISHED_COSTS, atol=0, rtol=1e-9)
    np.testing.assert_allclose(float(costs[0]), 0.7717493284237686, rtol=1e-12, atol=0)


@pytest.mark.slow
def test_L_layer_cat_run_printout(L_layer_run):
    expected = [(100 * k, c) for k, c in enumerate(L_LAYER_PUBLISHED_COSTS)] + [(2499, L_LAYER_PUBLISHED_LAST)]
    _check_printed_costs(L_layer_run["printed"], expected, rtol=1e-9)


@pytest.mark.slow
def test_L_layer_cat_run_parameters(L_layer_run):
    keys = [f"{name}{l}" for l in range(1, 5) for name in "Wb"]
    datatype_check({k: np.zeros(1) for k in keys}, L_layer_run["parameters"])
    assert [L_layer_run["parameters"][f"W{l}"].shape for l in range(1, 5)] == [(20, 12288), (7, 20), (5, 7), (1, 5)]


@pytest.mark.slow
def test_L_layer_cat_run_accuracies(L_layer_run):
    train_predictions, train_printed = L_layer_run["train"]
    test_predictions, test_printed = L_layer_run["test"]
    assert train_printed == "Accuracy: 0.9856459330143539\n"
    assert test_printed == "Accuracy: 0.8\n"
    assert train_predictions.dtype == np.float64 and test_predictions.dtype == np.float64
