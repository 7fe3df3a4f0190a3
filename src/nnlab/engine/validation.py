"""Argument checks shared by the engine's public functions.

Every message names the argument, what was expected and what was received, so a user never
meets a bare NumPy broadcasting error.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "all_finite",
    "as_float_array",
    "check_finite",
    "check_int",
    "check_labels_in_range",
    "check_positive_int",
    "check_positive_number",
    "check_real",
    "describe",
]


def describe(value) -> str:
    """Short description of a received value for error messages."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{type(value).__name__} ({text})"


def as_float_array(value, name: str, *, ndim: int | None = 2, dtype=None) -> np.ndarray:
    """Return ``value`` as a floating-point array without copying when it already is one.

    Booleans and integers become float64 (or ``dtype``); the caller's array is never modified.

    Raises
    ------
    TypeError
        If ``value`` is not numeric.
    ValueError
        If ``value`` does not have ``ndim`` dimensions.
    """
    array = np.asarray(value)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must be a numeric array; got {describe(value)}")
    if np.issubdtype(array.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued; got {describe(value)}")
    if dtype is not None:
        array = array.astype(dtype, copy=False)
    elif not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {array.shape}")
    return array


def all_finite(array: np.ndarray) -> bool:
    """Whether every entry of a floating-point ``array`` is finite, in one pass when it is.

    A finite sum of squares has only finite terms (an infinite or NaN entry makes it infinite or
    NaN), and BLAS's dot product is the fastest pass NumPy has over an array; a non-contiguous
    array is summed instead, which proves the same. Only when the sum is not finite (a non-finite
    entry, or a sum beyond the dtype's range) are the entries looked at one by one. No mask is
    built and no copy made.

    The sum may overflow, and NumPy warns when it does: call this where ``np.errstate(over=
    "ignore", invalid="ignore")`` is in force (the training loop is; :func:`check_finite` sets it).
    """
    if array.flags.c_contiguous or array.flags.f_contiguous:
        flat = array if array.ndim == 1 else array.ravel(order="K")  # a view, in memory order
        total = np.dot(flat, flat)
    else:
        total = np.add.reduce(array, axis=None)
    return math.isfinite(total) or bool(np.isfinite(array).all())


def check_finite(array: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``array`` holds NaN or infinity, saying how many and where."""
    if array.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            if all_finite(array):
                return
    finite = np.isfinite(array)
    if not finite.all():
        bad = np.argwhere(~finite)
        raise ValueError(
            f"{name} must contain only finite values; got {bad.shape[0]} non-finite value(s), "
            f"the first at index {tuple(int(i) for i in bad[0])}"
        )


def check_labels_in_range(Y: np.ndarray, name: str, low: float, high: float | None) -> None:
    """Raise ``ValueError`` unless every label lies in ``[low, high]`` (``high=None``: no bound)."""
    check_finite(Y, name)
    outside = (Y < low) if high is None else (Y < low) | (Y > high)
    if outside.any():
        bound = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ValueError(
            f"{name} must hold labels {bound}; got {Y.flat[np.flatnonzero(outside)[0]]!r}"
        )


def check_int(value, name: str, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum``; bools and non-integers are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}; got {describe(value)}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return value


def check_real(value, name: str, *, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a finite float inside the given bounds (open or closed)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {describe(value)}")
    value = float(value)
    ok = math.isfinite(value)
    if low is not None:
        ok = ok and (value > low if low_open else value >= low)
    if high is not None:
        ok = ok and (value < high if high_open else value <= high)
    if not ok:
        left = "(" if low is None or low_open else "["
        right = ")" if high is None or high_open else "]"
        lo = "-inf" if low is None else repr(float(low))
        hi = "inf" if high is None else repr(float(high))
        raise ValueError(f"{name} must be a finite number in {left}{lo}, {hi}{right}; got {value!r}")
    return value


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int >= 1."""
    return check_int(value, name, 1)


def check_positive_number(value, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a finite float > 0 (``allow_zero``: >= 0)."""
    return check_real(value, name, low=0.0, low_open=not allow_zero)
