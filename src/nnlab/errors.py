"""Exceptions for errors a user can cause. The CLI turns each into one clear line and exit 1.

All derive from ``ValueError`` as well, so code that catches the engine's argument errors also
catches these.
"""

from __future__ import annotations

__all__ = ["DataError", "ModelFileError", "NNLabError", "TrainingDiverged"]


class NNLabError(ValueError):
    """Base class: bad input from the user, described in the message."""


class DataError(NNLabError):
    """A data file or data set could not be read as examples and labels."""


class ModelFileError(NNLabError):
    """A model file is missing, truncated, tampered with, of another format version, or unsafe."""


class TrainingDiverged(NNLabError):
    """The cost became NaN or infinite; the message names the epoch and the learning rate."""

    def __init__(self, message: str, epoch: int, learning_rate: float, parameters: dict | None = None, history=None):
        super().__init__(message)
        self.epoch = epoch
        self.learning_rate = learning_rate
        self.parameters = parameters  # the last finite parameters, for inspection
        self.history = history  # the epochs completed before the divergence
