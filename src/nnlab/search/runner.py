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

Pruning. With ``[search] pruner`` set, every trial reports its dev value every ``interval`` epochs
and Optuna's pruner (median, successive halving, Hyperband) stops the hopeless ones; they are
recorded PRUNED, with the epoch and the scores they reached. The values travel to the study in
this process through :mod:`nnlab.search.service`; this loop answers them between trials. Serial
searches make the same decisions every run; with parallel workers a decision depends on which
other trials have reported by then, so which trials are pruned may differ between runs (each
trial's own numbers up to its last epoch do not).

One search per run folder: :class:`~nnlab.search.lock.RunLock` holds the folder for the whole run;
a second search on it stops at once, naming the holder.

Resume. Rerunning with the same run folder continues the study: finished trials are kept and
never rerun; a trial left RUNNING by an interrupted process is marked failed ("interrupted")
and its parameters are run again under the same index; the search stops at the requested count.

Faults. A run folder that cannot be created or written (read-only, permission denied) is refused
before the study is opened, so nothing in it changes. A write that fails during the search (disk
full, file size limit, the study made read-only) ends it with one :class:`~nnlab.errors.NNLabError`
line naming the study or file, the reason and how many trials are saved; SQLite's transactions
keep the study file consistent, and a rerun with space resumes it like any interrupted search.
The store and its fault diagnosis: :mod:`nnlab.search.study`.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from ..data import load_splits
from ..errors import NNLabError
from ..model import Model
from ..text import objective_words
from .config import SearchConfig, parse_search_config
from .executors import make_executor
from .leaderboard import rank_trials, write_leaderboard_csv
from .lock import RunLock
from .pruning import make_pruner
from .report import write_report
from .service import PruningService
from .space import ConfigError, decode, optuna_distributions, optuna_grid
from .study import (
    INDEX,
    OutputFailed,
    check_writable,
    counted,
    database_error,
    interrupts_held,
    load_records,
    open_run,
    open_study,
    output,
    prepare_run_dir,
    recover_interrupted,
    saved_trials,
    short,
    storage_reason,
    storage_url,
    store_record,
    write_failed,
)
from .trial import TrialData, TrialRecord, TrialTask, one_blas_thread

__all__ = ["SearchResult", "TPE_BATCH", "load_records", "open_run", "rebuild_report", "run_search", "trial_seed"]

TPE_BATCH = 4  # TPE proposals per batch; fixed, so results do not depend on the executor


def trial_seed(search_seed: int, index: int) -> int:
    """The training seed of trial ``index``: a function of the search seed and the index only."""
    return int(np.random.SeedSequence([search_seed, index]).generate_state(1)[0] % (2**31 - 1))


@dataclass
class SearchResult:
    """What :func:`run_search` produced."""

    records: list[TrialRecord]  # every trial that counts, by index
    summary: dict
    run_dir: Path
    interrupted: bool = False

    @property
    def best(self) -> TrialRecord | None:
        ranked = rank_trials(self.records, self.summary["objective"], self.summary["direction"])
        return ranked[0] if ranked else None


def summary_of(config: SearchConfig, run_dir: Path, executor: str | None = None, metric_name: str | None = None) -> dict:
    """The summary of a search before its best trial is known (the leaderboard's and report's header)."""
    summary = {
        "objective": config.metric, "direction": config.direction, "strategy": config.strategy,
        "trials_requested": config.trials, "data": config.source, "best_number": None,
        "test_metric": None, "test_cost": None, "best_params": {}, "run_dir": str(run_dir),
        "executor": executor, "pruner": config.pruner.kind,
        "log_params": sorted(name for name, dimension in config.space.items() if getattr(dimension, "log", False)),
    }
    if metric_name is not None:
        summary["metric_name"] = metric_name
    return summary


def objective_name(config: SearchConfig, metric_name: str) -> str:
    """What the search optimizes, in words: "dev accuracy", "dev R²" or "dev cost"."""
    return objective_words(config.metric, metric_name)


def _sampler(config: SearchConfig, index: int, fixed: dict | None = None):
    """The sampler that proposes trial ``index``: seeded by ``(search seed, index)``; with
    ``fixed`` params (a grid point, or an interrupted trial's params) it proposes exactly those."""
    import optuna

    seed = trial_seed(config.seed, index)
    if config.strategy == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=config.tpe_startup_trials)
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


