"""Shared test setup: one BLAS thread, and an independent central-difference gradient."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

# One BLAS thread for the whole session. Measured on the 2-core CI machine with the other core
# busy: the four-layer cat model's forward pass took 8 ms with one OpenBLAS thread and 130 ms
# with two (thin products thrash when threads compete for a core).
_BLAS_LIMIT = threadpool_limits(limits=1)


def _numerical_gradient(f, x, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to every entry of ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` must read it; float64 only.
    """
    assert x.dtype == np.float64, "numerical gradients need float64"
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        f_plus = f()
        x[index] = old - eps
        f_minus = f()
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


@pytest.fixture
def numerical_gradient():
    """``numerical_gradient(f, x, eps=1e-6)``: central differences of ``f()`` w.r.t. ``x``."""
    return _numerical_gradient


@pytest.fixture
def rng():
    """A local, seeded random source (the global NumPy state is never touched)."""
    return np.random.RandomState(0)
