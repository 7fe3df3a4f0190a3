"""Pieces the four assignment façades share: cost logging and input adaptation.

The adapters here accept what the course's own arithmetic accepts (a 1-D label row it
broadcasts, dict entries it never reads, zero iterations) and hand the engine the canonical form.
"""

from __future__ import annotations

import numpy as np

from ..engine.losses import LOSSES
from ..engine.validation import as_float_array, check_int, describe


class CostLog:
    """Training callback that records and prints the cost the way an assignment does.

    Parameters
    ----------
    every : int
        Record (and, with ``print_cost``, print) the cost when ``i % every == 0``.
    template : str
        ``str.format`` template with fields ``i`` and ``cost``.
    print_cost : bool
    last : int, optional
        Also print at this iteration (the application prints its final cost).

    Attributes
    ----------
    costs : list of 0-d ndarray
        The recorded costs, typed as the course's ``np.squeeze(cost)``.
    """

    def __init__(self, every: int, template: str, print_cost: bool, last: int | None = None):
        self.every, self.template, self.print_cost, self.last = every, template, print_cost, last
        self.costs: list[float] = []

    def __call__(self, i: int, cost: float) -> None:
        if i % self.every == 0:
            self.costs.append(np.array(cost))  # the course keeps 0-d arrays
        if self.print_cost and (i % self.every == 0 or i == self.last):
            print(self.template.format(i=i, cost=cost))


def as_row(AL, Y) -> np.ndarray:
    """Accept a 1-D activation vector where the course's cost broadcasts it against (1, m) labels."""
    AL = as_float_array(AL, "AL", ndim=None)
    if AL.ndim == 1 and np.ndim(Y) == 2 and np.shape(Y)[0] == 1:
        return AL.reshape(1, -1)
    return AL


def labels_as_row(Y, m: int):
    """A 1-D label vector of length ``m`` as the (1, m) row the course's broadcasting makes of it
    (``A - Y`` with A of shape (1, m)); anything else is returned unchanged for the engine to check."""
    if np.ndim(Y) == 1 and np.shape(Y)[0] == m:
        return np.reshape(Y, (1, m))
    return Y


def entries(mapping, keys, name: str) -> dict:
    """The entries ``keys`` of the dict ``mapping``: the ones a course function reads, and no others.

    The course reads its dicts by key, so entries it does not read (a cache's Z1, an extra
    parameter) never matter there; here they are left out before the engine sees the dict.

    Raises
    ------
    TypeError
        If ``mapping`` is not a dict.
    ValueError
        If one of ``keys`` is missing (all missing keys are named).
    """
    if not isinstance(mapping, dict):
        raise TypeError(f"{name} must be a dict with keys {list(keys)}; got {describe(mapping)}")
    missing = [key for key in keys if key not in mapping]
    if missing:
        raise ValueError(f"{name} must hold {list(keys)}; missing {missing} (got keys {sorted(map(str, mapping))})")
    return {key: mapping[key] for key in keys}


def iteration_count(num_iterations) -> int:
    """``num_iterations`` as an int >= 0: the course's training loops run ``range(num_iterations)``,
    so 0 is valid there and returns the initial parameters."""
    return check_int(num_iterations, "num_iterations", minimum=0)


# The course computes its cross-entropy for any finite Y: its own tests train the application's
# models on real-valued random "labels". The façade accepts what the course accepts; the engine's
# registered loss keeps rejecting labels outside [0, 1].
COURSE_CROSS_ENTROPY = LOSSES["binary_cross_entropy"]._replace(label_range=None)
