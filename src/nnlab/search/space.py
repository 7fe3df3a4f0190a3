"""The search configuration: a TOML file describing a hyperparameter search, as frozen dataclasses.

A search names its data, how the data is split, the strategy that proposes trials, where the
trials run, the hyperparameters held fixed and the space searched. Every name in ``[fixed]`` and
``[space]`` is a field of :class:`nnlab.config.Hyperparameters`, and every value is checked by
building one, so a typo or an impossible value fails when the file is read, not hours into the
search. Every problem raises :class:`ConfigError`, one line naming the file and the key path::

    flower.toml: space.learning_rate: low (1.0) > high (0.1)

The layout, every key shown (``nnlab search`` reads it with :func:`load_search_config`):

.. code-block:: toml

    [data]
    source = "flower"        # a built-in name, or a .csv/.npz/.h5/.hdf5 path (relative paths
                             # resolve against this file's folder)
    # label = "species"      # optional, CSV files only: the label column
    # layout = "rows"        # optional, NPZ files only: "columns" (default) or "rows"
    seed = 1                 # optional, built-in generators only (flower, moons, ...)

    [split]                  # fractions of all examples, stratified by class
    dev = 0.2                # default 0.2; must be > 0: the dev set scores every trial
    test = 0.2               # default 0.2; may be 0
    seed = 0                 # default 0

    [search]
    strategy = "tpe"         # grid | random | tpe; default: grid when every [space] entry is
                             # a list, else tpe
    trials = 40              # grid: defaults to (and is capped at) the grid size;
                             # random / tpe: required
    metric = "accuracy"      # "accuracy": the dev metric (accuracy, or R² for regression),
                             # maximized (default); "cost": the dev cost, minimized
    seed = 0                 # the sampler's seed; each trial's model seed derives from it;
                             # default 0
    epochs = 2000            # optional: the budget per trial (overrides fixed.epochs)

    [executor]
    kind = "processes"       # serial (default) | processes | dask
    jobs = 2                 # processes: worker processes (default: the usable CPUs);
                             # serial: 1; dask: ignored
    # scheduler = "tcp://127.0.0.1:8786"   # dask only (else the runner reads
                                           # DASK_SCHEDULER_ADDRESS)

    [fixed]                  # any Hyperparameters field except seed, the same in every trial
    optimizer = "adam"
    standardize = true
    batch_size = "none"      # "none" sets an optional field to None (here: full batch)

    [space]                  # any Hyperparameters field except seed, dtype, verbose
    hidden_layers = [[4], [20, 7], []]                       # a list: a grid / categorical choice
    activation = ["tanh", "relu"]                            # ([] is logistic regression)
    learning_rate = { low = 1e-4, high = 0.1, log = true }   # a float range
    l2 = { low = 0, high = 1 }                               # float: l2 is a float field
    epsilon = { choice = [1e-8, 1e-7] }                      # an explicit choice
    patience = { low = 5, high = 50, type = "int" }          # an int range

A ``[space]`` entry is one of

* a list of values (a :class:`Choice`): every value must be a valid value of the field;
  ``hidden_layers`` choices are lists of layer sizes (``[[20], [7]]`` is one layer of 20 or of
  7 units, ``[[20, 7]]`` two layers); ``"none"`` stands for None in an optional field
  (``batch_size = ["none", 32]``);
* ``{ choice = [...] }``, the same written as a table;
* ``{ low, high, log = false, type }``, a range (:class:`IntRange` or :class:`FloatRange`):
  ``type`` is ``"int"`` or ``"float"``; without it a range is ``int`` when both bounds are
  integers and the field is not a float field (``l2 = { low = 0, high = 1 }`` is a float range),
  ``float`` otherwise. ``log = true`` samples on a log scale and needs ``low > 0``.

Two examples. The course's week 3 question, how many hidden units the flower needs
(``examples/flower.toml``):

.. code-block:: toml

    # How many tanh units does the planar flower need? (course week 3: 1, 2, 3, 4, 5, 20, 50)
    [data]
    source = "flower"

    [split]
    dev = 0.2
    test = 0.2
    seed = 0

    [search]
    strategy = "grid"          # 7 sizes x 2 learning rates = 14 trials
    metric = "accuracy"
    epochs = 5000

    [executor]
    kind = "processes"
    jobs = 2

    [fixed]
    activation = "tanh"
    optimizer = "gd"

    [space]
    hidden_layers = [[1], [2], [3], [4], [5], [20], [50]]
    learning_rate = [0.5, 1.2]

The course's week 4 cat classifier, searched around its ``[12288, 20, 7, 5, 1]`` network
(``examples/cat.toml``; the course's images live in ``../shared/data`` next to the project):

.. code-block:: toml

    # Cat / non-cat (course week 4): Adam, dropout and L2 around the deep network.
    [data]
    source = "../../shared/data/catvnoncat/train_catvnoncat.h5"

    [split]
    dev = 0.25
    test = 0.0                 # the course's test_catvnoncat.h5 stays for the final estimate
    seed = 0

    [search]
    strategy = "tpe"
    trials = 30
    metric = "accuracy"
    seed = 0
    epochs = 300

    [executor]
    kind = "processes"
    jobs = 4

    [fixed]
    activation = "relu"
    optimizer = "adam"
    standardize = false        # pixels are already scaled to [0, 1]

    [space]
    hidden_layers = [[20, 7, 5], [20, 7], [7], []]
    learning_rate = { low = 1e-4, high = 1e-2, log = true }
    batch_size = { low = 16, high = 128, log = true }
    l2 = { low = 1e-4, high = 1.0, log = true }
    keep_prob = { choice = [0.8, 0.9, 1.0] }

Optuna interop: :func:`optuna_distributions` and :func:`optuna_grid` turn the space into
Optuna's terms. Optuna's categorical choices must be hashable scalars, so tuple values (the
``hidden_layers`` choices) travel as strings: :func:`encode` turns ``(20, 7)`` into ``"20,7"``
(and ``()`` into ``""``), :func:`decode` turns them back; :meth:`SearchConfig.hyperparameters`
decodes a trial's parameters and builds its :class:`~nnlab.config.Hyperparameters`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import numbers
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Hyperparameters
from ..data.loaders import BUILTIN_DATASETS, DATA_EXTENSIONS, GENERATORS, LAYOUTS
from ..engine.validation import check_int, check_real, describe
from ..errors import NNLabError

__all__ = [
    "ConfigError",
    "Choice",
    "Dimension",
    "FloatRange",
    "IntRange",
    "SearchConfig",
    "decode",
    "encode",
    "load_search_config",
    "optuna_distributions",
    "optuna_grid",
    "parse_search_config",
    "EXECUTORS",
    "METRICS",
    "STRATEGIES",
]

STRATEGIES = ("grid", "random", "tpe")
#: Each metric and the direction in which it improves.
METRICS = {"accuracy": "maximize", "cost": "minimize"}
EXECUTORS = ("serial", "processes", "dask")

#: The keys of each section; None: any Hyperparameters field.
SECTIONS: dict[str, tuple[str, ...] | None] = {
    "data": ("source", "label", "layout", "seed"),
    "split": ("dev", "test", "seed"),
    "search": ("strategy", "trials", "metric", "seed", "epochs"),
    "executor": ("kind", "jobs", "scheduler"),
    "fixed": None,
    "space": None,
}
RANGE_KEYS = ("low", "high", "log", "type")
RANGE_TYPES = ("int", "float")
DEFAULT_DEV = 0.2
DEFAULT_TEST = 0.2
#: The string that stands for None in an optional field (TOML has no null).
NONE = "none"

_FIELDS = {f.name: f for f in dataclasses.fields(Hyperparameters)}
#: Fields whose default is None: "none" (or None) is one of their values.
_OPTIONAL = frozenset(name for name, f in _FIELDS.items() if f.default is None)
#: Fields holding a tuple (hidden_layers): encoded as "20,7" for Optuna.
_TUPLE_FIELDS = frozenset(name for name, f in _FIELDS.items() if isinstance(f.default, tuple))
#: Fields holding a float: a range over them is a float range unless ``type = "int"``.
_FLOAT_FIELDS = frozenset(name for name, f in _FIELDS.items() if str(f.type).startswith("float"))
#: Fields that cannot be searched, and why.
_NOT_SEARCHABLE = {
    "seed": "every trial's seed comes from [search].seed",
    "dtype": "trials are only comparable under one dtype; set it in [fixed]",
    "verbose": "it changes output, not the model; set it in [fixed]",
}
_NOT_FIXABLE = {"seed": "every trial's seed comes from [search].seed; set it there"}


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
        return [_jsonable(v) for v in self.values]


@dataclass(frozen=True)
class IntRange(Dimension):
    """Integers ``low <= n <= high``, on a log scale when ``log``."""

    low: int
    high: int
    log: bool = False

    def to_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "log": self.log, "type": "int"}


@dataclass(frozen=True)
class FloatRange(Dimension):
    """Real numbers ``low <= x <= high``, on a log scale when ``log``."""

    low: float
    high: float
    log: bool = False

    def to_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "log": self.log, "type": "float"}


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
    if name in _TUPLE_FIELDS:
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
            f"{_keys(ranges)}: a grid search needs every [space] entry to be a list of values; "
            f"{'this is a range' if len(ranges) == 1 else 'these are ranges'} (use strategy random or tpe)"
        )
    return {name: [encode(name, v) for v in dimension.values] for name, dimension in space.items()}


# ---------------------------------------------------------------------------
# The configuration
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchConfig:
    """A validated search configuration (see the module docstring for the TOML form).

    Attributes
    ----------
    source : str
        A built-in data set name, or the data file's absolute path.
    label, layout, data_seed
        :func:`nnlab.data.load_data`'s ``label`` (CSV), ``layout`` (NPZ) and ``seed``
        (built-in generators); ``layout`` is ``"columns"`` unless given.
    dev, test, split_seed
        :func:`nnlab.data.train_dev_test_split`'s fractions (``dev > 0``) and seed.
    strategy : {"grid", "random", "tpe"}
    trials : int
        The number of trials (for grid, at most the grid size).
    metric : {"accuracy", "cost"}
        What a trial reports: the dev metric (maximized) or the dev cost (minimized).
    seed : int
        The sampler's seed.
    epochs : int or None
        The epoch budget of every trial (overrides ``fixed["epochs"]``); None: the fixed or
        searched value.
    executor : {"serial", "processes", "dask"}
    jobs : int
        Worker processes (processes), 1 (serial), as given or 1 (dask, ignored).
    scheduler : str or None
        The Dask scheduler's address (dask only).
    fixed : dict
        Validated Hyperparameters values held fixed.
    space : dict of str -> Dimension
        The searched hyperparameters, in the file's order.
    path : Path or None
        The TOML file, when read from one.
    """

    source: str
    label: str | None
    layout: str
    data_seed: int | None
    dev: float
    test: float
    split_seed: int
    strategy: str
    trials: int
    metric: str
    seed: int
    epochs: int | None
    executor: str
    jobs: int
    scheduler: str | None
    fixed: dict
    space: dict
    path: Path | None = None

    @property
    def direction(self) -> str:
        """``"maximize"`` for the accuracy metric, ``"minimize"`` for the cost."""
        return METRICS[self.metric]

    @property
    def grid_size(self) -> int | None:
        """The number of grid points (the product of the choices' lengths); None if any range."""
        return _grid_size(self.space)

    def to_dict(self) -> dict:
        """JSON-ready sections as in the TOML file, with defaults filled in (no ``path``).

        ``parse_search_config(config.to_dict())`` gives the same configuration back (without
        the path).
        """
        return {
            "data": {"source": self.source, "label": self.label, "layout": self.layout, "seed": self.data_seed},
            "split": {"dev": self.dev, "test": self.test, "seed": self.split_seed},
            "search": {"strategy": self.strategy, "trials": self.trials, "metric": self.metric,
                       "seed": self.seed, "epochs": self.epochs},
            "executor": {"kind": self.executor, "jobs": self.jobs, "scheduler": self.scheduler},
            "fixed": {name: _jsonable(value) for name, value in self.fixed.items()},
            "space": {name: dimension.to_dict() for name, dimension in self.space.items()},
        }

    def hyperparameters(self, params: Mapping[str, Any], seed: int) -> Hyperparameters:
        """The hyperparameters of one trial: ``fixed`` ∪ decoded ``params`` ∪ the epoch budget ∪ ``seed``.

        Parameters
        ----------
        params : dict
            One value per [space] name, as Optuna reports them (encoded) or decoded.
        seed : int
            The trial's model seed.

        Raises
        ------
        ConfigError
            If ``params`` does not name exactly the [space] entries, or the combination is not
            a valid Hyperparameters (the message quotes the params).
        """
        where = _where(self.path)
        params = dict(params)
        unknown = [name for name in params if name not in self.space]
        missing = [name for name in self.space if name not in params]
        if unknown or missing:
            problems = ([f"unknown {unknown}"] if unknown else []) + ([f"missing {missing}"] if missing else [])
            raise ConfigError(
                f"{where}: space: trial parameters {params} do not match the space "
                f"{list(self.space)}: {', '.join(problems)}"
            )
        values = dict(self.fixed)
        try:
            values.update({name: decode(name, value) for name, value in params.items()})
        except ConfigError as exc:
            raise ConfigError(f"{where}: space.{exc}") from None
        if self.epochs is not None:
            values["epochs"] = self.epochs
        values["seed"] = seed
        try:
            return Hyperparameters(**values)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: space: trial parameters {params}: {exc}") from None


def load_search_config(path) -> SearchConfig:
    """Read and validate a search configuration TOML file.

    Relative data paths resolve against the file's folder.

    Raises
    ------
    ConfigError
        If the file is missing, not UTF-8, malformed TOML (with tomllib's line and column), or
        invalid (see :func:`parse_search_config`).
    """
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise ConfigError(f"expected a path to a search configuration (.toml); got {describe(path)}") from None
    if not path.exists():
        raise ConfigError(f"{path}: no such file")
    if not path.is_file():
        raise ConfigError(f"{path}: expected a TOML file; found a directory or special file")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; expected a TOML file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from None
    return parse_search_config(mapping, path=path)


def parse_search_config(mapping: Mapping, path=None) -> SearchConfig:
    """Validate a search configuration given as nested mappings (parsed TOML, or ``to_dict()``).

    Parameters
    ----------
    mapping : Mapping
        Sections ``data``, ``split``, ``search``, ``executor``, ``fixed`` and ``space``; ``data``
        (with ``source``) and ``space`` are required. Outside ``fixed`` and ``space`` a None value
        counts as absent.
    path : str, os.PathLike or None
        The file it came from: named in messages, and the folder relative data paths resolve
        against (None: the current directory).

    Raises
    ------
    ConfigError
        On any invalid section, key or value; the message names the key path.
    """
    return _Parser(None if path is None else Path(os.fspath(path))).parse(mapping)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------


def _where(path: Path | None) -> str:
    return "search config" if path is None else str(path)


def _keys(names) -> str:
    return ", ".join(f"space.{name}" for name in names)


def _jsonable(value):
    return list(value) if isinstance(value, tuple) else value


def _grid_size(space: Mapping[str, Dimension]) -> int | None:
    if not all(isinstance(d, Choice) for d in space.values()):
        return None
    return math.prod(len(d.values) for d in space.values())


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Parser:
    """Checks one configuration; ``fail`` raises the ConfigError naming the file and key path."""

    def __init__(self, path: Path | None):
        self.path = path
        self.where = _where(path)

    def fail(self, key: str, message: str):
        raise ConfigError(f"{self.where}: {key}: {message}")

    # -- sections ----------------------------------------------------------

    def parse(self, mapping) -> SearchConfig:
        if not isinstance(mapping, Mapping):
            raise ConfigError(f"{self.where}: expected a table of sections {list(SECTIONS)}; got {describe(mapping)}")
        unknown = [k for k in mapping if k not in SECTIONS]
        if unknown:
            k = unknown[0]
            self.fail(k, f"unknown section{_suggest(k, SECTIONS)}; the sections are {list(SECTIONS)}")
        if mapping.get("data") is None:
            self.fail("data", 'missing section [data]; it needs source = "<built-in name or data file>"')
        if mapping.get("space") is None:
            self.fail("space", "missing section [space]; name at least one hyperparameter to search")
        data = self.section(mapping, "data")
        split = self.section(mapping, "split")
        search = self.section(mapping, "search")
        executor = self.section(mapping, "executor")
        fixed = self.fixed(self.table(mapping, "fixed"))
        space = self.space(self.table(mapping, "space"), fixed, search.get("epochs"))
        source, label, layout, data_seed = self.data(data)
        dev, test, split_seed = self.split(split)
        strategy, trials, metric, seed, epochs = self.search(search, space)
        kind, jobs, scheduler = self.executor(executor)
        return SearchConfig(
            source=source, label=label, layout=layout, data_seed=data_seed,
            dev=dev, test=test, split_seed=split_seed,
            strategy=strategy, trials=trials, metric=metric, seed=seed, epochs=epochs,
            executor=kind, jobs=jobs, scheduler=scheduler,
            fixed=fixed, space=space, path=self.path,
        )

    def table(self, mapping, name: str) -> dict:
        value = mapping.get(name)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(name, f"expected a table [{name}]; got {describe(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(name, f"keys must be strings; got {describe(key)}")
        return dict(value)

    def section(self, mapping, name: str) -> dict:
        """A fixed-key section without its None values; unknown keys fail, listing the allowed ones."""
        values = {k: v for k, v in self.table(mapping, name).items() if v is not None}
        allowed = SECTIONS[name]
        for key in values:
            if key not in allowed:
                self.fail(f"{name}.{key}", f"unknown key{_suggest(key, allowed)}; [{name}] takes {list(allowed)}")
        return values

    # -- checks --------------------------------------------------------------

    def int_(self, key: str, value, minimum: int) -> int:
        try:
            return check_int(value, key.rsplit(".", 1)[-1], minimum)
        except (TypeError, ValueError) as exc:
            self.fail(key, str(exc))

    def real(self, key: str, value, **bounds) -> float:
        try:
            return check_real(value, key.rsplit(".", 1)[-1], **bounds)
        except (TypeError, ValueError) as exc:
            self.fail(key, str(exc))

    def one_of(self, key: str, value, allowed) -> str:
        if not isinstance(value, str) or value not in allowed:
            hint = _suggest(value, allowed) if isinstance(value, str) else ""
            self.fail(key, f"must be one of {list(allowed)}; got {describe(value)}{hint}")
        return value

    def string(self, key: str, value) -> str:
        if not isinstance(value, str) or not value:
            self.fail(key, f"expected a non-empty string; got {describe(value)}")
        return value

    def build(self, key: str, values: dict) -> Hyperparameters:
        try:
            return Hyperparameters(**values)
        except (TypeError, ValueError) as exc:
            self.fail(key, str(exc))

    # -- [data] [split] [search] [executor] -----------------------------------

    def data(self, data: dict):
        if "source" not in data:
            self.fail("data.source", 'missing; give a built-in name such as "flower" or a .csv/.npz/.h5 file')
        source = self.string("data.source", data["source"])
        if source in BUILTIN_DATASETS:
            kind = "builtin"
        else:
            kind = DATA_EXTENSIONS.get(Path(source).suffix.lower())
            if kind is None:
                self.fail(
                    "data.source",
                    f"{source!r} is neither a built-in data set{_suggest(source, BUILTIN_DATASETS)} nor a "
                    f"{'/'.join(DATA_EXTENSIONS)} file; built-in names: {sorted(BUILTIN_DATASETS)}",
                )
            file = Path(source).expanduser()
            if not file.is_absolute():
                file = (self.path.parent if self.path is not None else Path.cwd()) / file
            file = file.resolve()
            if not file.is_file():
                relative = f" (relative to {self.path.parent.resolve()})" if self.path and not Path(source).is_absolute() else ""
                self.fail("data.source", f"no such file {str(file)!r}{relative}")
            source = str(file)
        label = data.get("label")
        if label is not None:
            self.string("data.label", label)
            if kind != "csv":
                self.fail("data.label", f"applies to CSV files only; the source {source!r} is not one")
        layout = self.one_of("data.layout", data.get("layout", "columns"), LAYOUTS)
        if layout != "columns" and kind != "npz":
            self.fail("data.layout", f"applies to NPZ files only; the source {source!r} is not one")
        seed = data.get("seed")
        if seed is not None:
            seed = self.int_("data.seed", seed, 0)
            if source not in GENERATORS:
                self.fail(
                    "data.seed",
                    f"applies to the built-in generators only ({', '.join(GENERATORS)}); "
                    f"the source {source!r} is fixed data",
                )
        return source, label, layout, seed

    def split(self, split: dict):
        dev = self.real("split.dev", split.get("dev", DEFAULT_DEV), low=0.0, high=1.0, high_open=True)
        test = self.real("split.test", split.get("test", DEFAULT_TEST), low=0.0, high=1.0, high_open=True)
        if dev == 0:
            self.fail("split.dev", "must be > 0: a search scores every trial on the dev set")
        if dev + test >= 1:
            self.fail("split", f"dev ({dev}) + test ({test}) must be < 1 to leave training examples")
        seed = self.int_("split.seed", split.get("seed", 0), 0)
        return dev, test, seed

    def search(self, search: dict, space: dict):
        grid_size = _grid_size(space)
        default = "grid" if grid_size is not None else "tpe"
        strategy = self.one_of("search.strategy", search.get("strategy", default), STRATEGIES)
        trials = search.get("trials")
        if strategy == "grid":
            ranges = [name for name, d in space.items() if not isinstance(d, Choice)]
            if ranges:
                self.fail(
                    "search.strategy",
                    f"grid needs every [space] entry to be a list of values; {_keys(ranges)} "
                    f"{'is a range' if len(ranges) == 1 else 'are ranges'} (use random or tpe)",
                )
            if trials is None:
                trials = grid_size
            trials = self.int_("search.trials", trials, 1)
            if trials > grid_size:
                sizes = " x ".join(f"{len(d.values)} {name}" for name, d in space.items())
                self.fail("search.trials", f"{trials} exceeds the grid size {grid_size} ({sizes})")
        else:
            if trials is None:
                self.fail("search.trials", f"required for strategy {strategy!r}: how many trials to run")
            trials = self.int_("search.trials", trials, 1)
        metric = self.one_of("search.metric", search.get("metric", "accuracy"), METRICS)
        seed = self.int_("search.seed", search.get("seed", 0), 0)
        epochs = search.get("epochs")
        if epochs is not None:
            epochs = self.int_("search.epochs", epochs, 1)
        return strategy, trials, metric, seed, epochs

    def executor(self, executor: dict):
        kind = self.one_of("executor.kind", executor.get("kind", "serial"), EXECUTORS)
        jobs = executor.get("jobs")
        if jobs is not None:
            jobs = self.int_("executor.jobs", jobs, 1)
        if kind == "serial":
            if jobs not in (None, 1):
                self.fail("executor.jobs", f'the serial executor runs one trial at a time; got {jobs} (use kind = "processes")')
            jobs = 1
        elif kind == "processes" and jobs is None:
            jobs = _usable_cpus()
        elif jobs is None:
            jobs = 1
        scheduler = executor.get("scheduler")
        if scheduler is not None:
            scheduler = self.string("executor.scheduler", scheduler)
            if kind != "dask":
                self.fail("executor.scheduler", f'applies to kind = "dask" only; kind is {kind!r}')
        return kind, jobs, scheduler

    # -- [fixed] [space] ------------------------------------------------------

    def field(self, section: str, name: str, reasons: dict) -> str:
        key = f"{section}.{name}"
        if name not in _FIELDS:
            self.fail(key, f"not a hyperparameter{_suggest(name, _FIELDS)}; the hyperparameters are {list(_FIELDS)}")
        if name in reasons:
            self.fail(key, f"cannot be in [{section}]: {reasons[name]}")
        return key

    def none(self, name: str, value):
        """``"none"`` as None in an optional field."""
        if name in _OPTIONAL and (value is None or (isinstance(value, str) and value.lower() == NONE)):
            return None
        return value

    def fixed(self, table: dict) -> dict:
        fixed = {}
        for name, value in table.items():
            key = self.field("fixed", name, _NOT_FIXABLE)
            fixed[name] = getattr(self.build(key, {name: self.none(name, value)}), name)
        self.build("fixed", fixed)
        return fixed

    def space(self, table: dict, fixed: dict, epochs) -> dict:
        if not table:
            self.fail("space", "empty; name at least one hyperparameter to search")
        space = {}
        for name, raw in table.items():
            key = self.field("space", name, _NOT_SEARCHABLE)
            if name in fixed:
                self.fail(key, "also set in [fixed]; a hyperparameter is either fixed or searched")
            if name == "epochs" and epochs is not None:
                self.fail(key, "[search].epochs sets every trial's budget; remove one of the two")
            space[name] = self.dimension(key, name, raw, fixed)
        return space

    def dimension(self, key: str, name: str, raw, fixed: dict) -> Dimension:
        if isinstance(raw, (list, tuple)):
            return self.choice(key, name, raw, fixed)
        if isinstance(raw, Mapping):
            if "choice" in raw:
                extra = [k for k in raw if k != "choice"]
                if extra:
                    self.fail(key, f"a {{ choice = [...] }} table takes no other key; got also {extra}")
                values = raw["choice"]
                if not isinstance(values, (list, tuple)):
                    self.fail(f"{key}.choice", f"expected a list of values; got {describe(values)}")
                return self.choice(f"{key}.choice", name, values, fixed)
            return self.range(key, name, raw, fixed)
        self.fail(
            key,
            f"expected a list of values, a range {{ low = ..., high = ... }} or {{ choice = [...] }}; "
            f"got {describe(raw)} (to hold a value fixed, put it in [fixed])",
        )

    def choice(self, key: str, name: str, raw, fixed: dict) -> Choice:
        if not raw:
            self.fail(key, "empty list; give at least one value")
        values = []
        for i, value in enumerate(raw):
            item = f"{key}[{i}]"
            if name in _TUPLE_FIELDS and not isinstance(value, (list, tuple)):
                self.fail(
                    item,
                    f"each choice is a list of layer sizes; got {describe(value)} "
                    f"(write [[20], [7]] for one layer of 20 or of 7 units, [[20, 7]] for two layers)",
                )
            value = getattr(self.build(item, {**fixed, name: self.none(name, value)}), name)
            for j, seen in enumerate(values):
                if type(seen) is type(value) and seen == value:
                    self.fail(item, f"duplicate of {key}[{j}] ({_jsonable(value)!r})")
            values.append(value)
        return Choice(tuple(values))

    def range(self, key: str, name: str, raw: Mapping, fixed: dict) -> Dimension:
        unknown = [k for k in raw if k not in RANGE_KEYS]
        if unknown:
            self.fail(
                key,
                f"unknown range key(s) {unknown}; a range takes {list(RANGE_KEYS)} "
                "(or write { choice = [...] } or a list)",
            )
        missing = [k for k in ("low", "high") if raw.get(k) is None]
        if missing:
            self.fail(key, f"a range needs low and high; missing {' and '.join(missing)}")
        low, high = raw["low"], raw["high"]
        for bound, value in (("low", low), ("high", high)):
            if not _is_number(value) or not math.isfinite(value):
                self.fail(f"{key}.{bound}", f"expected a finite number; got {describe(value)}")
        log = raw.get("log", False)
        if not isinstance(log, bool):
            self.fail(f"{key}.log", f"expected true or false; got {describe(log)}")
        kind = raw.get("type")
        if kind is None:
            kind = "int" if _is_int(low) and _is_int(high) and name not in _FLOAT_FIELDS else "float"
        kind = self.one_of(f"{key}.type", kind, RANGE_TYPES)
        if kind == "int":
            for bound, value in (("low", low), ("high", high)):
                if not _is_int(value):
                    self.fail(f"{key}.{bound}", f'type = "int" needs integer bounds; got {value!r}')
            low, high = int(low), int(high)
        else:
            low, high = float(low), float(high)
        if low > high:
            self.fail(key, f"low ({low}) > high ({high})")
        if log and low <= 0:
            self.fail(f"{key}.low", f"a log range needs low > 0; got {low}")
        for bound, value in (("low", low), ("high", high)):
            self.build(f"{key}.{bound}", {**fixed, name: value})
        return IntRange(low, high, log) if kind == "int" else FloatRange(low, high, log)


def _usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)
