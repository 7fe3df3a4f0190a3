"""Learning-rate decay schedules (course 2, week 2): the learning rate as a function of the epoch.

========================  ==========================================================
``None``                  ``alpha0`` (constant)
``"inverse_time"``        ``alpha0 / (1 + decay_rate * epoch)`` (the course's ``update_lr``)
``"step"``                ``alpha0 / (1 + decay_rate * floor(epoch / decay_steps))``
                          (the course's ``schedule_lr_decay``, ``decay_steps`` its
                          ``time_interval``)
========================  ==========================================================

Epochs count from 0, so epoch 0 always runs at ``alpha0``.
"""

from __future__ import annotations

from .validation import check_int, check_positive_int, check_positive_number

__all__ = ["SCHEDULES", "learning_rate_at", "scheduled_rate"]

SCHEDULES = (None, "inverse_time", "step")


def learning_rate_at(epoch, learning_rate, decay=None, decay_rate=1.0, decay_steps=1) -> float:
    """The learning rate to use during ``epoch``.

    Parameters
    ----------
    epoch : int >= 0
        The epoch number, counting from 0.
    learning_rate : float > 0
        ``alpha0``, the rate at epoch 0.
    decay : {None, "inverse_time", "step"}
        The schedule; None keeps the rate constant.
    decay_rate : float >= 0
        How fast the rate falls.
    decay_steps : int >= 1
        Epochs per step of the "step" schedule (ignored by the others, but still validated).

    Returns
    -------
    float

    Raises
    ------
    ValueError, TypeError
        Naming the argument and the value received.
    """
    epoch = check_int(epoch, "epoch", 0)
    learning_rate = check_positive_number(learning_rate, "learning_rate")
    if not (decay is None or isinstance(decay, str)) or decay not in SCHEDULES:
        raise ValueError(f"decay must be one of {list(SCHEDULES)}; got {decay!r}")
    decay_rate = check_positive_number(decay_rate, "decay_rate", allow_zero=True)
    decay_steps = check_positive_int(decay_steps, "decay_steps")
    return scheduled_rate(epoch, learning_rate, decay, decay_rate, decay_steps)


def scheduled_rate(epoch: int, learning_rate: float, decay, decay_rate: float, decay_steps: int) -> float:
    """:func:`learning_rate_at` for arguments it has already validated (the training loop's form)."""
    if decay is None:
        return learning_rate
    periods = epoch if decay == "inverse_time" else epoch // decay_steps  # floor(epoch / decay_steps)
    return learning_rate / (1 + decay_rate * periods)
