"""nnlab.course.deep against the course's week 4 assignment (building a deep neural network step
by step): the ten graded functions' public tests and notebook cells with the published numbers,
checked with the course harness's type rules, plus the dnn_utils helpers.

Reference: /tmp/nnlab_notes/course_refs.md, section 3.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_harness import (  # noqa: F401  (fixtures are used by name)
    call_without_mutation,
    check_course_output,
    datatype_check,
    global_random_state_unchanged,
    global_seed,
    randn,
)
from nnlab.course.deep import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    initialize_parameters,
    initialize_parameters_deep,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    update_parameters,
)

# --------------------------------------------------------------------------------------------
# Inputs of the course's tests (testCases.py / public_tests.py), drawn from local streams


def _linear_forward_inputs():
    draw = randn(1)
    return draw(3, 2), draw(1, 3), draw(1, 1)  # A_prev, W, b


def _linear_activation_forward_inputs():
    draw = randn(2)
    return draw(3, 2), draw(1, 3), draw(1, 1)


def _L_model_forward_inputs():
    draw = randn(6)
    X = draw(5, 4)
    parameters = {}
    for l, shape in enumerate([(4, 5), (4, 1), (3, 4), (3, 1), (1, 3), (1, 1)]):
        parameters[f"{'Wb'[l % 2]}{l // 2 + 1}"] = draw(*shape)
    return X, parameters


def _linear_backward_inputs():
    draw = randn(1)
    dZ = draw(3, 4)
    A, W, b = draw(5, 4), draw(3, 5), draw(3, 1)
    return dZ, (A, W, b)


def _linear_activation_backward_inputs():
    draw = randn(2)
    dA = draw(1, 2)
    A, W, b = draw(3, 2), draw(1, 3), draw(1, 1)
    Z = draw(1, 2)
    return dA, ((A, W, b), Z)


def _L_model_backward_inputs():
    draw = randn(3)
    AL = draw(1, 2)
    Y = np.array([[1, 0]])
    A1, W1, b1, Z1 = draw(4, 2), draw(3, 4), draw(3, 1), draw(3, 2)
    A2, W2, b2, Z2 = draw(3, 2), draw(1, 3), draw(1, 1), draw(1, 2)
    caches = (((A1, W1, b1), Z1), ((A2, W2, b2), Z2))  # a plain tuple of plain tuples
    return AL, Y, caches


def _update_parameters_inputs():
    draw = randn(2)
    parameters = {"W1": draw(3, 4), "b1": draw(3, 1), "W2": draw(1, 3), "b2": draw(1, 1)}
    draw = randn(3)
    grads = {"dW1": draw(3, 4), "db1": draw(3, 1), "dW2": draw(1, 3), "db2": draw(1, 1)}
    return parameters, grads


def _types(keys):
    return {key: np.zeros(1) for key in keys}


# --------------------------------------------------------------------------------------------
# dnn_utils: sigmoid, relu and their backward steps


def test_sigmoid_returns_A_and_the_cache_Z():
    Z = np.array([[0.0, 2.0, -1.0]])
    A, cache = call_without_mutation(sigmoid, Z)
    assert type(A) is np.ndarray and A.shape == Z.shape
    np.testing.assert_allclose(A, [[0.5, 0.88079708, 0.26894142]], rtol=0, atol=1e-8)
    assert np.array_equal(cache, Z)


def test_relu_returns_A_and_the_cache_Z():
    Z = np.array([[-1.5, 0.0, 2.5]])
    A, cache = call_without_mutation(relu, Z)
    assert type(A) is np.ndarray and A.shape == Z.shape
    assert np.array_equal(A, [[0.0, 0.0, 2.5]])
    assert np.array_equal(cache, Z)


def test_relu_backward_is_zero_where_Z_is_at_most_zero():
    dA = np.array([[1.0, 2.0, 3.0, 4.0]])
    Z = np.array([[-2.0, 0.0, 1e-300, 5.0]])
    dZ = call_without_mutation(relu_backward, dA, Z)
    assert type(dZ) is np.ndarray and dZ.shape == Z.shape
    assert np.array_equal(dZ, [[0.0, 0.0, 3.0, 4.0]])  # Z == 0 gives 0, as in dnn_utils


def test_sigmoid_backward_is_dA_s_one_minus_s():
    dA = np.array([[1.0, -2.0, 0.5]])
    Z = np.array([[0.0, 1.0, -3.0]])
    dZ = call_without_mutation(sigmoid_backward, dA, Z)
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(dZ, dA * s * (1 - s), rtol=1e-15, atol=0)


# --------------------------------------------------------------------------------------------
# initialize_parameters (seed 1 inside) and initialize_parameters_deep (seed 3 inside)


def test_initialize_parameters_public_test():
    expected = {
        "W1": np.array([[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]]),
        "b1": np.array([[0.0], [0.0]]),
        "W2": np.array([[0.01744812, -0.00761207]]),
        "b2": np.array([[0.0]]),
    }
    check_course_output(expected, initialize_parameters(3, 2, 1))


def test_initialize_parameters_newer_test_2():
    expected = {
        "W1": np.array([[0.01624345, -0.00611756, -0.00528172, -0.01072969],
                        [0.00865408, -0.02301539, 0.01744812, -0.00761207],
                        [0.00319039, -0.0024937, 0.01462108, -0.02060141]]),
        "b1": np.zeros((3, 1)),
        "W2": np.array([[-0.00322417, -0.00384054, 0.01133769], [-0.01099891, -0.00172428, -0.00877858]]),
        "b2": np.zeros((2, 1)),
    }
    check_course_output(expected, initialize_parameters(4, 3, 2))


def test_initialize_parameters_deep_public_test():
    layer_dims = [5, 4, 3]
    expected = {
        "W1": np.array([[0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
                        [-0.00354759, -0.00082741, -0.00627001, -0.00043818, -0.00477218],
                        [-0.01313865, 0.00884622, 0.00881318, 0.01709573, 0.00050034],
                        [-0.00404677, -0.0054536, -0.01546477, 0.00982367, -0.01101068]]),
        "b1": np.zeros((4, 1)),
        "W2": np.array([[-0.01185047, -0.0020565, 0.01486148, 0.00236716],
                        [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
                        [-0.00768836, -0.00230031, 0.00745056, 0.01976111]]),
        "b2": np.zeros((3, 1)),
    }
    check_course_output(expected, call_without_mutation(initialize_parameters_deep, layer_dims))


def test_initialize_parameters_deep_newer_test_2():
    expected = {
        "W1": np.array([[0.01788628, 0.0043651, 0.00096497, -0.01863493],
                        [-0.00277388, -0.00354759, -0.00082741, -0.00627001],
                        [-0.00043818, -0.00477218, -0.01313865, 0.00884622]]),
        "b1": np.zeros((3, 1)),
        "W2": np.array([[0.00881318, 0.01709573, 0.00050034], [-0.00404677, -0.0054536, -0.01546477]]),
        "b2": np.zeros((2, 1)),
    }
    check_course_output(expected, initialize_parameters_deep([4, 3, 2]))


def test_initializers_ignore_the_global_random_state(global_seed):
    global_seed(11)
    first = (initialize_parameters(3, 2, 1), initialize_parameters_deep([5, 4, 3]))
    global_seed(12)
    second = (initialize_parameters(3, 2, 1), initialize_parameters_deep([5, 4, 3]))
    for a, b in zip(first, second):
        for key in a:
            assert np.array_equal(a[key], b[key]), key


# --------------------------------------------------------------------------------------------
# linear_forward, linear_activation_forward (caches are tuples)


def test_linear_forward_public_test():
    A_prev, W, b = _linear_forward_inputs()
    output = call_without_mutation(linear_forward, A_prev, W, b)
    expected = (np.array([[3.26295337, -1.23429987]]), (A_prev, W, b))
    check_course_output(expected, output)
    Z, cache = output
    assert isinstance(cache, tuple) and len(cache) == 3
    cache_A, cache_W, cache_b = cache  # unpacks like the course's tuple
    assert np.array_equal(cache_A, A_prev) and np.array_equal(cache_W, W) and np.array_equal(cache_b, b)


def test_linear_forward_rejects_mismatched_shapes():
    A_prev, W, b = _linear_forward_inputs()
    with pytest.raises(ValueError, match=r"A_prev must have shape \(n\[l-1\], m\) = \(3, m\)"):
        linear_forward(A_prev[:2], W, b)
    with pytest.raises(ValueError, match=r"b must have shape \(n\[l\], 1\) = \(1, 1\)"):
        linear_forward(A_prev, W, np.zeros((2, 1)))


@pytest.mark.parametrize(
    "activation, expected_A",
    [("sigmoid", [[0.96890023, 0.11013289]]), ("relu", [[3.43896131, 0.0]])],
)
def test_linear_activation_forward_public_test(activation, expected_A):
    A_prev, W, b = _linear_activation_forward_inputs()
    output = call_without_mutation(linear_activation_forward, A_prev, W, b, activation)
    expected_cache = ((A_prev, W, b), np.array([[3.43896131, -2.08938436]]))
    check_course_output((np.array(expected_A), expected_cache), output)


def test_linear_activation_forward_rejects_an_unknown_activation():
    A_prev, W, b = _linear_activation_forward_inputs()
    with pytest.raises(ValueError, match=r"activation must be one of .*got 'softplus'"):
        linear_activation_forward(A_prev, W, b, "softplus")


# --------------------------------------------------------------------------------------------
# L_model_forward

L_MODEL_FORWARD_EXPECTED_CACHES = [
    ((np.array([[-0.31178367, 0.72900392, 0.21782079, -0.8990918],
                [-2.48678065, 0.91325152, 1.12706373, -1.51409323],
                [1.63929108, -0.4298936, 2.63128056, 0.60182225],
                [-0.33588161, 1.23773784, 0.11112817, 0.12915125],
                [0.07612761, -0.15512816, 0.63422534, 0.810655]]),
      np.array([[0.35480861, 1.81259031, -1.3564758, -0.46363197, 0.82465384],
                [-1.17643148, 1.56448966, 0.71270509, -0.1810066, 0.53419953],
                [-0.58661296, -1.48185327, 0.85724762, 0.94309899, 0.11444143],
                [-0.02195668, -2.12714455, -0.83440747, -0.46550831, 0.23371059]]),
      np.array([[1.38503523], [-0.51962709], [-0.78015214], [0.95560959]])),
     np.array([[-5.23825714, 3.18040136, 0.4074501, -1.88612721],
               [-2.77358234, -0.56177316, 3.18141623, -0.99209432],
               [4.18500916, -1.78006909, -0.14502619, 2.72141638],
               [5.05850802, -1.25674082, -3.54566654, 3.82321852]])),
    ((np.array([[0.0, 3.18040136, 0.4074501, 0.0],
                [0.0, 0.0, 3.18141623, 0.0],
                [4.18500916, 0.0, 0.0, 2.72141638],
                [5.05850802, 0.0, 0.0, 3.82321852]]),
      np.array([[-0.12673638, -1.36861282, 1.21848065, -0.85750144],
                [-0.56147088, -1.0335199, 0.35877096, 1.07368134],
                [-0.37550472, 0.39636757, -0.47144628, 2.33660781]]),
      np.array([[1.50278553], [-0.59545972], [0.52834106]])),
     np.array([[2.2644603, 1.09971298, -2.90298027, 1.54036335],
               [6.33722569, -2.38116246, -4.11228806, 4.48582383],
               [10.37508342, -0.66591468, 1.63635185, 8.17870169]])),
    ((np.array([[2.2644603, 1.09971298, 0.0, 1.54036335],
                [6.33722569, 0.0, 0.0, 4.48582383],
                [10.37508342, 0.0, 1.63635185, 8.17870169]]),
      np.array([[0.9398248, 0.42628539, -0.75815703]]),
      np.array([[-0.16236698]])),
     np.array([[-3.19864676, 0.87117055, -1.40297864, -3.00319435]])),
]


def test_L_model_forward_public_test():
    X, parameters = _L_model_forward_inputs()
    output = call_without_mutation(L_model_forward, X, parameters)
    expected = (np.array([[0.03921668, 0.70498921, 0.19734387, 0.04728177]]), L_MODEL_FORWARD_EXPECTED_CACHES)
    check_course_output(expected, output)
    AL, caches = output
    assert type(caches) is list and len(caches) == 3


def test_L_model_forward_rejects_X_with_the_wrong_feature_count():
    X, parameters = _L_model_forward_inputs()
    with pytest.raises(ValueError, match=r"X must have shape \(n_x, m\) = \(5, m\).*got \(4, 4\)"):
        L_model_forward(X[:4], parameters)


def test_L_model_forward_rejects_parameters_that_do_not_chain():
    X, parameters = _L_model_forward_inputs()
    parameters["W2"] = np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"W2 must have shape"):
        L_model_forward(X, parameters)


# --------------------------------------------------------------------------------------------
# compute_cost (a 0-d ndarray)


def test_compute_cost_public_test():
    Y = np.asarray([[1, 1, 0]])
    AL = np.array([[0.8, 0.9, 0.4]])
    cost = call_without_mutation(compute_cost, AL, Y)
    assert np.allclose(cost, np.array(0.27977656))  # the course's single_test
    assert type(cost) is np.ndarray and cost.shape == ()  # np.squeeze(cost), `assert cost.shape == ()`
    np.testing.assert_allclose(cost, 0.2797765635793422, rtol=1e-12, atol=0)  # the notebook's markdown


def test_compute_cost_accepts_a_1d_AL_as_the_course_broadcasts_it():
    cost = compute_cost(np.array([0.8, 0.9, 0.4]), np.asarray([[1, 1, 0]]))
    assert type(cost) is np.ndarray and cost.shape == ()
    np.testing.assert_allclose(cost, 0.2797765635793422, rtol=1e-12, atol=0)


def test_compute_cost_accepts_boolean_labels():
    cost = compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[True, True, False]]))
    np.testing.assert_allclose(cost, 0.2797765635793422, rtol=1e-12, atol=0)


def test_compute_cost_accepts_real_valued_labels_like_the_course():
    # dnn_app_utils_v3.compute_cost is plain arithmetic on any Y, and the course's own
    # two_layer_model_test trains on Y = np.random.randn(1, 10) through it.
    AL = np.array([[0.8, 0.9, 0.4]])
    Y = np.array([[0.5, -1.2, 2.0]])
    course = np.squeeze((1.0 / 3) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T)))
    cost = compute_cost(AL, Y)
    assert type(cost) is np.ndarray and cost.shape == ()
    np.testing.assert_allclose(cost, course, rtol=1e-12, atol=0)
    np.testing.assert_allclose(cost, 2.392433719217995, rtol=1e-12, atol=0)


def test_two_layer_model_test_first_cost_through_the_step_by_step_functions():
    # The application notebook's two_layer_model, assembled from this module's functions, on
    # two_layer_model_test's inputs (real-valued Y): its first recorded cost is 0.69315968.
    draw = randn(1)
    X, Y = draw(10, 10), draw(1, 10)
    parameters = initialize_parameters(10, 4, 1)
    A1, cache1 = linear_activation_forward(X, parameters["W1"], parameters["b1"], "relu")
    A2, cache2 = linear_activation_forward(A1, parameters["W2"], parameters["b2"], "sigmoid")
    np.testing.assert_allclose(compute_cost(A2, Y), 0.69315968, rtol=0, atol=1e-8)
    dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
    dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
    _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
    grads = L_model_backward(A2, Y, [cache1, cache2])  # the L-layer version of the same step
    for key, value in {"dA1": dA1, "dW2": dW2, "db2": db2, "dW1": dW1, "db1": db1}.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-15, err_msg=key)


def test_compute_cost_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"Y must have the shape of the output AL"):
        compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 0]]))


# --------------------------------------------------------------------------------------------
# linear_backward, linear_activation_backward


def test_linear_backward_public_test():
    dZ, linear_cache = _linear_backward_inputs()
    output = call_without_mutation(linear_backward, dZ, linear_cache)
    expected = (
        np.array([[-1.15171336, 0.06718465, -0.3204696, 2.09812712],
                  [0.60345879, -3.72508701, 5.81700741, -3.84326836],
                  [-0.4319552, -1.30987417, 1.72354705, 0.05070578],
                  [-0.38981415, 0.60811244, -1.25938424, 1.47191593],
                  [-2.52214926, 2.67882552, -0.67947465, 1.48119548]]),
        np.array([[0.07313866, -0.0976715, -0.87585828, 0.73763362, 0.00785716],
                  [0.85508818, 0.37530413, -0.59912655, 0.71278189, -0.58931808],
                  [0.97913304, -0.24376494, -0.08839671, 0.55151192, -0.10290907]]),
        np.array([[-0.14713786], [-0.11313155], [-0.13209101]]),
    )
    check_course_output(expected, output)


@pytest.mark.parametrize(
    "activation, expected",
    [
        ("sigmoid", (
            [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]],
            [[0.10266786, 0.09778551, -0.01968084]],
            [[-0.05729622]],
        )),
        ("relu", (
            [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]],
            [[0.44513824, 0.37371418, -0.10478989]],
            [[-0.20837892]],
        )),
    ],
)
def test_linear_activation_backward_public_test(activation, expected):
    dA, cache = _linear_activation_backward_inputs()
    output = call_without_mutation(linear_activation_backward, dA, cache, activation)
    check_course_output(tuple(np.array(e) for e in expected), output)


def test_linear_activation_backward_rejects_dA_of_the_wrong_shape():
    dA, cache = _linear_activation_backward_inputs()
    with pytest.raises(ValueError, match=r"dA must have the shape of Z, \(1, 2\)"):
        linear_activation_backward(np.ones((1, 3)), cache, "relu")


# --------------------------------------------------------------------------------------------
# L_model_backward (tuple caches; AL > 1 is not a probability, only dAL is used)

L_MODEL_BACKWARD_EXPECTED = {
    "dA1": np.array([[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]]),
    "dW2": np.array([[-0.39202432, -0.13325855, -0.04601089]]),
    "db2": np.array([[0.15187861]]),
    "dA0": np.array([[0.0, 0.52257901], [0.0, -0.3269206], [0.0, -0.32070404], [0.0, -0.74079187]]),
    "dW1": np.array([[0.41010002, 0.07807203, 0.13798444, 0.10502167], [0.0, 0.0, 0.0, 0.0],
                     [0.05283652, 0.01005865, 0.01777766, 0.0135308]]),
    "db1": np.array([[-0.22007063], [0.0], [-0.02835349]]),
}


def test_L_model_backward_public_test():
    AL, Y, caches = _L_model_backward_inputs()
    assert AL[0, 0] > 1  # the course's AL is a raw randn draw
    grads = call_without_mutation(L_model_backward, AL, Y, caches)
    assert set(grads) == {"dA0", "dA1", "dW1", "dW2", "db1", "db2"}  # no dA2 / dAL
    check_course_output(L_MODEL_BACKWARD_EXPECTED, grads)


def test_L_model_backward_accepts_list_caches_and_boolean_labels():
    AL, Y, caches = _L_model_backward_inputs()
    grads = L_model_backward(AL, Y.astype(bool), list(caches))
    check_course_output(L_MODEL_BACKWARD_EXPECTED, grads)


def test_L_model_backward_accepts_caches_of_lists_at_every_level():
    # The course only unpacks its caches (`linear_cache, activation_cache = cache`, `A_prev, W, b
    # = linear_cache`), so lists serve as well as tuples, and b is never read by the backward pass.
    AL, Y, caches = _L_model_backward_inputs()
    as_lists = [[[A_prev, W, None], Z] for (A_prev, W, _), Z in caches]
    grads = call_without_mutation(L_model_backward, AL, Y, as_lists)
    check_course_output(L_MODEL_BACKWARD_EXPECTED, grads)


@pytest.mark.parametrize("shape", [(2,), (2, 1)], ids=["1-D Y", "column Y"])
def test_L_model_backward_reshapes_Y_to_AL_like_the_course(shape):
    # The course's L_model_backward starts with `Y = Y.reshape(AL.shape)`.
    AL, Y, caches = _L_model_backward_inputs()
    grads = L_model_backward(AL, Y.reshape(shape), caches)
    check_course_output(L_MODEL_BACKWARD_EXPECTED, grads)


def test_L_model_backward_after_L_model_forward_has_the_course_keys():
    X, parameters = _L_model_forward_inputs()
    AL, caches = L_model_forward(X, parameters)
    grads = L_model_backward(AL, np.array([[1, 0, 1, 0]]), caches)
    datatype_check(_types(["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]), grads)
    assert grads["dA0"].shape == X.shape
    for l in (1, 2, 3):
        assert grads[f"dW{l}"].shape == parameters[f"W{l}"].shape
        assert grads[f"db{l}"].shape == parameters[f"b{l}"].shape


# --------------------------------------------------------------------------------------------
# update_parameters (only W/b keys; the input dict is not modified)


def test_update_parameters_public_test():
    parameters, grads = _update_parameters_inputs()
    output = call_without_mutation(update_parameters, parameters, grads, 0.1)
    expected = {
        "W1": np.array([[-0.59562069, -0.09991781, -2.14584584, 1.82662008],
                        [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
                        [-1.0535704, -0.86128581, 0.68284052, 2.20374577]]),
        "b1": np.array([[-0.04659241], [-1.28888275], [0.53405496]]),
        "W2": np.array([[-0.55569196, 0.0354055, 1.32964895]]),
        "b2": np.array([[-0.84610769]]),
    }
    check_course_output(expected, output)


def test_update_parameters_returns_only_W_and_b_given_full_backward_grads():
    parameters, grads = _update_parameters_inputs()
    grads = dict(grads, dA0=np.ones((4, 5)), dA1=np.ones((3, 5)))
    output = update_parameters(parameters, grads, 0.1)
    datatype_check(_types(["W1", "b1", "W2", "b2"]), output)


def test_update_parameters_rejects_a_missing_gradient():
    parameters, grads = _update_parameters_inputs()
    del grads["db2"]
    with pytest.raises(ValueError, match=r"grads must hold 'db2'"):
        update_parameters(parameters, grads, 0.1)


# --------------------------------------------------------------------------------------------
# The harness itself: it must catch what the course's grader catches


@pytest.mark.parametrize(
    "output, message",
    [
        ({"W1": np.zeros(1), "b1": np.zeros(1), "dA2": np.zeros(1)}, "keys must be exactly"),  # extra key
        ({"W1": np.zeros(1)}, "keys must be exactly"),  # missing key
        ({"W1": np.zeros(1), "b1": np.float64(0)}, "expected an instance of ndarray"),  # np.float64 leaf
        ({"W1": [0.0], "b1": np.zeros(1)}, "expected an instance of ndarray"),  # list leaf
    ],
)
def test_harness_datatype_check_catches_course_failures(output, message):
    with pytest.raises(AssertionError, match=message):
        datatype_check({"W1": np.zeros(1), "b1": np.zeros(1)}, output)


def test_harness_catches_a_np_float64_cost_and_wrong_lengths():
    with pytest.raises(AssertionError, match="expected an instance of ndarray"):
        datatype_check([np.array(0.5)], [np.float64(0.5)])
    with pytest.raises(AssertionError, match="expected length 2"):
        datatype_check((np.zeros(1), np.zeros(1)), (np.zeros(1), np.zeros(1), np.zeros(1)))
    datatype_check((np.zeros(1), (np.zeros(1), np.zeros(1))), (np.ones(2), (np.ones(3), np.ones(4))))


def test_harness_shape_and_value_checks():
    with pytest.raises(AssertionError, match="expected shape"):
        check_course_output({"A": np.zeros((2, 1))}, {"A": np.zeros((1, 2))})
    with pytest.raises(AssertionError):
        check_course_output({"A": np.array([[0.5]])}, {"A": np.array([[0.50000002]])})
    check_course_output({"A": np.array([[0.5]])}, {"A": np.array([[0.500000004]])})


def test_harness_detects_mutated_arguments():
    def mutate(a):
        a[0] += 1

    with pytest.raises(AssertionError, match="values changed"):
        call_without_mutation(mutate, np.zeros(2))
