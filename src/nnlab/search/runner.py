"""The empirical loop: propose hyperparameters, train on the training split, score the dev split,
keep the best — resumable, on one machine or a Dask cluster.

Optuna proposes by ask/tell in this (the main) process, which alone writes the study storage.
Trials run on an executor (:mod:`nnlab.search.executors`) and see only the training and dev
splits; the test split is scored once, for the chosen configuration, after the search.

Reproducibility. Trial k (its *index*, 0, 1, 2, ...) draws its parameters and its training seed
from ``(search seed, k)`` alone, so the leaderboard is the same whichever executor runs it and in
whatever order trials finish:

- grid: the grid's points in a seeded order, point k for trial k (proposed through Optuna's
  PartialFixedSampler, so a failed point is recorded, never proposed again);
- random: Optuna's RandomSampler seeded with ``(seed, k)``;
- tpe: Optuna's TPESampler seeded with ``(seed, k)``, asked in fixed batches of
  :data:`TPE_BATCH` whose results are all told before the next batch is asked, so every proposal
  sees the same history.

Resume. Rerunning with the same run folder continues the study: finished trials are kept and
never rerun; a trial left RUNNING by an interrupted process is marked failed ("interrupted")
and its parameters are run again under the same index; the search stops at the requested count.

Faults. A run folder that cannot be created or written (read-only, permission denied) is refused
before the study is opened, so nothing in it changes. A write that fails during the search (disk
full, file size limit, the study made read-only) ends it with one :class:`~nnlab.errors.NNLabError`
line naming the study or file, the reason and how many trials are saved; SQLite's transactions
keep the study file consistent, and a rerun with space resumes it like any interrupted search.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import os
import sqlite3
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..data import load_data, train_dev_test_split
from ..errors import ModelFileError, NNLabError
from ..labels import infer_targets
from ..model import Model
from .executors import make_executor
from .report import rank_trials, write_leaderboard_csv, write_report
from .config import SearchConfig, parse_search_config
from .space import ConfigError, decode, optuna_distributions, optuna_grid
from .trial import TrialData, one_blas_thread

__all__ = ["SearchResult", "TPE_BATCH", "load_records", "open_run", "rebuild_report", "run_search", "trial_seed"]

STUDY_NAME = "nnlab-search"
TPE_BATCH = 4  # TPE proposals per batch; fixed, so results do not depend on the executor
INDEX = "index"  # user attribute: the trial's position in the search (stable across resumes)
OUTCOME = "outcome"  # user attribute: what run_trial measured, one dict of OUTCOME_FIELDS
OUTCOME_FIELDS = ("reason", "dev_metric", "dev_cost", "train_metric", "train_cost", "metric_name", "seconds",
                  "epochs_run", "curves")


def trial_seed(search_seed: int, index: int) -> int:
    """The training seed of trial ``index``: a function of the search seed and the index only."""
    return int(np.random.SeedSequence([search_seed, index]).generate_state(1)[0] % (2**31 - 1))


@dataclass
class SearchResult:
    """What :func:`run_search` produced."""

    records: list[dict]  # every trial, as report records
    summary: dict
    run_dir: Path
    interrupted: bool = False

    @property
    def best(self) -> dict | None:
        ranked = rank_trials(self.records, self.summary["objective"], self.summary["direction"])
        return ranked[0] if ranked else None


def _storage_url(run_dir: Path, storage: str | None) -> str:
    return storage or f"sqlite:///{(run_dir / 'study.db').resolve()}"


def _open_study(config: SearchConfig, run_dir: Path, storage: str | None):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            study_name=STUDY_NAME, storage=_storage_url(run_dir, storage), direction=config.direction,
            load_if_exists=True, sampler=optuna.samplers.RandomSampler(seed=config.seed),
        )
    except Exception as error:  # SQLAlchemy / Optuna errors: bad URL, unreachable database, read-only, full
        reason = _storage_reason(error, run_dir, storage) if _database_error(error) is not None else _short(error)
        raise NNLabError(f"cannot open the study storage {_storage_url(run_dir, storage)!r}: {reason}") from None
    recorded = study.user_attrs.get("config")
    # what defines the search; the executor may change between runs (resume on a cluster)
    wanted = {key: value for key, value in json.loads(json.dumps(config.to_dict())).items() if key != "executor"}
    if recorded is None:
        study.set_user_attr("config", wanted)
    elif recorded != wanted:
        changed = sorted(k for k in set(recorded) | set(wanted) if recorded.get(k) != wanted.get(k))
        raise ConfigError(
            f"{run_dir} holds a different search (changed: {', '.join(changed)}); "
            "use another --out folder, or restore the original configuration to resume"
        )
    return study


def _sampler(config: SearchConfig, index: int, fixed: dict | None = None):
    """The sampler that proposes trial ``index``: seeded by ``(search seed, index)``; with
    ``fixed`` params (a grid point, or an interrupted trial's params) it proposes exactly those."""
    import optuna

    seed = trial_seed(config.seed, index)
    if config.strategy == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, config.trials))
    else:
        sampler = optuna.samplers.RandomSampler(seed=seed)
    if fixed is not None:
        with warnings.catch_warnings():  # "experimental" since Optuna 2.4, stable in use
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.PartialFixedSampler(fixed_params=fixed, base_sampler=sampler)
    return sampler


