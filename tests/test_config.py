"""Hyperparameters: the one frozen, validated configuration shared by the Model, the CLI and the search."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from nnlab.config import OUTPUTS, Hyperparameters


# --------------------------------------------------------------------------- defaults


def test_defaults_are_the_documented_ones():
    hp = Hyperparameters()
    assert hp.hidden_layers == (4,)
    assert hp.activation == "tanh"
    assert hp.output is None
    assert hp.initializer is None
    assert hp.optimizer == "gd"
    assert hp.learning_rate == 0.01
    assert (hp.beta, hp.beta1, hp.beta2, hp.epsilon) == (0.9, 0.9, 0.999, 1e-8)
    assert (hp.decay, hp.decay_rate, hp.decay_steps) == (None, 1.0, 1)
    assert hp.batch_size is None
    assert hp.epochs == 1000
    assert hp.l2 == 0.0
    assert hp.keep_prob == 1.0
    assert hp.patience is None
    assert hp.restore_best is True
    assert hp.standardize is True
    assert hp.seed == 0
    assert hp.dtype == "float64"
    assert hp.verbose == 0


def test_field_names_lists_every_field_in_order():
    assert Hyperparameters.field_names() == [f.name for f in dataclasses.fields(Hyperparameters)]
    assert Hyperparameters.field_names()[0] == "hidden_layers"


def test_outputs_are_the_three_heads():
    assert set(OUTPUTS) == {"sigmoid", "softmax", "linear"}


# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    "given, stored",
    [((20, 7, 5), (20, 7, 5)), ([3, 4], (3, 4)), (5, (5,)), (np.int64(6), (6,)), ((), ()), (np.array([2, 3]), (2, 3))],
)
def test_hidden_layers_become_a_tuple_of_ints(given, stored):
    hp = Hyperparameters(hidden_layers=given)
    assert hp.hidden_layers == stored
    assert type(hp.hidden_layers) is tuple
    assert all(type(n) is int for n in hp.hidden_layers)


def test_numbers_are_stored_as_python_numbers():
    hp = Hyperparameters(learning_rate=np.float32(0.5), epochs=np.int32(7), l2=1, keep_prob=1)
    assert type(hp.learning_rate) is float and hp.learning_rate == 0.5
    assert type(hp.epochs) is int and hp.epochs == 7
    assert type(hp.l2) is float and type(hp.keep_prob) is float


# --------------------------------------------------------------------------- validation


def _raises(field, error=(ValueError, TypeError), **kwargs):
    """Building with ``kwargs`` raises, and the message names ``field`` and quotes the value."""
    with pytest.raises(error) as info:
        Hyperparameters(**kwargs)
    message = str(info.value)
    assert field in message, message
    return message


@pytest.mark.parametrize("value", [0, -1, (4, 0), (4, -1), [3, 0, 2]])
def test_hidden_layers_reject_non_positive_sizes(value):
    message = _raises("hidden_layers", ValueError, hidden_layers=value)
    assert ">= 1" in message


@pytest.mark.parametrize("value", [2.5, (2.5,), (4, 2.5), "abc", b"ab", ("4",), (True,), None, {1: 2}.items])
def test_hidden_layers_reject_non_integers(value):
    _raises("hidden_layers", TypeError, hidden_layers=value)


def test_hidden_layers_message_points_at_the_bad_entry():
    message = _raises("hidden_layers", ValueError, hidden_layers=(20, 7, 0))
    assert "hidden_layers[2]" in message and "0" in message


@pytest.mark.parametrize(
    "field, value",
    [
        ("activation", "swish"),
        ("activation", "softmax"),  # an output activation, not a hidden one
        ("activation", "ReLU"),
        ("activation", None),
        ("output", "tanh"),
        ("output", "relu"),
        ("initializer", "glorot"),
        ("optimizer", "sgd"),
        ("optimizer", None),
        ("decay", "exponential"),
        ("dtype", "float16"),
        ("dtype", "int32"),
    ],
)
def test_choices_reject_unknown_names_and_list_the_allowed_ones(field, value):
    message = _raises(field, ValueError, **{field: value})
    assert repr(value) in message
    assert "must be one of" in message


@pytest.mark.parametrize(
    "field, allowed",
    [
        ("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
        ("output", [None, "sigmoid", "softmax", "linear"]),
        ("initializer", [None, "zeros", "random", "scaled", "he", "xavier"]),
        ("optimizer", ["gd", "momentum", "rmsprop", "adam"]),
        ("decay", [None, "inverse_time", "step"]),
        ("dtype", ["float32", "float64"]),
    ],
)
def test_choices_accept_every_allowed_name(field, allowed):
    for value in allowed:
        assert getattr(Hyperparameters(**{field: value}), field) == value


@pytest.mark.parametrize("value", [0, 0.0, -1, -1e-3, math.nan, math.inf, -math.inf])
def test_learning_rate_must_be_positive_and_finite(value):
    message = _raises("learning_rate", ValueError, learning_rate=value)
    assert "(0.0, inf)" in message


@pytest.mark.parametrize("value", ["x", "0.1", None, True, [0.1], 1j])
def test_learning_rate_must_be_a_real_number(value):
    _raises("learning_rate", TypeError, learning_rate=value)


@pytest.mark.parametrize("value", [0, 0.0, -0.5, 1.5, 1.0000001, math.nan])
def test_keep_prob_must_lie_in_zero_one(value):
    message = _raises("keep_prob", ValueError, keep_prob=value)
    assert "(0.0, 1.0]" in message


def test_keep_prob_one_and_small_values_are_allowed():
    assert Hyperparameters(keep_prob=1).keep_prob == 1.0
    assert Hyperparameters(keep_prob=0.01).keep_prob == 0.01


@pytest.mark.parametrize("field", ["batch_size", "epochs", "patience", "decay_steps"])
@pytest.mark.parametrize("value", [0, -3])
def test_counts_must_be_at_least_one(field, value):
    message = _raises(field, ValueError, **{field: value})
    assert ">= 1" in message


@pytest.mark.parametrize("field", ["batch_size", "epochs", "patience", "decay_steps", "seed", "verbose"])
@pytest.mark.parametrize("value", [2.5, 3.0, "10", True])
def test_counts_must_be_integers(field, value):
    _raises(field, TypeError, **{field: value})


@pytest.mark.parametrize("field", ["batch_size", "patience"])
def test_optional_counts_accept_none(field):
    assert getattr(Hyperparameters(**{field: None}), field) is None


@pytest.mark.parametrize("field", ["beta", "beta1", "beta2"])
@pytest.mark.parametrize("value", [1.0, 1.5, -0.1, math.nan])
def test_betas_lie_in_zero_inclusive_one_exclusive(field, value):
    message = _raises(field, ValueError, **{field: value})
    assert "[0.0, 1.0)" in message


@pytest.mark.parametrize("field", ["beta", "beta1", "beta2"])
def test_betas_accept_zero(field):
    assert getattr(Hyperparameters(**{field: 0}), field) == 0.0


@pytest.mark.parametrize("value", [0, -1e-8, math.inf])
def test_epsilon_must_be_positive(value):
    _raises("epsilon", ValueError, epsilon=value)


@pytest.mark.parametrize("field", ["l2", "decay_rate"])
def test_non_negative_reals(field):
    assert getattr(Hyperparameters(**{field: 0}), field) == 0.0
    _raises(field, ValueError, **{field: -0.1})
    _raises(field, ValueError, **{field: math.nan})
    _raises(field, TypeError, **{field: "0.1"})


@pytest.mark.parametrize("value", [-1, -100])
def test_seed_must_be_non_negative(value):
    message = _raises("seed", ValueError, seed=value)
    assert ">= 0" in message


def test_seed_zero_and_large_are_allowed():
    assert Hyperparameters(seed=0).seed == 0
    assert Hyperparameters(seed=2**31).seed == 2**31


@pytest.mark.parametrize("field", ["restore_best", "standardize"])
@pytest.mark.parametrize("value", [1, 0, "yes", "False", None, 1.0])
def test_booleans_must_be_true_or_false(field, value):
    message = _raises(field, TypeError, **{field: value})
    assert "true or false" in message


@pytest.mark.parametrize("field", ["restore_best", "standardize"])
def test_booleans_accept_numpy_bools(field):
    assert getattr(Hyperparameters(**{field: np.bool_(False)}), field) == False  # noqa: E712


# --------------------------------------------------------------------------- frozen, replace, dicts


def test_frozen_assignment_raises():
    hp = Hyperparameters()
    with pytest.raises(dataclasses.FrozenInstanceError):
        hp.learning_rate = 0.5
    with pytest.raises(dataclasses.FrozenInstanceError):
        hp.hidden_layers = (3,)
    assert hp.learning_rate == 0.01


def test_equal_configurations_are_equal_and_hashable():
    a = Hyperparameters(hidden_layers=[3, 4], learning_rate=0.1)
    b = Hyperparameters(hidden_layers=(3, 4), learning_rate=0.1)
    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1


def test_replace_changes_only_the_named_fields_and_returns_a_copy():
    hp = Hyperparameters(hidden_layers=(5,), seed=3)
    new = hp.replace(learning_rate=0.2, optimizer="adam")
    assert new is not hp
    assert (new.learning_rate, new.optimizer) == (0.2, "adam")
    assert new.hidden_layers == (5,) and new.seed == 3
    assert (hp.learning_rate, hp.optimizer) == (0.01, "gd")  # the original is untouched


def test_replace_validates():
    with pytest.raises(ValueError, match="learning_rate"):
        Hyperparameters().replace(learning_rate=0)


def test_replace_rejects_unknown_names_naming_them():
    with pytest.raises(ValueError, match="learning_rat") as info:
        Hyperparameters().replace(learning_rat=0.1)
    assert "'learning_rat'" in str(info.value)


def test_to_dict_is_plain_json():
    values = Hyperparameters(hidden_layers=(20, 7, 5), patience=3).to_dict()
    assert values["hidden_layers"] == [20, 7, 5]
    assert set(values) == set(Hyperparameters.field_names())
    assert json.loads(json.dumps(values)) == values


@pytest.mark.parametrize(
    "hp",
    [
        Hyperparameters(),
        Hyperparameters(hidden_layers=(), output="sigmoid"),
        Hyperparameters(
            hidden_layers=(20, 7, 5), activation="relu", initializer="scaled", optimizer="adam",
            learning_rate=0.0075, decay="step", decay_rate=0.5, decay_steps=10, batch_size=64,
            epochs=2500, l2=0.7, keep_prob=0.86, patience=5, restore_best=False, standardize=False,
            seed=1, dtype="float32", verbose=1,
        ),
    ],
)
def test_to_dict_from_dict_round_trip_through_json(hp):
    assert Hyperparameters.from_dict(hp.to_dict()) == hp
    assert Hyperparameters.from_dict(json.loads(json.dumps(hp.to_dict()))) == hp


def test_from_dict_with_some_keys_uses_the_defaults_for_the_rest():
    hp = Hyperparameters.from_dict({"learning_rate": 0.3})
    assert hp == Hyperparameters(learning_rate=0.3)


def test_from_dict_names_unknown_keys_and_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        Hyperparameters.from_dict({"learning_rate": 0.1, "lr": 0.1, "layers": [3]})
    message = str(info.value)
    assert "'lr'" in message and "'layers'" in message
    assert "learning_rate" in message and "hidden_layers" in message  # the known names


def test_from_dict_validates_values():
    with pytest.raises(ValueError, match="keep_prob"):
        Hyperparameters.from_dict({"keep_prob": 1.5})


# --------------------------------------------------------------------------- resolved_initializer


@pytest.mark.parametrize(
    "activation, expected",
    [("relu", "he"), ("leaky_relu", "he"), ("tanh", "xavier"), ("sigmoid", "xavier"), ("linear", "xavier")],
)
def test_resolved_initializer_default_follows_the_activation(activation, expected):
    assert Hyperparameters(activation=activation).resolved_initializer == expected


@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("initializer", ["zeros", "random", "scaled", "he", "xavier"])
def test_resolved_initializer_explicit_choice_wins(activation, initializer):
    hp = Hyperparameters(activation=activation, initializer=initializer)
    assert hp.resolved_initializer == initializer
