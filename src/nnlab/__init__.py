"""nnlab: the networks of *Neural Networks and Deep Learning*, from scratch in NumPy.

Layers of the code, arrows pointing one way: ``cli`` -> ``model`` / ``course`` -> ``engine``.

>>> from nnlab import Model, Hyperparameters
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nnlab")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from .config import Hyperparameters  # noqa: E402  (after __version__, which io reads)
from .model import Model  # noqa: E402

__all__ = ["Hyperparameters", "Model", "__version__"]
