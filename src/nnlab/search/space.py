"""The search space: its dimensions (a choice, an int range, a float range) and their Optuna codec.

The TOML form of a space, and of the whole search configuration: ``docs/search/toml.md``.
Optuna's categorical choices must be hashable scalars, so tuple values (the ``hidden_layers``
choices) travel as strings: :func:`encode` turns ``(20, 7)`` into ``"20,7"`` (and ``()`` into
``""``), :func:`decode` turns them back.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..config import Hyperparameters
from ..engine.validation import describe
from ..errors import NNLabError

__all__ = [
    "ConfigError",
    "Choice",
    "Dimension",
    "FloatRange",
    "IntRange",
    "Range",
    "decode",
    "encode",
    "grid_size",
    "jsonable",
    "optuna_distributions",
    "optuna_grid",
    "space_keys",
    "FIELDS",
    "FLOAT_FIELDS",
    "OPTIONAL_FIELDS",
    "TUPLE_FIELDS",
]

FIELDS = {f.name: f for f in dataclasses.fields(Hyperparameters)}
#: Fields whose default is None: "none" (or None) is one of their values.
OPTIONAL_FIELDS = frozenset(name for name, f in FIELDS.items() if f.default is None)
#: Fields holding a tuple (hidden_layers): encoded as "20,7" for Optuna.
TUPLE_FIELDS = frozenset(name for name, f in FIELDS.items() if isinstance(f.default, tuple))
#: Fields holding a float: a range over them is a float range unless ``type = "int"``.
FLOAT_FIELDS = frozenset(name for name, f in FIELDS.items() if str(f.type).startswith("float"))


class ConfigError(NNLabError):
    """A search configuration is malformed or invalid; one line naming the file and the key path."""


# ---------------------------------------------------------------------------
# Dimensions
# ---------------------------------------------------------------------------


class Dimension:
    """One searched hyperparameter: a :class:`Choice`, an :class:`IntRange` or a :class:`FloatRange`."""

    __slots__ = ()

    def to_dict(self) -> Any:
        """The JSON-ready TOML form: a list for a choice, a ``{low, high, log, type}`` table for a range."""
        raise NotImplementedError


@dataclass(frozen=True)
class Choice(Dimension):
    """A finite set of values (a TOML list or ``{ choice = [...] }``): a grid axis or a categorical.

    ``values`` hold validated Hyperparameters values (``hidden_layers`` choices as tuples of ints,
    None for ``"none"``), distinct, in the file's order.
    """

    values: tuple

    def __len__(self) -> int:
        return len(self.values)

    def to_dict(self) -> list:
        return [jsonable(v) for v in self.values]


@dataclass(frozen=True)
class Range(Dimension):
    """Numbers ``low <= x <= high``, on a log scale when ``log``: an :class:`IntRange` or a :class:`FloatRange`."""

    low: float
    high: float
    log: bool = False
    TYPE: ClassVar[str] = ""

    def to_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "log": self.log, "type": self.TYPE}


class IntRange(Range):
    """Integers ``low <= n <= high``, on a log scale when ``log``."""

    TYPE = "int"


class FloatRange(Range):
    """Real numbers ``low <= x <= high``, on a log scale when ``log``."""

    TYPE = "float"


# ---------------------------------------------------------------------------
# Optuna interop
# ---------------------------------------------------------------------------


def encode(name: str, value):
    """A value as Optuna stores it: tuples and lists (``hidden_layers``) become ``"20,7"`` (``()``: ``""``).

    Other values (numbers, strings, booleans, None) are returned unchanged.
    """
    if isinstance(value, (tuple, list)):
        return ",".join(str(int(v)) for v in value)
    return value


def decode(name: str, value):
    """The Hyperparameters value of an Optuna value: ``"20,7"`` becomes ``(20, 7)`` for ``hidden_layers``.

    Lists become tuples; an int for ``hidden_layers`` (from an int range) stays an int, which
    Hyperparameters reads as one hidden layer. Other values are returned unchanged.

    Raises
    ------
    ConfigError
        If a ``hidden_layers`` string is not comma-separated integers.
    """
    if name in TUPLE_FIELDS:
        if isinstance(value, str):
            if not value.strip():
                return ()
            try:
                return tuple(int(part) for part in value.split(","))
            except ValueError:
                raise ConfigError(
                    f"{name}: cannot decode {value!r}; expected layer sizes like '20,7' (or '' for none)"
                ) from None
        if isinstance(value, list):
            return tuple(value)
    return value


def optuna_distributions(space: Mapping[str, Dimension]) -> dict:
    """Optuna distributions of a space, in its order.

    A :class:`Choice` becomes a ``CategoricalDistribution`` of encoded values (see :func:`encode`),
    an :class:`IntRange` an ``IntDistribution`` and a :class:`FloatRange` a ``FloatDistribution``
    (``log`` kept).

    Returns
    -------
    dict of str -> optuna.distributions.BaseDistribution
    """
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    distributions = {}
    for name, dimension in space.items():
        if isinstance(dimension, Choice):
            distributions[name] = CategoricalDistribution([encode(name, v) for v in dimension.values])
        elif isinstance(dimension, IntRange):
            distributions[name] = IntDistribution(dimension.low, dimension.high, log=dimension.log)
        elif isinstance(dimension, FloatRange):
            distributions[name] = FloatDistribution(dimension.low, dimension.high, log=dimension.log)
        else:
            raise ConfigError(f"space.{name}: not a Dimension; got {describe(dimension)}")
    return distributions


def optuna_grid(space: Mapping[str, Dimension]) -> dict[str, list]:
    """The search space of Optuna's ``GridSampler``: each name to its encoded values.

    Raises
    ------
    ConfigError
        If a dimension is a range (the message names every range dimension).
    """
    ranges = [name for name, dimension in space.items() if not isinstance(dimension, Choice)]
    if ranges:
        raise ConfigError(
            f"{space_keys(ranges)}: a grid search needs every [space] entry to be a list of values; "
            f"{'this is a range' if len(ranges) == 1 else 'these are ranges'} (use strategy random or tpe)"
        )
    return {name: [encode(name, v) for v in dimension.values] for name, dimension in space.items()}


def grid_size(space: Mapping[str, Dimension]) -> int | None:
    """The number of grid points of ``space`` (the product of its choices' lengths); None if any range."""
    if not all(isinstance(d, Choice) for d in space.values()):
        return None
    return math.prod(len(d.values) for d in space.values())


def space_keys(names) -> str:
    """``space.a, space.b``: the key paths of ``names``, for messages."""
    return ", ".join(f"space.{name}" for name in names)


def jsonable(value):
    """A value as JSON holds it: tuples (``hidden_layers``) as lists."""
    return list(value) if isinstance(value, tuple) else value