def _load_splits(config: SearchConfig):
    """The data set, its train/dev/test split and its targets, as the CLI's ``train`` makes them:
    the task is inferred once, with the config's fixed output, for both the split and the metric."""
    return load_splits(config.source, label=config.label, layout=config.layout, seed=config.data_seed,
                       dev=config.dev, test=config.test, split_seed=config.split_seed,
                       output=config.fixed.get("output"))


def _metric_name(targets) -> str:
    """"accuracy" or "r2": the dev metric of the data's task."""
    return "r2" if targets.task == "regression" else "accuracy"


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
    prepare_run_dir(run_dir)  # before anything is opened: a folder we cannot write stays untouched
    with RunLock(run_dir):  # one search per folder: a second one stops here, naming this process
        return _locked_search(config, run_dir, storage, executor, jobs, scheduler, echo, progress)


def _locked_search(config, run_dir, storage, executor, jobs, scheduler, echo, progress) -> SearchResult:
    """:func:`run_search` once the run folder is held."""
    dataset, split, targets = _load_splits(config)
    data = TrialData(*split.train, *split.dev)  # the test split never leaves this process
    where = run_dir / "study.db" if storage is None else storage
    remedy = f"once {run_dir} can be written again (space, permissions)" if storage is None else (
        "once the study storage and the run folder can be written again")
    study = None
    kind = executor or config.executor
    metric_name = _metric_name(targets)
    service = PruningService() if config.pruner.enabled else None
    try:
        # the executor's workers start (import, receive the data) while the study opens
        with make_executor(kind, data, jobs=jobs if jobs is not None else config.jobs,
                           scheduler=scheduler or config.scheduler, pruning=service) as pool:
            study = open_study(config, run_dir, storage, pruner=make_pruner(config.pruner, config.epoch_budget),
                               metric=objective_name(config, metric_name))
            return _search(config, run_dir, study, dataset, split, pool, kind, echo, progress, service, metric_name)
    except OutputFailed as failure:  # writing the best model, the CSV or the report
        error = failure.error
        raise write_failed(error.filename or failure.path, error.strerror or str(error), saved_trials(study),
                            config.trials, remedy) from error
    except Exception as error:
        if database_error(error) is None:
            raise
        raise write_failed(f"the study {where}", storage_reason(error, run_dir, storage), saved_trials(study),
                            config.trials, remedy) from error


