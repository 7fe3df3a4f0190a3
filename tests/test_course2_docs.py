"""The examples of docs/course2.md run as doctests (a few seconds: short runs only)."""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np

from course_harness import global_random_state_unchanged  # noqa: F401  (autouse fixture)

DOC = Path(__file__).resolve().parents[1] / "docs" / "course2.md"


def test_course2_doc_examples():
    with np.printoptions(legacy=False):
        result = doctest.testfile(str(DOC), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 20
    assert result.failed == 0, f"{result.failed} of the examples in {DOC.name} failed (see the output above)"