def _grid_points(config: SearchConfig) -> list[dict]:
    """Every grid point once, in an order shuffled by the search seed."""
    grid = optuna_grid(config.space)
    points = [dict(zip(grid, values)) for values in itertools.product(*grid.values())]
    order = np.random.RandomState(config.seed).permutation(len(points))
    return [points[i] for i in order]


def _finished(trial) -> bool:
    import optuna

    return trial.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL) and not trial.user_attrs.get(
        "interrupted", False
    )


def _recover_interrupted(study) -> list[tuple[int, dict]]:
    """Mark trials left RUNNING by a killed process as failed; return ``(index, params)`` to rerun."""
    import optuna

    rerun = []
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study._storage.set_trial_user_attr(trial._trial_id, "interrupted", True)
        study._storage.set_trial_user_attr(trial._trial_id, "reason", "interrupted; run again on resume")
        study.tell(trial.number, state=optuna.trial.TrialState.FAIL)
        if INDEX in trial.user_attrs:
            rerun.append((trial.user_attrs[INDEX], dict(trial.params)))
    return rerun


def _record(trial) -> dict:
    """A report record from a stored Optuna trial."""
    attrs = trial.user_attrs
    # absent for a trial that never ran (bad params, interrupted); a study written before the
    # outcome was one attribute holds each field as an attribute of its own
    outcome = attrs.get(OUTCOME) or attrs
    params = {name: decode(name, value) for name, value in trial.params.items()}
    return {
        "number": attrs.get(INDEX, trial.number),
        "state": "FAIL" if attrs.get("interrupted") else trial.state.name,
        "params": params,
        "reason": outcome.get("reason") or attrs.get("reason"),
        "seed": attrs.get("seed"),
        **{key: outcome.get(key) for key in ("dev_metric", "dev_cost", "train_metric", "train_cost", "metric_name")},
        "seconds": outcome.get("seconds") or 0.0,
        "curves": outcome.get("curves") or {},
    }


def load_records(study) -> list[dict]:
    """Report records of the trials that count: finished, one per index (the latest)."""
    by_index: dict[int, dict] = {}
    for trial in study.get_trials(deepcopy=False):
        if _finished(trial) and INDEX in trial.user_attrs:
            by_index[trial.user_attrs[INDEX]] = _record(trial)
    return [by_index[k] for k in sorted(by_index)]


def _load_splits(config: SearchConfig):
    dataset = load_data(config.source, label=config.label, layout=config.layout, seed=config.data_seed)
    stratify = infer_targets(dataset.Y).task != "regression"
    split = train_dev_test_split(
        dataset.X, dataset.Y, dev=config.dev, test=config.test, seed=config.split_seed, stratify=stratify
    )
    return dataset, split


# --------------------------------------------------------------------------- faults: one clear line


def _prepare_run_dir(run_dir: Path) -> None:
    """Create the run folder and check that files can be created in it, before anything is opened."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        where = f"{error.filename}: " if error.filename and Path(error.filename) != run_dir else ""
        raise NNLabError(
            f"cannot create the run folder {run_dir}: {where}{error.strerror or error}; "
            "choose another --out folder or make its parent writable"
        ) from error
    _check_writable(run_dir, "choose another --out folder or make it writable; nothing in it was changed")


def _check_writable(folder: Path, advice: str) -> None:
    """Create and remove a probe file in ``folder``; an error names the folder and the OS reason."""
    try:
        descriptor, probe = tempfile.mkstemp(prefix=".nnlab-write-check-", dir=folder)
    except OSError as error:
        raise NNLabError(f"cannot write in the run folder {folder}: {error.strerror or error}; {advice}") from error
    os.close(descriptor)
    try:
        os.unlink(probe)
    except OSError:
        pass


def _database_error(error: BaseException) -> BaseException | None:
    """The database driver's error behind a storage failure; None if ``error`` is not one."""
    import optuna
    import sqlalchemy.exc

    if not isinstance(error, (optuna.exceptions.StorageInternalError, sqlalchemy.exc.SQLAlchemyError, sqlite3.Error)):
        return None
    seen, cause = set(), error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, sqlalchemy.exc.DBAPIError) and cause.orig is not None:
            return cause.orig
        if isinstance(cause, sqlite3.Error):
            return cause
        cause = cause.__cause__ or cause.__context__
    return error


