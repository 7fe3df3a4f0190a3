"""nnlab: the networks of *Neural Networks and Deep Learning*, from scratch in NumPy.

Layers of the code, arrows pointing one way: ``cli`` -> ``course`` / models -> ``engine``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nnlab")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
