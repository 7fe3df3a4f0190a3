"""From the user's labels to the network's targets and back: task inference, encode, decode."""

from __future__ import annotations

import numpy as np
import pytest

from nnlab.labels import TASK_OUTPUT, Targets, infer_targets


def _one_hot(index, C):
    return np.eye(C)[:, np.asarray(index)]  # (C, m)


# --------------------------------------------------------------------------- task inference


@pytest.mark.parametrize(
    "Y",
    [
        np.array([[0, 1, 1, 0, 1]]),  # the course's (1, m) row
        np.array([0, 1, 1, 0, 1]),  # a plain vector
        np.array([[0.0, 1.0, 1.0, 0.0, 1.0]]),  # whole-number floats
        [0, 1, 1, 0, 1],  # a list
        np.array([0, 1, 1, 0, 1], dtype=np.uint8),  # the h5 files' dtype
    ],
)
def test_zero_one_labels_are_binary(Y):
    targets = infer_targets(Y)
    assert targets.task == "binary"
    assert targets.output == "sigmoid"
    assert targets.n_outputs == 1
    assert targets.classes.tolist() == [0, 1]


def test_bool_labels_are_binary():
    targets = infer_targets(np.array([True, False, True, True]))
    assert (targets.task, targets.n_outputs) == ("binary", 1)
    assert targets.classes.tolist() == [False, True]  # 0/1 or False/True: equal either way
    np.testing.assert_array_equal(targets.encode(np.array([True, False])), [[1.0, 0.0]])


@pytest.mark.parametrize("values", [(3, 7), (-1, 1), (7, 3)])
def test_two_arbitrary_integers_are_binary_with_their_classes_kept_sorted(values):
    Y = np.array([values[0], values[1], values[1], values[0]])
    targets = infer_targets(Y)
    assert targets.task == "binary"
    assert targets.classes.tolist() == sorted(values)
    # the larger label is the positive class (1), the smaller one 0
    np.testing.assert_array_equal(targets.encode(Y), (Y == max(values)).astype(float).reshape(1, -1))


def test_string_class_names_are_binary_with_names_kept():
    Y = np.array(["dog", "cat", "cat", "dog"])
    targets = infer_targets(Y)
    assert targets.task == "binary"
    assert targets.classes.tolist() == ["cat", "dog"]
    np.testing.assert_array_equal(targets.encode(Y), [[1.0, 0.0, 0.0, 1.0]])


def test_three_string_class_names_are_multiclass():
    Y = np.array(["bird", "cat", "dog", "cat"])
    targets = infer_targets(Y)
    assert (targets.task, targets.output, targets.n_outputs) == ("multiclass", "softmax", 3)
    assert targets.classes.tolist() == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(targets.encode(Y), _one_hot([0, 1, 2, 1], 3))


@pytest.mark.parametrize("Y", [np.array([0, 1, 2, 1, 0]), np.array([[5, 9, 2, 9, 5]]), np.array([0.0, 1.0, 2.0, 1.0])])
def test_integer_class_vectors_with_three_or_more_classes_are_one_hot_inside(Y):
    targets = infer_targets(Y)
    assert (targets.task, targets.output, targets.n_outputs) == ("multiclass", "softmax", 3)
    encoded = targets.encode(Y)
    assert encoded.shape == (3, np.size(Y))
    np.testing.assert_array_equal(encoded.sum(axis=0), 1.0)
    np.testing.assert_array_equal(targets.classes[np.argmax(encoded, axis=0)], np.ravel(Y))


def test_ten_classes():
    Y = np.arange(30) % 10
    targets = infer_targets(Y)
    assert targets.n_outputs == 10
    assert targets.encode(Y).shape == (10, 30)


def test_one_hot_columns_are_multiclass_with_index_classes():
    Y = _one_hot([2, 0, 1, 1, 2], 3)
    targets = infer_targets(Y)
    assert (targets.task, targets.n_outputs) == ("multiclass", 3)
    assert targets.classes.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(targets.encode(Y), Y)


