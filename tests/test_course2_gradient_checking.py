"""nnlab.course.gradient_checking against the course's Gradient Checking assignment (course 2,
week 1, current edition): the 1-D check, the N-dimensional check on the course's test case, the
gc_utils vector helpers, and the lesson: gradient checking catches a wrong backward pass.
"""

from __future__ import annotations


import numpy as np
import pytest

from course_harness import call_without_mutation, global_random_state_unchanged, randn, run_capturing  # noqa: F401
from nnlab import engine
from nnlab.course.gradient_checking import (
    backward_propagation,
    backward_propagation_n,
    dictionary_to_vector,
    forward_propagation,
    forward_propagation_n,
    gradient_check,
    gradient_check_n,
    gradients_to_vector,
    vector_to_dictionary,
)

GREEN, YELLOW, RESET = "\033[92m", "\033[93m", "\033[0m"


_printed = run_capturing  # (result, printed text); arguments checked for mutation


def _test_case():
    """testCases.gradient_check_n_test_case: seed 1, x (4, 3), y = [1, 1, 0] (1-D), a 4-5-3-1 net."""
    draw = randn(1)
    x = draw(4, 3)
    shapes = [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)), ("W3", (1, 3)), ("b3", (1, 1))]
    return x, np.array([1, 1, 0]), {key: draw(*shape) for key, shape in shapes}


# --------------------------------------------------------------------------------------------
# One dimension


def test_one_dimensional_forward_and_backward():
    assert forward_propagation(2, 4) == 8
    assert backward_propagation(3, 4) == 3


def test_gradient_check_notebook_cell():
    difference, printed = _printed(gradient_check, 3, 4, print_msg=True)
    np.testing.assert_allclose(difference, 7.814075313343006e-11, rtol=1e-12)
    assert printed == f"{GREEN}Your backward propagation works perfectly fine! difference = {difference}{RESET}\n"
    assert _printed(gradient_check, 3, 4)[1] == ""  # print_msg defaults to False


# --------------------------------------------------------------------------------------------
# The gc_utils helpers


def test_dictionary_and_vector_round_trip_in_the_courses_order():
    _, _, parameters = _test_case()
    theta, keys = call_without_mutation(dictionary_to_vector, parameters)
    assert theta.shape == (47, 1) and len(keys) == 47
    assert keys[:20] == ["W1"] * 20 and keys[20:25] == ["b1"] * 5 and keys[-1] == "b3"
    np.testing.assert_array_equal(theta[:20, 0], parameters["W1"].ravel())  # row-major within W1
    back = vector_to_dictionary(theta)
    assert list(back) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(np.array_equal(back[key], parameters[key]) for key in parameters)


def test_vector_to_dictionary_takes_shapes_from_a_template_and_checks_the_size():
    like = {"W1": np.zeros((2, 3)), "b1": np.zeros((2, 1)), "W2": np.zeros((1, 2)), "b2": np.zeros((1, 1))}
    theta = np.arange(11.0).reshape(-1, 1)
    back = vector_to_dictionary(theta, like)
    np.testing.assert_array_equal(back["W1"], [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(back["b2"], [[10]])
    with pytest.raises(ValueError, match="theta must hold 47 values"):
        vector_to_dictionary(theta)


def test_gradients_to_vector_follows_the_parameter_order():
    _, _, parameters = _test_case()
    gradients = {f"d{key}": value for key, value in parameters.items()}
    gradients["dA1"] = np.ones((5, 3))  # other keys are ignored
    np.testing.assert_array_equal(gradients_to_vector(gradients), dictionary_to_vector(parameters)[0])
    with pytest.raises(ValueError, match="missing"):
        gradients_to_vector({"dW1": parameters["W1"]})


# --------------------------------------------------------------------------------------------
# N dimensions


def test_forward_propagation_n_cost_and_cache():
    X, Y, parameters = _test_case()
    cost, cache = call_without_mutation(forward_propagation_n, X, Y, parameters)
    AL, _ = engine.model_forward(X, parameters)
    assert isinstance(cost, float) and cost == pytest.approx(engine.compute_cost(AL, Y.reshape(1, -1)), rel=1e-15)
    assert len(cache) == 12 and np.array_equal(cache[9], AL)


def test_backward_propagation_n_is_correct_by_default():
    X, Y, parameters = _test_case()
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = call_without_mutation(backward_propagation_n, X, Y, cache)
    AL, caches = engine.model_forward(X, parameters)
    reference = engine.model_backward(AL, Y.reshape(1, -1), caches)
    for key in ("dW1", "db1", "dW2", "db2", "dW3", "db3", "dA1", "dA2"):
        np.testing.assert_allclose(gradients[key], reference[key], rtol=1e-13, atol=1e-16, err_msg=key)
    assert {"dZ1", "dZ2", "dZ3"} <= set(gradients)


def test_gradient_check_n_passes_the_correct_backward_pass():
    X, Y, parameters = _test_case()
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache)
    difference, printed = _printed(gradient_check_n, parameters, gradients, X, Y, 1e-7, True)
    assert difference < 2e-7  # the course's threshold (about 1.2e-07: the noise of the differences)
    assert printed == f"{GREEN}Your backward propagation works perfectly fine! difference = {difference}{RESET}\n"


def test_gradient_check_n_finds_the_courses_planted_mistakes():
    X, Y, parameters = _test_case()
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache, planted_mistakes=True)
    difference, printed = _printed(gradient_check_n, parameters, gradients, X, Y, 1e-7, True)
    np.testing.assert_allclose(difference, 0.2850931567761623, rtol=1e-9)  # the published difference
    assert printed == f"{YELLOW}There is a mistake in the backward propagation! difference = {difference}{RESET}\n"


@pytest.mark.parametrize("key, factor", [("dW2", 2), ("db1", 4), ("dW3", -1), ("db3", 1.001)])
def test_lesson_gradient_checking_catches_each_wrong_gradient(key, factor):
    X, Y, parameters = _test_case()
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache)
    assert gradient_check_n(parameters, gradients, X, Y) < 2e-7
    wrong = dict(gradients, **{key: gradients[key] * factor})
    assert gradient_check_n(parameters, wrong, X, Y) > 2e-7, f"{key} x {factor} went unnoticed"


def test_planted_mistakes_need_the_courses_three_layers():
    draw = randn(0)
    X, parameters = draw(2, 4), {"W1": draw(3, 2), "b1": draw(3, 1), "W2": draw(1, 3), "b2": draw(1, 1)}
    _, cache = forward_propagation_n(X, np.array([[1, 0, 1, 0]]), parameters)
    with pytest.raises(ValueError, match="3-layer"):
        backward_propagation_n(X, np.array([[1, 0, 1, 0]]), cache, planted_mistakes=True)
    gradients = backward_propagation_n(X, np.array([[1, 0, 1, 0]]), cache)  # any depth when correct
    assert gradient_check_n(parameters, gradients, X, np.array([[1, 0, 1, 0]])) < 2e-7
