"""Pieces the four assignment façades share: cost logging and input adaptation."""

from __future__ import annotations

import numpy as np

from ..engine.losses import LOSSES
from ..engine.validation import as_float_array


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


# The course computes its cross-entropy for any finite Y: its own tests train the application's
# models on real-valued random "labels". The façade accepts what the course accepts; the engine's
# registered loss keeps rejecting labels outside [0, 1].
COURSE_CROSS_ENTROPY = LOSSES["binary_cross_entropy"]._replace(label_range=None)
