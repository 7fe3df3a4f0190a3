"""scikit-learn estimators over nnlab's Model and engine: ``NNClassifier`` and ``NNRegressor``.

Only this package imports scikit-learn; ``import nnlab`` works without it. Install the extra::

    pip install "nnlab[sklearn]"

>>> from nnlab.sklearn import NNClassifier
>>> NNClassifier(hidden_layer_sizes=(8,), max_iter=5)
NNClassifier(hidden_layer_sizes=(8,), max_iter=5)
"""

try:
    import sklearn  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised by a test that hides scikit-learn
    raise ImportError(
        "nnlab.sklearn needs scikit-learn, which is not installed: pip install 'nnlab[sklearn]' "
        "(or pip install scikit-learn)"
    ) from error

from ._estimators import NNClassifier, NNRegressor  # noqa: E402

__all__ = ["NNClassifier", "NNRegressor"]
