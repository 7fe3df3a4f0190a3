"""Random sources from user seeds, without ever touching NumPy's global random state."""

from __future__ import annotations

import numbers

import numpy as np

from .validation import describe

__all__ = ["as_random_state"]

MAX_SEED = 2**32 - 1


def as_random_state(seed) -> np.random.RandomState:
    """Turn ``seed`` into a :class:`numpy.random.RandomState`.

    ``RandomState`` is used, not ``Generator``, because ``RandomState(s).randn(...)`` yields
    exactly the course's ``np.random.seed(s); np.random.randn(...)`` numbers.

    Parameters
    ----------
    seed : None, int, numpy.random.RandomState or numpy.random.Generator
        int: ``RandomState(seed)``; a ``RandomState`` is returned as it is (draws advance the
        caller's stream); a ``Generator`` seeds a new ``RandomState`` with one integer drawn
        from it; None: a fresh, unseeded ``RandomState``.

    Raises
    ------
    TypeError
        For any other type, bools included.
    ValueError
        For an int outside [0, 2**32 - 1].
    """
    if seed is None:
        return np.random.RandomState()
    if isinstance(seed, np.random.RandomState):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.RandomState(int(seed.integers(2**32)))
    if isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_)):
        if not 0 <= int(seed) <= MAX_SEED:
            raise ValueError(f"seed must be an int in [0, 2**32 - 1]; got {int(seed)}")
        return np.random.RandomState(int(seed))
    raise TypeError(
        "seed must be an int, a numpy.random.RandomState, a numpy.random.Generator or None; "
        f"got {describe(seed)}"
    )