def test_two_row_one_hot_is_a_classification_not_a_regression():
    Y = _one_hot([1, 0, 0, 1], 2)
    targets = infer_targets(Y)
    assert targets.task == "binary"
    np.testing.assert_array_equal(targets.encode(Y), [[1.0, 0.0, 0.0, 1.0]])


@pytest.mark.parametrize("Y", [np.array([[0.5, 1.2, -3.3, 2.0]]), np.array([0.1, 0.2, 0.3]), np.array([[0.0, 0.5, 1.0]])])
def test_real_values_are_regression(Y):
    targets = infer_targets(Y)
    assert (targets.task, targets.output, targets.n_outputs) == ("regression", "linear", 1)
    assert targets.classes is None
    np.testing.assert_array_equal(targets.encode(Y), np.reshape(Y, (1, -1)))


def test_two_rows_of_reals_are_multi_output_regression():
    Y = np.array([[0.5, 1.2, 3.3], [1.0, 2.0, 3.5]])
    targets = infer_targets(Y)
    assert (targets.task, targets.n_outputs) == ("regression", 2)
    np.testing.assert_array_equal(targets.encode(Y), Y)


def test_two_rows_of_integers_that_are_not_one_hot_are_regression():
    Y = np.array([[1, 2, 3], [4, 5, 6]])
    assert infer_targets(Y).task == "regression"


def test_task_output_table():
    assert TASK_OUTPUT == {"binary": "sigmoid", "multiclass": "softmax", "regression": "linear"}


# --------------------------------------------------------------------------- output overrides


def test_softmax_override_with_two_classes_is_multiclass():
    Y = np.array([0, 1, 1, 0])
    targets = infer_targets(Y, output="softmax")
    assert (targets.task, targets.output, targets.n_outputs) == ("multiclass", "softmax", 2)
    np.testing.assert_array_equal(targets.encode(Y), _one_hot([0, 1, 1, 0], 2))


def test_sigmoid_override_with_two_classes_is_binary():
    assert infer_targets(np.array(["a", "b"]), output="sigmoid").task == "binary"


@pytest.mark.parametrize("Y", [np.array([0, 1, 1, 0]), np.array([1, 2, 3, 4]), np.array([[0.5, 1.5]])])
def test_linear_override_makes_a_regression_of_numbers(Y):
    targets = infer_targets(Y, output="linear")
    assert (targets.task, targets.output, targets.n_outputs) == ("regression", "linear", 1)
    np.testing.assert_array_equal(targets.encode(Y), np.reshape(Y, (1, -1)).astype(float))


def test_linear_override_on_one_hot_columns_regresses_every_row():
    Y = _one_hot([0, 1, 2], 3)
    targets = infer_targets(Y, output="linear")
    assert (targets.task, targets.n_outputs) == ("regression", 3)


def test_linear_override_refuses_class_names():
    with pytest.raises(ValueError, match="numeric"):
        infer_targets(np.array(["cat", "dog"]), output="linear")


@pytest.mark.parametrize("Y", [np.array([0, 1, 2, 1]), _one_hot([0, 1, 2], 3), np.array(["a", "b", "c"])])
def test_sigmoid_override_with_three_classes_is_an_error(Y):
    with pytest.raises(ValueError, match="sigmoid") as info:
        infer_targets(Y, output="sigmoid")
    assert "3" in str(info.value) and "softmax" in str(info.value)


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_non_integer_labels_with_a_classifier_override_are_an_error(output):
    with pytest.raises(ValueError, match=output) as info:
        infer_targets(np.array([0.0, 0.5, 1.0]), output=output)
    assert "0.5" in str(info.value)


# --------------------------------------------------------------------------- bad labels


