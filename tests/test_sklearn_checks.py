"""scikit-learn's own estimator checks, run on both estimators (no expected failures)."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn", reason="the sklearn extra is not installed")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from nnlab.sklearn import NNClassifier, NNRegressor  # noqa: E402

# Small networks and few epochs keep the ~100 checks fast; the checks' own data are small.
ESTIMATORS = [
    NNClassifier(hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=0.01),
    NNRegressor(hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=0.01),
]

EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda e: EXPECTED_FAILURES.get(type(e).__name__, {}))
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
