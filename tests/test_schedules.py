"""Learning-rate schedules: values worked out by hand, and argument validation."""

from __future__ import annotations

import pytest

from nnlab.engine import SCHEDULES, learning_rate_at


def test_schedules_constant_lists_the_three_choices():
    assert SCHEDULES == (None, "inverse_time", "step")


@pytest.mark.parametrize("epoch", [0, 1, 7, 10_000])
def test_no_decay_keeps_the_rate_constant(epoch):
    assert learning_rate_at(epoch, 0.1) == 0.1
    assert learning_rate_at(epoch, 0.1, None, decay_rate=5.0, decay_steps=3) == 0.1


@pytest.mark.parametrize(
    "epoch, expected",
    [
        (0, 0.5),  # 0.5 / (1 + 1 * 0)
        (1, 0.25),  # 0.5 / 2
        (2, 0.5 / 3),  # 0.1666..., the course's update_lr(0.5, 2, 1)
        (3, 0.125),  # 0.5 / 4
        (9, 0.05),  # 0.5 / 10
    ],
)
def test_inverse_time_decay_by_hand(epoch, expected):
    assert learning_rate_at(epoch, 0.5, "inverse_time", decay_rate=1.0) == pytest.approx(expected, rel=1e-15)


def test_inverse_time_with_a_fractional_rate_and_ignoring_decay_steps():
    # 0.2 / (1 + 0.5 * 4) = 0.2 / 3; decay_steps only matters for "step".
    assert learning_rate_at(4, 0.2, "inverse_time", 0.5, decay_steps=100) == pytest.approx(0.2 / 3, rel=1e-15)


@pytest.mark.parametrize(
    "epoch, expected",
    [
        (0, 0.3),  # floor(0 / 10) = 0: 0.3 / 1
        (9, 0.3),  # floor(0.9) = 0
        (10, 0.2),  # floor(1.0) = 1: 0.3 / (1 + 0.5) = 0.2
        (19, 0.2),
        (20, 0.15),  # floor(2.0) = 2: 0.3 / 2
        (45, 0.1),  # floor(4.5) = 4: 0.3 / 3
    ],
)
def test_step_decay_by_hand(epoch, expected):
    assert learning_rate_at(epoch, 0.3, "step", decay_rate=0.5, decay_steps=10) == pytest.approx(expected, rel=1e-15)


def test_step_decay_with_one_epoch_per_step_is_inverse_time():
    for epoch in range(20):
        assert learning_rate_at(epoch, 0.7, "step", 0.3, 1) == learning_rate_at(epoch, 0.7, "inverse_time", 0.3)


def test_zero_decay_rate_is_constant_and_the_result_is_a_python_float():
    for decay in SCHEDULES:
        value = learning_rate_at(12, 0.05, decay, decay_rate=0.0, decay_steps=5)
        assert value == 0.05 and type(value) is float


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epoch": -1}, ValueError, r"epoch must be an integer >= 0; got -1"),
        ({"epoch": 1.5}, TypeError, r"epoch must be an integer >= 0; got float \(1.5\)"),
        ({"epoch": True}, TypeError, r"epoch must be an integer"),
        ({"learning_rate": 0.0}, ValueError, r"learning_rate must be a finite number in \(0.0, inf\); got 0.0"),
        ({"learning_rate": -1.0}, ValueError, r"learning_rate .* got -1.0"),
        ({"decay": "exponential"}, ValueError, r"decay must be one of \[None, 'inverse_time', 'step'\]; got 'exponential'"),
        ({"decay": "none"}, ValueError, r"got 'none'"),
        ({"decay_rate": -0.1}, ValueError, r"decay_rate must be a finite number in \[0.0, inf\); got -0.1"),
        ({"decay_rate": float("inf")}, ValueError, r"decay_rate .* got inf"),
        ({"decay_steps": 0}, ValueError, r"decay_steps must be an integer >= 1; got 0"),
        ({"decay_steps": 2.0}, TypeError, r"decay_steps must be an integer >= 1"),
    ],
)
def test_bad_arguments_raise_naming_the_argument_and_value(kwargs, error, message):
    arguments = {"epoch": 3, "learning_rate": 0.1, "decay": "step", "decay_rate": 1.0, "decay_steps": 2, **kwargs}
    with pytest.raises(error, match=message):
        learning_rate_at(**arguments)
