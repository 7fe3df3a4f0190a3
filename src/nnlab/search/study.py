"""The study store of a search: where it lives, opening or resuming it, the trial records it
holds, and the one line that says why a storage or a run folder failed.

Optuna's study (an SQLite file in the run folder by default, any SQLAlchemy URL otherwise) is
written by the main process only. Each trial keeps its index (:data:`INDEX`), its seed and its
:class:`~nnlab.search.trial.TrialRecord` measurements in one attribute (:data:`OUTCOME`: one
SQLite transaction per trial); :func:`load_records` reads them back, also from studies that
stored each measurement as an attribute of its own.

Faults. SQLite, SQLAlchemy, Optuna and OS errors become one :class:`~nnlab.errors.NNLabError`
line naming the study or file, the database's reason and what the folder shows (read-only, full,
permission, ``ulimit -f``); :func:`describe_storage_failure` gives that reason for any error.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import tempfile
import threading
from pathlib import Path

from ..errors import ModelFileError, NNLabError
from ..text import shorten
from .config import SearchConfig
from .space import ConfigError, decode
from .trial import TrialRecord

__all__ = [
    "INDEX",
    "interrupts_held",
    "OUTCOME",
    "STUDY_NAME",
    "describe_storage_failure",
    "load_records",
    "open_run",
    "open_study",
    "store_record",
]

STUDY_NAME = "nnlab-search"
INDEX = "index"  # user attribute: the trial's position in the search (stable across resumes)
OUTCOME = "outcome"  # user attribute: the trial's TrialRecord.to_json()


def storage_url(run_dir: Path, storage: str | None) -> str:
    """``storage``, or the SQLite file ``study.db`` of the run folder."""
    return storage or f"sqlite:///{(run_dir / 'study.db').resolve()}"


def open_study(config: SearchConfig, run_dir: Path, storage: str | None, pruner=None, metric: str | None = None):
    """Create the study of ``config``, or open it to resume; a study of another search is refused.

    ``pruner``: the Optuna pruner the trials report to; ``metric``: the objective's name in
    words ("dev accuracy"), stored with ``study.set_metric_names`` for optuna-dashboard.

    Raises
    ------
    NNLabError
        The storage cannot be opened (one line: the URL and the database's reason).
    ConfigError
        The study holds a different search (the changed sections named).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            study_name=STUDY_NAME, storage=storage_url(run_dir, storage), direction=config.direction,
            load_if_exists=True, sampler=optuna.samplers.RandomSampler(seed=config.seed), pruner=pruner,
        )
    except Exception as error:  # SQLAlchemy / Optuna errors: bad URL, unreachable database, read-only, full
        reason = storage_reason(error, run_dir, storage) if database_error(error) is not None else short(error)
        raise NNLabError(f"cannot open the study storage {storage_url(run_dir, storage)!r}: {reason}") from None
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
    if metric is not None and study.metric_names != [metric]:  # also a study of an older nnlab
        import warnings

        with warnings.catch_warnings():  # "experimental" since Optuna 3.2, stable in use
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            study.set_metric_names([metric])
    return study


def open_run(run_dir, storage: str | None = None):
    """The study of an existing run folder (for ``nnlab report``)."""
    import optuna

    run_dir = Path(run_dir)
    url = storage_url(run_dir, storage)
    if storage is None and not (run_dir / "study.db").exists():
        raise NNLabError(f"{run_dir} holds no search (no study.db); run `nnlab search CONFIG --out {run_dir}` first")
    # errors, not Optuna's warnings: a damaged study is one line (the error), not a log
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        return optuna.load_study(study_name=STUDY_NAME, storage=url)
    except Exception as error:
        raise NNLabError(f"cannot read the study in {url!r}: {short(database_error(error) or error)}") from None


# --------------------------------------------------------------------------- trial records


def finished(trial) -> bool:
    """Whether a stored trial is done for good: COMPLETE, PRUNED or FAIL, and not interrupted
    (rerun on resume); a pruned trial stays pruned."""
    import optuna

    states = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)
    return trial.state in states and not trial.user_attrs.get("interrupted", False)


def recover_interrupted(study) -> list[tuple[int, dict]]:
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


def store_record(trial, record: TrialRecord) -> None:
    """Keep ``record``'s measurements on the Optuna ``trial``: one attribute, one transaction."""
    trial.set_user_attr(OUTCOME, record.to_json())