@pytest.mark.parametrize("Y", [np.array([1, 1, 1]), np.array(["cat", "cat"]), np.array([[0.0, 0.0]]), np.array([True])])
def test_one_class_only_is_an_error(Y):
    with pytest.raises(ValueError, match="one class"):
        infer_targets(Y)


def test_one_class_only_is_an_error_with_a_softmax_override_too():
    with pytest.raises(ValueError, match="one class"):
        infer_targets(np.array([2, 2, 2]), output="softmax")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_labels_are_an_error(bad):
    with pytest.raises(ValueError, match="finite") as info:
        infer_targets(np.array([[0.0, 1.0, bad, 1.0]]))
    assert "Y" in str(info.value)


def test_non_finite_labels_are_an_error_with_any_override():
    for output in (None, "sigmoid", "softmax", "linear"):
        with pytest.raises(ValueError, match="finite"):
            infer_targets(np.array([[0.0, np.nan, 2.5], [1.0, 2.0, 3.0]]), output=output)


@pytest.mark.parametrize(
    "Y, message",
    [
        (np.zeros((1, 0)), "at least one"),
        (np.zeros((2, 3, 4)), "shape"),
        (np.array([["a", "b"], ["b", "a"]]), "one-hot"),
    ],
)
def test_malformed_label_arrays_are_errors(Y, message):
    with pytest.raises(ValueError, match=message):
        infer_targets(Y)


def test_mixed_object_labels_are_refused_naming_what_they_hold():
    with pytest.raises(TypeError, match=r"Y must hold numbers or strings, one kind only; .* NoneType, int, str"):
        infer_targets(np.array([0, "a", None], dtype=object))


def test_object_arrays_of_strings_or_numbers_are_labels_as_pandas_gives_them():
    pd = pytest.importorskip("pandas")
    species = pd.Series(["setosa", "virginica", "setosa", "versicolor"])  # dtype object
    assert species.to_numpy().dtype == object
    targets = infer_targets(species.to_numpy())
    assert targets.task == "multiclass" and targets.classes.tolist() == ["setosa", "versicolor", "virginica"]
    numbers = infer_targets(np.array([0, 1, 1, 0], dtype=object))
    assert numbers.task == "binary" and numbers.classes.tolist() == [0, 1]


def test_huge_whole_number_labels_keep_their_values():
    """Whole-number floats beyond int64 must not be cast to garbage class labels."""
    Y = np.array([0.0, 1e20, 0.0, 1e20])
    targets = infer_targets(Y)
    assert targets.task == "binary" and targets.classes.tolist() == [0.0, 1e20]


# --------------------------------------------------------------------------- encode / decode


@pytest.mark.parametrize(
    "Y",
    [
        np.array([[0, 1, 1, 0]]),
        np.array([[3, 7, 7, 3]]),
        np.array([["cat", "dog", "dog", "cat"]]),
        np.array([[0, 2, 1, 2, 0]]),
        np.array([["bird", "cat", "dog", "cat"]]),
        np.array([[-5, 10, 100, 10]]),
    ],
)
def test_decode_of_encode_gives_back_the_labels(Y):
    targets = infer_targets(Y)
    decoded = targets.decode(targets.encode(Y))
    assert decoded.shape == Y.shape
    assert decoded.dtype.kind == Y.dtype.kind
    np.testing.assert_array_equal(decoded, Y)


def test_decode_reads_probabilities():
    binary = infer_targets(np.array(["no", "yes"]))
    np.testing.assert_array_equal(binary.decode(np.array([[0.2, 0.51, 0.5, 0.9]])), [["no", "yes", "no", "yes"]])
    multi = infer_targets(np.array([10, 20, 30]))
    AL = np.array([[0.7, 0.1, 0.2], [0.2, 0.1, 0.7], [0.1, 0.8, 0.1]])  # columns sum to 1
    np.testing.assert_array_equal(multi.decode(AL), [[10, 30, 20]])


