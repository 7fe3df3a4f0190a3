"""A small re-implementation of the course's grading harness, for the course façade tests.

The course's ``test_utils.py`` (week 4) grades every output three ways:

- ``datatype_check``: recursive; a dict must have exactly the expected keys, a tuple or list
  exactly the expected length, and every leaf must pass ``isinstance(output, type(expected))``
  (so a ``np.float64`` cost fails where a 0-d ``ndarray`` is expected, and an extra key fails);
- ``shape_check``: every leaf with a ``.shape`` must have the expected shape;
- ``equation_output_check``: leaves with a shape are compared numerically, others with ``==``.

:func:`check_course_output` runs all three at once and reports the path of the first mismatch.
The module also holds the helpers the four ``test_course_*`` files share: a guard and a seeding
fixture for NumPy's global random state, deep-copy / deep-equality helpers for the "inputs are
never mutated" checks, and the application's published run on the cat images (the data and the
session's runs are fixtures in ``conftest.py``).
"""

from __future__ import annotations

import contextlib
import copy
import io
import re

import numpy as np
import pytest

# --------------------------------------------------------------------------------------------
# The course's type / shape / value rules


def datatype_check(expected, output, path: str = "output") -> None:
    """The course's ``datatype_check``, strict: exact key sets, exact lengths, leaf isinstance."""
    if isinstance(expected, dict):
        assert isinstance(output, dict), f"{path}: expected a dict, got {type(output).__name__}"
        assert set(output) == set(expected), (
            f"{path}: keys must be exactly {sorted(expected)}; got {sorted(output)}"
        )
        for key in expected:
            datatype_check(expected[key], output[key], f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert isinstance(output, type(expected)), (
            f"{path}: expected a {type(expected).__name__}, got {type(output).__name__}"
        )
        assert len(output) == len(expected), f"{path}: expected length {len(expected)}, got {len(output)}"
        for i, (e, o) in enumerate(zip(expected, output)):
            datatype_check(e, o, f"{path}[{i}]")
    else:
        assert isinstance(output, type(expected)), (
            f"{path}: expected an instance of {type(expected).__name__}, got {type(output).__name__}"
        )


def shape_check(expected, output, path: str = "output") -> None:
    """The course's ``shape_check``: every leaf with a ``.shape`` has the expected shape."""
    if isinstance(expected, dict):
        for key in expected:
            shape_check(expected[key], output[key], f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        for i, (e, o) in enumerate(zip(expected, output)):
            shape_check(e, o, f"{path}[{i}]")
    elif hasattr(expected, "shape"):
        assert np.shape(output) == expected.shape, (
            f"{path}: expected shape {expected.shape}, got {np.shape(output)}"
        )


def equation_output_check(expected, output, path: str = "output", *, atol: float = 1e-8, rtol: float = 0.0) -> None:
    """The course's ``equation_output_check`` with a tolerance suited to 8-digit literals."""
    if isinstance(expected, dict):
        assert set(output) == set(expected), f"{path}: keys {sorted(output)} != {sorted(expected)}"
        for key in expected:
            equation_output_check(expected[key], output[key], f"{path}[{key!r}]", atol=atol, rtol=rtol)
    elif isinstance(expected, (tuple, list)):
        assert len(output) == len(expected), f"{path}: expected length {len(expected)}, got {len(output)}"
        for i, (e, o) in enumerate(zip(expected, output)):
            equation_output_check(e, o, f"{path}[{i}]", atol=atol, rtol=rtol)
    elif hasattr(expected, "shape") or isinstance(expected, (float, np.floating)):
        np.testing.assert_allclose(output, expected, atol=atol, rtol=rtol, err_msg=path)
    else:
        assert output == expected, f"{path}: expected {expected!r}, got {output!r}"


def check_course_output(expected, output, *, atol: float = 1e-8, rtol: float = 0.0, types: bool = True) -> None:
    """All three course checks: types (optional), shapes, values."""
    if types:
        datatype_check(expected, output)
    shape_check(expected, output)
    equation_output_check(expected, output, atol=atol, rtol=rtol)


# --------------------------------------------------------------------------------------------
# Inputs are never mutated


def snapshot(value):
    """A deep copy of ``value`` to compare against after a call."""
    return copy.deepcopy(value)


def assert_same(before, after, path: str = "input") -> None:
    """Deep, exact equality (types, dtypes, shapes, values) of nested dicts/tuples/lists/arrays."""
    if isinstance(before, dict):
        assert isinstance(after, dict) and set(after) == set(before), f"{path}: keys changed"
        for key in before:
            assert_same(before[key], after[key], f"{path}[{key!r}]")
    elif isinstance(before, (tuple, list)):
        assert type(after) is type(before) and len(after) == len(before), f"{path}: container changed"
        for i, (b, a) in enumerate(zip(before, after)):
            assert_same(b, a, f"{path}[{i}]")
    elif isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{path}: no longer an ndarray"
        assert after.dtype == before.dtype and after.shape == before.shape, f"{path}: dtype/shape changed"
        assert np.array_equal(after, before, equal_nan=before.dtype.kind in "fc"), f"{path}: values changed"
    else:
        assert type(after) is type(before) and after == before, f"{path}: changed from {before!r} to {after!r}"


def call_without_mutation(function, *args, **kwargs):
    """Call ``function`` and assert that none of its arguments changed."""
    before = snapshot((args, kwargs))
    result = function(*args, **kwargs)
    assert_same(before, (args, kwargs), f"arguments of {function.__name__}")
    return result


# --------------------------------------------------------------------------------------------
# NumPy's global random state


def _same_state(a, b) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:])