def _folder_condition(folder: Path) -> str | None:
    """What keeps files in ``folder`` from being written, where the system can tell."""
    try:
        status = os.statvfs(folder)
    except (AttributeError, OSError):  # no statvfs (Windows), or the folder is gone
        status = None
    if status is not None:
        if status.f_flag & getattr(os, "ST_RDONLY", 1):
            return "Read-only file system"
        free = status.f_bavail * status.f_frsize
        if free < 1 << 20:
            return f"No space left on device ({free // 1024} KiB free)"
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        return "Permission denied"
    try:
        import resource
    except ImportError:
        return None
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit != resource.RLIM_INFINITY:
        return f"the file size limit, ulimit -f, is {limit} bytes"
    return None


def _storage_reason(error: BaseException, run_dir: Path, storage: str | None) -> str:
    """The database's own reason for a storage failure, with what the folder shows, on one line."""
    reason = _short(_database_error(error) or error)
    if storage is None:
        condition = _folder_condition(run_dir)
        if condition:
            reason = f"{reason} ({condition})"
    return reason


def _short(error: BaseException, limit: int = 200) -> str:
    """An error's message on one line, at most ``limit`` characters (a database may quote data)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _saved_trials(study) -> int | None:
    """Finished trials in ``study`` (None if it was not opened or cannot be read)."""
    if study is None:
        return None
    try:
        return sum(1 for t in study.get_trials(deepcopy=False) if _finished(t) and INDEX in t.user_attrs)
    except Exception:  # the storage cannot even be read: say nothing rather than guess
        return None


class _OutputFailed(Exception):
    """Writing one output file of the run folder failed with the OSError ``error``."""

    def __init__(self, path: Path, error: OSError):
        super().__init__(path, error)
        self.path, self.error = path, error


def _output(path: Path, write, *args, **kwargs):
    """``write(path, *args, **kwargs)``; an OSError (or a ModelFileError caused by one) becomes
    :class:`_OutputFailed`, which :func:`run_search` reports as a failed write of the run folder."""
    try:
        return write(path, *args, **kwargs)
    except OSError as error:
        raise _OutputFailed(path, error) from error
    except ModelFileError as error:
        if isinstance(error.__cause__, OSError):
            raise _OutputFailed(path, error.__cause__) from error
        raise


def _write_failed(what, reason: str, saved: int | None, target: int, remedy: str) -> NNLabError:
    """The one line for a write that failed mid-search: what, why, what is kept, what to do."""
    kept = (f"{saved} of {target} trials are saved in the study" if saved is not None
            else "the study keeps the finished trials")
    return NNLabError(f"cannot write {what}: {reason}; {kept}: {remedy}, rerun the same command to resume")


def run_search(
    config: SearchConfig,
    out_dir,
    *,
    storage: str | None = None,
    executor: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    echo: Callable[[str], None] = print,
    progress: bool = False,
) -> SearchResult:
    """Run (or resume) the search ``config`` into the folder ``out_dir``.

    Parameters
    ----------
    config : SearchConfig
    out_dir : path
        The run folder: ``study.db`` (unless ``storage``), ``leaderboard.csv``,
        ``best_model.npz``, ``report.html``. Rerunning with the same folder resumes.
    storage : str, optional
        An SQLAlchemy URL (e.g. ``postgresql://...``) instead of the folder's SQLite file.
    executor, jobs, scheduler : optional
        Override the config's executor kind, process count and Dask scheduler address.
    echo : callable
        Where progress lines go.
    progress : bool
        Show a tqdm bar over trials.

    Returns
    -------
    SearchResult
        With ``interrupted=True`` after Ctrl-C (the study is saved; rerun to resume).

    Raises
    ------
    NNLabError
        One line: the run folder cannot be created or written (nothing in it is changed), or a
        write failed during the search (disk full, file size limit, read-only); the line names
        the study or file, the reason and the trials saved; a rerun resumes.
    """
    run_dir = Path(out_dir)
    _prepare_run_dir(run_dir)  # before anything is opened: a folder we cannot write stays untouched
    dataset, split = _load_splits(config)
    data = TrialData(*split.train, *split.dev)  # the test split never leaves this process
    where = run_dir / "study.db" if storage is None else storage
    remedy = f"once {run_dir} can be written again (space, permissions)" if storage is None else (
        "once the study storage and the run folder can be written again")
    study = None
    kind = executor or config.executor
    try:
        # the executor's workers start (import, receive the data) while the study opens
        with make_executor(kind, data, jobs=jobs or config.jobs, scheduler=scheduler or config.scheduler) as pool:
            study = _open_study(config, run_dir, storage)
            return _search(config, run_dir, study, dataset, split, pool, kind, echo, progress)
    except _OutputFailed as failure:  # writing the best model, the CSV or the report
        error = failure.error
        raise _write_failed(error.filename or failure.path, error.strerror or str(error), _saved_trials(study),
                            config.trials, remedy) from error
    except Exception as error:
        if _database_error(error) is None:
            raise
        raise _write_failed(f"the study {where}", _storage_reason(error, run_dir, storage), _saved_trials(study),
                            config.trials, remedy) from error


def _search(config, run_dir, study, dataset, split, pool, kind, echo, progress) -> SearchResult:
    """The body of :func:`run_search` once the folder, the executor ``pool`` and the study are open."""
    import optuna
    from tqdm import tqdm

    distributions = optuna_distributions(config.space)

    rerun = _recover_interrupted(study)
    done = {t.user_attrs[INDEX] for t in study.get_trials(deepcopy=False) if _finished(t) and INDEX in t.user_attrs}
    pending = sorted((index, params) for index, params in rerun if index not in done)
    fresh = (k for k in itertools.count() if k not in done and k not in {i for i, _ in pending})
    grid = _grid_points(config) if config.strategy == "grid" else None
    target = config.trials

    def next_index_and_params():
        if pending:
            return pending.pop(0)
        index = next(fresh)
        return index, (grid[index] if grid is not None else None)

    interrupted = False
    in_flight: dict[concurrent.futures.Future, object] = {}
    kept = None  # (outcome, Model.to_arrays()) of the best trial completed here
    bar = tqdm(total=target, initial=len(done), desc="trials", unit="trial", disable=not progress, leave=False)
    try:
        batch = TPE_BATCH if config.strategy == "tpe" else pool.workers
        while len(done) + len(in_flight) < target or in_flight:
            # TPE: ask a whole batch only once the previous one is told (same history everywhere)
            may_ask = not in_flight if config.strategy == "tpe" else len(in_flight) < batch
            while may_ask and len(done) + len(in_flight) < target and len(in_flight) < batch:
                index, params = next_index_and_params()
                study.sampler = _sampler(config, index, fixed=params)
                trial = study.ask(distributions)
                seed = trial_seed(config.seed, index)
                trial.set_user_attr(INDEX, index)
                trial.set_user_attr("seed", seed)
                decoded = {name: decode(name, value) for name, value in trial.params.items()}
                try:
                    hyperparameters = config.hyperparameters(decoded, seed).to_dict()
                except ConfigError as error:
                    trial.set_user_attr("reason", str(error))
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    done.add(index)
                    bar.update(1)
                    continue
                task = {"number": index, "params": decoded, "hyperparameters": hyperparameters}
                in_flight[pool.submit(task)] = trial
            if not in_flight:
                break
            finished, _ = concurrent.futures.wait(in_flight, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in sorted(finished, key=lambda f: in_flight[f].number):
                trial = in_flight.pop(future)
                outcome = future.result()
                model_arrays = outcome.pop("model", None)
                if model_arrays is not None and (kept is None or rank_trials(
                        [kept[0], outcome], config.metric, config.direction)[0] is outcome):
                    kept = (outcome, model_arrays)  # the best trial trained by this process so far
                # one attribute, one SQLite transaction (each is an fsync): the trial's results
                trial.set_user_attr(OUTCOME, {key: outcome.get(key) for key in OUTCOME_FIELDS})
                if outcome["state"] == "COMPLETE":
                    value = outcome["dev_metric"] if config.metric == "accuracy" else outcome["dev_cost"]
                    study.tell(trial, value)
                else:
                    study.tell(trial, state=optuna.trial.TrialState.FAIL)
                done.add(trial.user_attrs[INDEX])
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        pool.shutdown(cancel=True)  # drop the queued trials, stop the running ones
    finally:
        bar.close()
    pool.shutdown()  # the trials are over: the workers go before the report is drawn

    records = load_records(study)
    summary = {
        "objective": config.metric,
        "direction": config.direction,
        "strategy": config.strategy,
        "trials_requested": target,
        "data": config.source,
        "best_number": None,
        "test_metric": None,
        "test_cost": None,
        "best_params": {},
        "run_dir": str(run_dir),
        "executor": kind,
    }
    if interrupted:
        echo(
            f"interrupted: {len(records)} of {target} trials done and saved in {run_dir}; "
            "rerun the same command to resume"
        )
        return SearchResult(records, summary, run_dir, interrupted=True)

    ranked = rank_trials(records, config.metric, config.direction)
    boundary = None
    if ranked:
        best = ranked[0]
        summary.update(best_number=best["number"], best_params=best["params"])
        if kept is not None and kept[0]["number"] == best["number"]:
            model = Model.from_arrays(*kept[1])
        else:  # trained before a resume: train it again as its trial did (same seed, data, one
            # BLAS thread), which gives the same model to the bit
            with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                model = Model(config.hyperparameters(best["params"], best["seed"])).fit(*split.train, dev=split.dev)
        # the test split is scored exactly once, by the chosen model
        _output(run_dir / "best_model.npz", model.save)
        if split.test is not None:
            report = model.evaluate(*split.test)
            summary.update(test_metric=report["metric"], test_cost=report["cost"], metric_name=report["metric_name"])
        if dataset.n_features == 2:
            boundary = (model, dataset.X, dataset.Y)
    study.set_user_attr("summary", json.loads(json.dumps(summary, default=str)))
    _output(run_dir / "leaderboard.csv", write_leaderboard_csv, records, summary)
    _output(run_dir / "report.html", write_report, records, summary, boundary=boundary)
    return SearchResult(records, summary, run_dir)


def open_run(run_dir, storage: str | None = None):
    """The study of an existing run folder (for ``nnlab report``)."""
    import optuna

    run_dir = Path(run_dir)
    url = _storage_url(run_dir, storage)
    if storage is None and not (run_dir / "study.db").exists():
        raise NNLabError(f"{run_dir} holds no search (no study.db); run `nnlab search CONFIG --out {run_dir}` first")
    # errors, not Optuna's warnings: a damaged study is one line (the error), not a log
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        return optuna.load_study(study_name=STUDY_NAME, storage=url)
    except Exception as error:
        raise NNLabError(f"cannot read the study in {url!r}: {_short(_database_error(error) or error)}") from None


def rebuild_report(run_dir, storage: str | None = None) -> Path:
    """Rewrite ``leaderboard.csv`` and ``report.html`` of a run folder from its study."""
    run_dir = Path(run_dir)
    study = open_run(run_dir, storage)
    _check_writable(run_dir, "copy the folder somewhere writable and run `nnlab report` there; the study is unchanged")
    try:
        records = load_records(study)
        attrs = study.user_attrs
    except Exception as error:  # a damaged study file: one line, naming it
        if _database_error(error) is None:
            raise
        raise NNLabError(f"cannot read the study in {_storage_url(run_dir, storage)!r}: "
                         f"{_short(_database_error(error))}") from error
    config = parse_search_config(attrs["config"]) if "config" in attrs else None
    summary = attrs.get("summary")
    if summary is None:  # an interrupted search: no best model yet
        if config is None:
            raise NNLabError(f"{run_dir}: the study records no search configuration")
        summary = {
            "objective": config.metric, "direction": config.direction, "strategy": config.strategy,
            "trials_requested": config.trials, "data": config.source, "best_number": None,
            "test_metric": None, "test_cost": None, "best_params": {}, "run_dir": str(run_dir),
        }
    boundary = None
    best_model = run_dir / "best_model.npz"
    if best_model.exists() and config is not None:
        model = Model.load(best_model)
        if model.layer_dims[0] == 2:
            dataset, _ = _load_splits(config)
            boundary = (model, dataset.X, dataset.Y)
    write_leaderboard_csv(run_dir / "leaderboard.csv", records, summary)
    return write_report(run_dir / "report.html", records, summary, boundary=boundary)