def _search(config, run_dir, study, dataset, split, pool, kind, echo, progress, service, metric_name) -> SearchResult:
    """The body of :func:`run_search` once the folder, the executor ``pool`` and the study are open."""
    import optuna
    from tqdm import tqdm

    distributions = optuna_distributions(config.space)

    rerun = recover_interrupted(study)
    done = {t.user_attrs[INDEX] for t in counted(study)}
    pending = sorted((index, params) for index, params in rerun if index not in done)
    taken = done | {i for i, _ in pending}  # fixed now: popping a pending index must not free it
    fresh = (k for k in itertools.count() if k not in taken)
    grid = _grid_points(config) if config.strategy == "grid" else None
    target = config.trials

    def next_index_and_params():
        if pending:
            return pending.pop(0)
        index = next(fresh)
        return index, (grid[index] if grid is not None else None)

    interrupted = False
    in_flight: dict[concurrent.futures.Future, object] = {}
    kept: TrialRecord | None = None  # the best trial completed here, with its model
    bar = tqdm(total=target, initial=len(done), desc="trials", unit="trial", disable=not progress, leave=False)
    try:
        batch = TPE_BATCH if config.strategy == "tpe" else pool.workers
        while len(done) + len(in_flight) < target or in_flight:
            # TPE: ask a whole batch only once the previous one is told (same history everywhere)
            may_ask = not in_flight if config.strategy == "tpe" else len(in_flight) < batch
            while may_ask and len(done) + len(in_flight) < target and len(in_flight) < batch:
                index, params = next_index_and_params()
                study.sampler = _sampler(config, index, fixed=params)
                seed = trial_seed(config.seed, index)
                with interrupts_held():  # Ctrl-C waits for the study's writes, then stops the search
                    trial = study.ask(distributions)
                    trial.set_user_attr(INDEX, index)
                    trial.set_user_attr("seed", seed)
                decoded = {name: decode(name, value) for name, value in trial.params.items()}
                try:
                    hyperparameters = config.hyperparameters(decoded, seed)
                except ConfigError as error:
                    with interrupts_held():
                        trial.set_user_attr("reason", str(error))
                        study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    done.add(index)
                    bar.update(1)
                    continue
                if service is not None:
                    service.trials[index] = trial
                task = TrialTask(index, hyperparameters, decoded, objective=config.objective_field,
                                 report_every=config.pruner.interval if service is not None else None)
                in_flight[pool.submit(task)] = trial
            if not in_flight:
                break
            # a pruning request from a worker wakes this loop too: the study is touched here only
            waited = [*in_flight, service.wakeup] if service is not None else list(in_flight)
            finished, _ = concurrent.futures.wait(waited, return_when=concurrent.futures.FIRST_COMPLETED)
            if service is not None:
                with interrupts_held():
                    service.serve()
            for future in sorted((f for f in finished if f in in_flight), key=lambda f: in_flight[f].number):
                trial = in_flight.pop(future)
                record = future.result()
                if service is not None:
                    service.trials.pop(record.number, None)
                if record.model is not None and (kept is None or rank_trials(
                        [kept, record], config.metric, config.direction)[0] is record):
                    kept = record  # the best trial trained by this process so far
                with interrupts_held():
                    store_record(trial, record)  # one attribute, one SQLite transaction (each is an fsync)
                    if record.state == "COMPLETE":
                        study.tell(trial, record.dev_metric if config.metric == "accuracy" else record.dev_cost)
                    elif record.state == "PRUNED":  # Optuna keeps its last reported value and step
                        study.tell(trial, state=optuna.trial.TrialState.PRUNED)
                    else:
                        study.tell(trial, state=optuna.trial.TrialState.FAIL)
                done.add(trial.user_attrs[INDEX])
                bar.update(1)
    except KeyboardInterrupt:
        interrupted = True
        if service is not None:
            service.close()
        pool.shutdown(cancel=True)  # drop the queued trials, stop the running ones
    finally:
        bar.close()
        if service is not None:
            service.close()
    pool.shutdown()  # the trials are over: the workers go before the report is drawn

    records = load_records(study)
    summary = summary_of(config, run_dir, kind, metric_name)
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
        summary.update(best_number=best.number, best_params=best.params)
        if kept is not None and kept.number == best.number:
            model = Model.from_arrays(*kept.model)
        else:  # trained before a resume: train it again as its trial did (same seed, data, one
            # BLAS thread), which gives the same model to the bit
            with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                model = Model(config.hyperparameters(best.params, best.seed)).fit(*split.train, dev=split.dev)
        # the test split is scored exactly once, by the chosen model
        output(run_dir / "best_model.npz", model.save)
        if split.test is not None:
            report = model.evaluate(*split.test)
            summary.update(test_metric=report["metric"], test_cost=report["cost"], metric_name=report["metric_name"])
        if dataset.n_features == 2:
            boundary = (model, dataset.X, dataset.Y)
    study.set_user_attr("summary", json.loads(json.dumps(summary, default=str)))
    output(run_dir / "leaderboard.csv", write_leaderboard_csv, records, summary)
    output(run_dir / "report.html", write_report, records, summary, boundary=boundary)
    return SearchResult(records, summary, run_dir)


def rebuild_report(run_dir, storage: str | None = None) -> list[Path]:
    """Rewrite ``leaderboard.csv`` and ``report.html`` of a run folder from its study; return
    the files written."""
    run_dir = Path(run_dir)
    study = open_run(run_dir, storage)
    check_writable(run_dir, "copy the folder somewhere writable and run `nnlab report` there; the study is unchanged")
    try:
        records = load_records(study)
        attrs = study.user_attrs
    except Exception as error:  # a damaged study file: one line, naming it
        if database_error(error) is None:
            raise
        raise NNLabError(f"cannot read the study in {storage_url(run_dir, storage)!r}: "
                         f"{short(database_error(error))}") from error
    config = parse_search_config(attrs["config"]) if "config" in attrs else None
    summary = attrs.get("summary")
    if summary is None:  # an interrupted search: no best model yet
        if config is None:
            raise NNLabError(f"{run_dir}: the study records no search configuration")
        summary = summary_of(config, run_dir)
    boundary = None
    best_model = run_dir / "best_model.npz"
    if best_model.exists() and config is not None:
        model = Model.load(best_model)
        if model.layer_dims[0] == 2:
            dataset = _load_splits(config).dataset
            boundary = (model, dataset.X, dataset.Y)
    return [write_leaderboard_csv(run_dir / "leaderboard.csv", records, summary),
            write_report(run_dir / "report.html", records, summary, boundary=boundary)]