@pytest.fixture(autouse=True)
def global_random_state_unchanged():
    """Every test (and every façade it calls) leaves NumPy's global random state as it found it."""
    before = np.random.get_state()
    yield
    after = np.random.get_state()
    if not _same_state(before, after):
        np.random.set_state(before)  # do not poison later tests
        pytest.fail("NumPy's global random state was changed by this test (restored now)")


@pytest.fixture
def global_seed():
    """``global_seed(n)`` runs ``np.random.seed(n)``; the previous global state is restored after."""
    saved = np.random.get_state()
    yield np.random.seed
    np.random.set_state(saved)


def randn(seed: int):
    """The course's ``np.random.seed(seed); np.random.randn`` stream, without the global state."""
    return np.random.RandomState(seed).randn


# --------------------------------------------------------------------------------------------
# Captured printouts

COST_LINE = re.compile(r"^Cost after iteration (\d+): (\S+)$")


def cost_lines(text: str) -> list[tuple[int, float]]:
    """``(iteration, cost)`` of every ``Cost after iteration i: c`` line; other lines must be absent."""
    out = []
    for line in text.splitlines():
        match = COST_LINE.match(line)
        if match:
            out.append((int(match.group(1)), float(match.group(2))))
    return out


# --------------------------------------------------------------------------------------------
# A published run on the cat images


def run_capturing(function, *args, **kwargs):
    """Call ``function`` with its arguments checked for mutation; return (result, printed text)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = call_without_mutation(function, *args, **kwargs)
    return result, out.getvalue()


def published_run(model, dims, cat_vectors) -> dict:
    """The application's published run: ``model`` (two_layer_model or L_layer_model) for 2500
    iterations with ``print_cost=True``, then ``predict`` on the training and the test set.

    Returns a dict: ``parameters`` (read-only arrays), ``costs``, ``printed``, and ``train`` /
    ``test``: ``(predictions, printed accuracy line)``.
    """
    from nnlab.course.app import predict

    train_x, train_y, test_x, test_y = cat_vectors
    (parameters, costs), printed = run_capturing(model, train_x, train_y, dims, num_iterations=2500, print_cost=True)
    for array in parameters.values():
        array.flags.writeable = False  # shared by several test files
    return {
        "parameters": parameters, "costs": costs, "printed": printed,
        "train": run_capturing(predict, train_x, train_y, parameters),
        "test": run_capturing(predict, test_x, test_y, parameters),
    }