def record_of(trial) -> TrialRecord:
    """The record of a stored Optuna trial."""
    attrs = trial.user_attrs
    # absent for a trial that never ran (bad params, interrupted); a study written before the
    # outcome was one attribute holds each field as an attribute of its own
    stored = attrs.get(OUTCOME) or attrs
    return TrialRecord.from_json(
        stored,
        number=attrs.get(INDEX, trial.number),
        state="FAIL" if attrs.get("interrupted") else trial.state.name,
        params={name: decode(name, value) for name, value in trial.params.items()},
        seed=attrs.get("seed"),
        reason=stored.get("reason") or attrs.get("reason"),
    )


def counted(study) -> list:
    """The stored trials that count: finished, with an index."""
    return [t for t in study.get_trials(deepcopy=False) if finished(t) and INDEX in t.user_attrs]


def load_records(study) -> list[TrialRecord]:
    """The records of the trials that count: finished, one per index (the latest), by index."""
    by_index = {trial.user_attrs[INDEX]: record_of(trial) for trial in counted(study)}
    return [by_index[k] for k in sorted(by_index)]


# --------------------------------------------------------------------------- faults: one clear line


def describe_storage_failure(error: BaseException) -> str | None:
    """The database's reason, on one line, if ``error`` is a failure of a study's storage
    (SQLite, SQLAlchemy, Optuna's storage layer); None for any other error."""
    module = type(error).__module__.split(".")[0]
    if module not in ("sqlite3", "sqlalchemy", "optuna"):
        return None
    database = database_error(error)
    return None if database is None else short(database)


def prepare_run_dir(run_dir: Path) -> None:
    """Create the run folder and check that files can be created in it, before anything is opened."""
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        where = f"{error.filename}: " if error.filename and Path(error.filename) != run_dir else ""
        raise NNLabError(
            f"cannot create the run folder {run_dir}: {where}{error.strerror or error}; "
            "choose another --out folder or make its parent writable"
        ) from error
    check_writable(run_dir, "choose another --out folder or make it writable; nothing in it was changed")


def check_writable(folder: Path, advice: str) -> None:
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


def database_error(error: BaseException) -> BaseException | None:
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


def folder_condition(folder: Path) -> str | None:
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


def storage_reason(error: BaseException, run_dir: Path, storage: str | None) -> str:
    """The database's own reason for a storage failure, with what the folder shows, on one line."""
    reason = short(database_error(error) or error)
    if storage is None:
        condition = folder_condition(run_dir)
        if condition:
            reason = f"{reason} ({condition})"
    return reason


def short(error: BaseException, limit: int = 200) -> str:
    """An error's message on one line, at most ``limit`` characters (a database may quote data)."""
    return shorten(error, limit) or type(error).__name__


def saved_trials(study) -> int | None:
    """Finished trials in ``study`` (None if it was not opened or cannot be read)."""
    if study is None:
        return None
    try:
        return len(counted(study))
    except Exception:  # the storage cannot even be read: say nothing rather than guess
        return None


class OutputFailed(Exception):
    """Writing one output file of the run folder failed with the OSError ``error``."""

    def __init__(self, path: Path, error: OSError):
        super().__init__(path, error)
        self.path, self.error = path, error


def output(path: Path, write, *args, **kwargs):
    """``write(path, *args, **kwargs)``; an OSError (or a ModelFileError caused by one) becomes
    :class:`OutputFailed`, which :func:`run_search` reports as a failed write of the run folder."""
    try:
        return write(path, *args, **kwargs)
    except OSError as error:
        raise OutputFailed(path, error) from error
    except ModelFileError as error:
        if isinstance(error.__cause__, OSError):
            raise OutputFailed(path, error.__cause__) from error
        raise


def write_failed(what, reason: str, saved: int | None, target: int, remedy: str) -> NNLabError:
    """The one line for a write that failed mid-search: what, why, what is kept, what to do."""
    kept = (f"{saved} of {target} trials are saved in the study" if saved is not None
            else "the study keeps the finished trials")
    return NNLabError(f"cannot write {what}: {reason}; {kept}: {remedy}, rerun the same command to resume")


@contextlib.contextmanager
def interrupts_held():
    """Hold Ctrl-C while the study is written, and raise it right after.

    A ``KeyboardInterrupt`` raised inside SQLite / SQLAlchemy can surface as a database error
    (a cursor closed mid-statement), which would end the search with exit 1 instead of the
    interrupt's clean stop and resume advice. Only where Python's own SIGINT handler is in place
    (the main thread, not a run that ignores SIGINT) is it swapped for one that remembers.
    """
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield
        return
    received = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if received:
        raise KeyboardInterrupt
