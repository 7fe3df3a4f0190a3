"""The search configuration: one frozen :class:`SearchConfig`, read from a TOML file.

The TOML layout, every key with its default and two examples: ``docs/search/toml.md``. The
rules that check each section live in :mod:`nnlab.search.parser`; every problem is one
:class:`ConfigError` line naming the file and the key path.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Hyperparameters
from ..data.checks import existing_file
from .pruning import PrunerConfig
from .space import ConfigError, decode, grid_size, jsonable

__all__ = [
    "ConfigError",
    "SearchConfig",
    "load_search_config",
    "parse_search_config",
    "where",
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
    "search": ("strategy", "trials", "metric", "seed", "epochs", "startup_trials", "pruner"),
    "pruner": ("interval", "min_resource", "reduction_factor", "warmup", "startup_trials"),
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


@dataclass(frozen=True)
class SearchConfig:
    """A validated search configuration (its TOML form: ``docs/search/toml.md``).

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
    jobs : int or None
        Worker processes (processes), as given; None: the executor's default (processes: one
        per usable CPU, see :func:`~nnlab.search.executors.process_count`). Serial takes 1 or
        None; Dask ignores it.
    scheduler : str or None
        The Dask scheduler's address (dask only).
    fixed : dict
        Validated Hyperparameters values held fixed.
    space : dict of str -> Dimension
        The searched hyperparameters, in the file's order.
    path : Path or None
        The TOML file, when read from one.
    startup_trials : int or None
        TPE only: the first ``startup_trials`` trials are sampled at random before TPE models
        the results (None: ``min(10, trials)``, so a TPE search of 10 trials or fewer is random).
    pruner : PrunerConfig
        Which Optuna pruner stops hopeless trials, and its parameters (default: none).
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
    jobs: int | None
    scheduler: str | None
    fixed: dict
    space: dict
    path: Path | None = None
    startup_trials: int | None = None
    pruner: PrunerConfig = PrunerConfig()

    @property
    def tpe_startup_trials(self) -> int:
        """The random trials TPE starts with: ``startup_trials``, else ``min(10, trials)``."""
        return self.startup_trials if self.startup_trials is not None else min(10, self.trials)

    @property
    def epoch_budget(self) -> int | None:
        """Every trial's epochs, when the search does not vary them (None if it does)."""
        if "epochs" in self.space:
            return None
        return self.epochs or self.fixed.get("epochs") or Hyperparameters().epochs

    @property
    def objective_field(self) -> str:
        """The TrialRecord / History field the search optimizes: ``dev_metric`` or ``dev_cost``."""
        return "dev_cost" if self.metric == "cost" else "dev_metric"

    @property
    def direction(self) -> str:
        """``"maximize"`` for the accuracy metric, ``"minimize"`` for the cost."""
        return METRICS[self.metric]

    @property
    def grid_size(self) -> int | None:
        """The number of grid points (the product of the choices' lengths); None if any range."""
        return grid_size(self.space)

    def to_dict(self) -> dict:
        """JSON-ready sections as in the TOML file, with defaults filled in (no ``path``).

        ``parse_search_config(config.to_dict())`` gives the same configuration back (without
        the path). The settings added with pruning appear only when set, so the studies of
        searches without them still match their configuration on resume.
        """
        sections = {
            "data": {"source": self.source, "label": self.label, "layout": self.layout, "seed": self.data_seed},
            "split": {"dev": self.dev, "test": self.test, "seed": self.split_seed},
            "search": {"strategy": self.strategy, "trials": self.trials, "metric": self.metric,
                       "seed": self.seed, "epochs": self.epochs},
            "executor": {"kind": self.executor, "jobs": self.jobs, "scheduler": self.scheduler},
            "fixed": {name: jsonable(value) for name, value in self.fixed.items()},
            "space": {name: dimension.to_dict() for name, dimension in self.space.items()},
        }
        if self.startup_trials is not None:
            sections["search"]["startup_trials"] = self.startup_trials
        if self.pruner.enabled:
            sections["search"]["pruner"] = self.pruner.kind
            sections["pruner"] = self.pruner.to_dict()
        return sections

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
        name = where(self.path)
        params = dict(params)
        unknown = [name for name in params if name not in self.space]
        missing = [name for name in self.space if name not in params]
        if unknown or missing:
            problems = ([f"unknown {unknown}"] if unknown else []) + ([f"missing {missing}"] if missing else [])
            raise ConfigError(
                f"{name}: space: trial parameters {params} do not match the space "
                f"{list(self.space)}: {', '.join(problems)}"
            )
        values = dict(self.fixed)
        try:
            values.update({name: decode(name, value) for name, value in params.items()})
        except ConfigError as exc:
            raise ConfigError(f"{name}: space.{exc}") from None
        if self.epochs is not None:
            values["epochs"] = self.epochs
        values["seed"] = seed
        try:
            return Hyperparameters(**values)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{name}: space: trial parameters {params}: {exc}") from None


def load_search_config(path) -> SearchConfig:
    """Read and validate a search configuration TOML file.

    Relative data paths resolve against the file's folder.

    Raises
    ------
    ConfigError
        If the file is missing, not UTF-8, malformed TOML (with tomllib's line and column), or
        invalid (see :func:`parse_search_config`).
    """
    path = existing_file(path, "TOML", error=ConfigError)
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
    from .parser import Parser  # the rules import SearchConfig

    return Parser(None if path is None else Path(os.fspath(path))).parse(mapping)


def where(path: Path | None) -> str:
    """How messages name a configuration: its file, or "search config"."""
    return "search config" if path is None else str(path)