def test_regression_decode_is_the_identity():
    targets = infer_targets(np.array([[0.5, 1.5, 2.25]]))
    AL = np.array([[0.1, 0.2, 0.3]])
    np.testing.assert_array_equal(targets.decode(AL), AL)


def test_class_indices():
    binary = infer_targets(np.array([3, 7]))
    np.testing.assert_array_equal(binary.class_indices(np.array([[0.4, 0.6]])), [0, 1])
    multi = infer_targets(np.array([0, 1, 2]))
    np.testing.assert_array_equal(multi.class_indices(np.eye(3)[:, [2, 0]]), [2, 0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_encode_uses_the_requested_dtype(dtype):
    for Y in (np.array([0, 1, 1]), np.array([0, 1, 2]), np.array([0.5, 1.5, 2.0])):
        assert infer_targets(Y).encode(Y, dtype).dtype == dtype


def test_encode_accepts_one_hot_columns_for_known_classes():
    targets = infer_targets(np.array(["a", "b", "c"]))
    np.testing.assert_array_equal(targets.encode(_one_hot([2, 0], 3)), _one_hot([2, 0], 3))


def test_encode_names_labels_outside_the_known_classes():
    targets = infer_targets(np.array(["cat", "dog", "cat"]))
    with pytest.raises(ValueError) as info:
        targets.encode(np.array(["cat", "bird", "fish", "bird"]))
    message = str(info.value)
    assert "bird" in message and "fish" in message
    assert "cat" in message and "dog" in message  # the known classes


def test_encode_names_integer_labels_outside_the_known_classes():
    targets = infer_targets(np.array([3, 7, 3]))
    with pytest.raises(ValueError, match="outside the known classes") as info:
        targets.encode(np.array([3, 5, 7]))
    assert "5" in str(info.value)


def test_encode_refuses_non_integer_labels_for_integer_classes():
    targets = infer_targets(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="outside the known classes"):
        targets.encode(np.array([0.0, 1.5]))


def test_encode_refuses_one_hot_of_the_wrong_width():
    targets = infer_targets(np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="one-hot"):
        targets.encode(_one_hot([0, 1], 4))


def test_regression_encode_refuses_the_wrong_number_of_rows_or_strings():
    targets = infer_targets(np.array([[0.5, 1.5], [1.0, 2.0]]))
    with pytest.raises(ValueError, match=r"\(2, m\)"):
        targets.encode(np.array([[0.5, 1.5]]))
    with pytest.raises(ValueError):
        infer_targets(np.array([0.5, 1.5])).encode(np.array(["a", "b"]))


def test_targets_is_frozen():
    targets = Targets("binary", np.array([0, 1]), 1)
    with pytest.raises(AttributeError):
        targets.task = "multiclass"


@pytest.mark.parametrize("Y, expected", [
    (np.eye(3)[:, [0, 2, 1, 1]], True),
    (np.eye(3, dtype=np.int8)[:, [2, 2]], True),
    (np.eye(2, dtype=bool), True),
    (np.array([[1, 0], [1, 0]]), False),  # two 1s in a column
    (np.array([[0.5, 0], [0.5, 1]]), False),  # sums to 1, not 0/1
    (np.array([[2, 0], [-1, 1]]), False),
    (np.array([["1", "0"], ["0", "1"]]), False),  # strings are labels, not one-hot numbers
])
def test_is_one_hot_is_the_one_check(Y, expected):
    from nnlab.labels import is_one_hot

    assert is_one_hot(Y) is expected


def test_binary_decisions_use_the_engines_threshold():
    from nnlab.engine.metrics import binary_predictions

    targets = infer_targets(np.array([[0, 1, 1]]))
    AL = np.array([[0.5, 0.5000001, 0.2]])
    np.testing.assert_array_equal(targets.class_indices(AL), binary_predictions(AL[0]).astype(np.int64))
    np.testing.assert_array_equal(targets.class_indices(AL), [0, 1, 0])  # 0.5 itself is negative
