"""The rules of the search configuration's TOML, section by section (see ``docs/search/toml.md``).

:class:`Parser` checks one configuration and builds its :class:`~nnlab.search.config.SearchConfig`;
``fail`` raises the :class:`~nnlab.search.space.ConfigError` naming the file and the key path.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping
from pathlib import Path

from ..config import Hyperparameters
from ..data.sources import SourceError, check_source
from ..engine.validation import check_int, check_real, describe
from .config import (
    DEFAULT_DEV,
    DEFAULT_TEST,
    EXECUTORS,
    METRICS,
    NONE,
    RANGE_KEYS,
    RANGE_TYPES,
    SECTIONS,
    STRATEGIES,
    SearchConfig,
    where,
)
from .pruning import PRUNER_KEYS, PRUNERS, PrunerConfig
from .space import (
    FIELDS,
    FLOAT_FIELDS,
    OPTIONAL_FIELDS,
    TUPLE_FIELDS,
    Choice,
    ConfigError,
    Dimension,
    FloatRange,
    IntRange,
    grid_size,
    jsonable,
    space_keys,
)

__all__ = ["Parser"]

#: Fields that cannot be searched, and why.
_NOT_SEARCHABLE = {
    "seed": "every trial's seed comes from [search].seed",
    "dtype": "trials are only comparable under one dtype; set it in [fixed]",
    "verbose": "it changes output, not the model; set it in [fixed]",
}
_NOT_FIXABLE = {"seed": "every trial's seed comes from [search].seed; set it there"}


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _suggest(name: str, known) -> str:
    close = difflib.get_close_matches(str(name), list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Parser:
    """Checks one configuration; ``fail`` raises the ConfigError naming the file and key path."""

    def __init__(self, path: Path | None):
        self.path = path
        self.where = where(path)

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
        startup = self.startup(search, strategy)
        pruner = self.pruner(search.get("pruner", "none"), self.section(mapping, "pruner"))
        kind, jobs, scheduler = self.executor(executor)
        return SearchConfig(
            source=source, label=label, layout=layout, data_seed=data_seed,
            dev=dev, test=test, split_seed=split_seed,
            strategy=strategy, trials=trials, metric=metric, seed=seed, epochs=epochs,
            executor=kind, jobs=jobs, scheduler=scheduler,
            fixed=fixed, space=space, path=self.path, startup_trials=startup, pruner=pruner,
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
            self.fail("data.source", 'missing; give a built-in name such as "flower" or a '
                                     '.csv/.tsv/.parquet/.npz/.h5/.hdf5 file')
        source = self.string("data.source", data["source"])
        label = data.get("label")
        if label is not None:
            self.string("data.label", label)
        layout = data.get("layout", "columns")
        seed = data.get("seed")
        if seed is not None:
            seed = self.int_("data.seed", seed, 0)
        folder = self.path.parent if self.path is not None else Path.cwd()
        try:  # the data-source rules live in nnlab.data.sources, shared with the CLI
            source = check_source(source, label=label, layout=layout, seed=seed, relative_to=folder)
        except SourceError as error:
            self.fail(f"data.{error.key}", str(error))
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
        points = grid_size(space)
        default = "grid" if points is not None else "tpe"
        strategy = self.one_of("search.strategy", search.get("strategy", default), STRATEGIES)
        trials = search.get("trials")
        if strategy == "grid":
            ranges = [name for name, d in space.items() if not isinstance(d, Choice)]
            if ranges:
                self.fail(
                    "search.strategy",
                    f"grid needs every [space] entry to be a list of values; {space_keys(ranges)} "
                    f"{'is a range' if len(ranges) == 1 else 'are ranges'} (use random or tpe)",
                )
            if trials is None:
                trials = points
            trials = self.int_("search.trials", trials, 1)
            if trials > points:
                sizes = " x ".join(f"{len(d.values)} {name}" for name, d in space.items())
                self.fail("search.trials", f"{trials} exceeds the grid size {points} ({sizes})")
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

    def startup(self, search: dict, strategy: str) -> int | None:
        startup = search.get("startup_trials")
        if startup is None:
            return None
        startup = self.int_("search.startup_trials", startup, 0)
        if strategy != "tpe":
            self.fail("search.startup_trials", f'applies to strategy = "tpe" only; strategy is {strategy!r}')
        return startup

    def pruner(self, kind, table: dict) -> PrunerConfig:
        kind = self.one_of("search.pruner", kind, PRUNERS)
        allowed = PRUNER_KEYS[kind]
        for key in table:
            if key not in allowed:
                takes = f"the {kind} pruner takes {list(allowed)}" if allowed else 'set [search].pruner first'
                self.fail(f"pruner.{key}", f"does not apply to pruner = {kind!r}; {takes}")
        values = {}
        for key, minimum in (("interval", 1), ("min_resource", 1), ("reduction_factor", 2), ("warmup", 0),
                             ("startup_trials", 0)):
            if key in table:
                values[key] = self.int_(f"pruner.{key}", table[key], minimum)
        return PrunerConfig(kind=kind, **values)

    def executor(self, executor: dict):
        kind = self.one_of("executor.kind", executor.get("kind", "serial"), EXECUTORS)
        jobs = executor.get("jobs")
        if jobs is not None:
            jobs = self.int_("executor.jobs", jobs, 1)
        if kind == "serial":
            if jobs not in (None, 1):
                self.fail("executor.jobs", f'the serial executor runs one trial at a time; got {jobs} (use kind = "processes")')
        scheduler = executor.get("scheduler")
        if scheduler is not None:
            scheduler = self.string("executor.scheduler", scheduler)
            if kind != "dask":
                self.fail("executor.scheduler", f'applies to kind = "dask" only; kind is {kind!r}')
        return kind, jobs, scheduler

    # -- [fixed] [space] ------------------------------------------------------

    def field(self, section: str, name: str, reasons: dict) -> str:
        key = f"{section}.{name}"
        if name not in FIELDS:
            self.fail(key, f"not a hyperparameter{_suggest(name, FIELDS)}; the hyperparameters are {list(FIELDS)}")
        if name in reasons:
            self.fail(key, f"cannot be in [{section}]: {reasons[name]}")
        return key

    def none(self, name: str, value):
        """``"none"`` as None in an optional field."""
        if name in OPTIONAL_FIELDS and (value is None or (isinstance(value, str) and value.lower() == NONE)):
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
            if name in TUPLE_FIELDS and not isinstance(value, (list, tuple)):
                self.fail(
                    item,
                    f"each choice is a list of layer sizes; got {describe(value)} "
                    f"(write [[20], [7]] for one layer of 20 or of 7 units, [[20, 7]] for two layers)",
                )
            value = getattr(self.build(item, {**fixed, name: self.none(name, value)}), name)
            for j, seen in enumerate(values):
                if type(seen) is type(value) and seen == value:
                    self.fail(item, f"duplicate of {key}[{j}] ({jsonable(value)!r})")
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
            kind = "int" if _is_int(low) and _is_int(high) and name not in FLOAT_FIELDS else "float"
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
