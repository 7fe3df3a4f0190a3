"""Faults during a search, made real: a Dask worker process killed with SIGKILL mid-trial, a run
folder that cannot be written (a read-only mount, file modes, or an unprivileged user), a disk
that fills (a file size limit, and a full tmpfs where this process may mount one), a damaged
study file, and trials that diverge.

Every check runs the installed ``nnlab`` script in a subprocess, as a user would, and reads the
study file back with Optuna afterwards. The file-system tests adapt to who runs them: as root,
file modes do not stop writes, so a read-only bind mount (or, failing that, the unprivileged
user 65534 through ``setpriv``) takes their place; each way is first checked to really refuse a
write before a test relies on it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import search_config
from interrupt import sigint_when, start_interruptible

from nnlab.search import load_records, load_search_config, open_run, run_search

NNLAB = str(Path(sys.executable).with_name("nnlab"))
TIMEOUT = 180  # seconds for one CLI run; longer is a hang

# Runs ``nnlab ...`` with a file size limit: SIGXFSZ ignored, so a write past the limit fails
# with EFBIG (File too large) instead of killing the process. No privileges needed.
LIMITED = (
    "import os, resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "limit = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


def write_config(folder: Path, **options) -> Path:
    """The tests' small flower search, serial, as ``folder/search.toml``."""
    return search_config.write_config(folder, name="search.toml", **options)


def nnlab(*args, limit: int | None = None, prefix=(), env=None) -> subprocess.CompletedProcess:
    command = [NNLAB, *map(str, args)]
    if limit is not None:
        command = [sys.executable, "-c", LIMITED, str(limit), *command]
    return subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=TIMEOUT, env=env)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    """The single ``Error: ...`` line of a failed command (and no traceback)."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def leaderboard(records) -> list[tuple]:
    """What must not depend on executors, faults or resumes: index, params, seed, state, scores."""
    return sorted(
        (r.number, tuple(sorted(r.params.items())), r.seed, r.state, r.dev_metric, r.train_metric)
        for r in records
    )


def trial_states(db: Path, timeout: float = 5) -> dict[str, int]:
    """Rows of the trials table by state, read straight from the SQLite file (read-only).

    Polls while a search runs pass a short ``timeout``: waiting out the writer's lock would let
    the moment they watch for go by."""
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=timeout)) as connection:
        return dict(connection.execute("SELECT state, COUNT(*) FROM trials GROUP BY state").fetchall())


def integrity(db: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def completed_in(db: Path) -> int:
    try:
        return trial_states(db, timeout=0.1).get("COMPLETE", 0)
    except sqlite3.Error:  # not created yet, or the schema is being written
        return 0


@contextlib.contextmanager
def opened(run: Path):
    """The study of a run folder, through Optuna; its database connections closed at the end (an
    open file would keep a mount busy)."""
    study = open_run(run)
    try:
        yield study
    finally:
        storage = getattr(study._storage, "_backend", study._storage)
        storage.engine.dispose()


def stored_records(run: Path) -> list[dict]:
    with opened(run) as study:
        return load_records(study)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def reference(path: Path, out: Path):
    """The same search run straight through, serially, in this process."""
    return run_search(load_search_config(path), out, echo=lambda line: None)


# ------------------------------------------------------------------ a Dask worker killed mid-search


@pytest.fixture
def two_worker_cluster():
    """A fresh LocalCluster with two worker processes (one thread each): a test kills one.

    Not the session's ``dask_cluster``: the test counts in the scheduler's transition log how
    often its trial keys began processing, which other tests' runs on a shared scheduler would add to.
    """
    distributed = pytest.importorskip("distributed",
                                      reason="dask.distributed is not installed: pip install 'nnlab[test]'")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0",
    ) as cluster:
        cluster.wait_for_workers(2, timeout=60)
        yield cluster.scheduler_address


def _processings(dask_scheduler, prefix: str) -> int:
    """Run on the scheduler: how many times a task whose key starts with ``prefix`` began processing."""
    return sum(1 for transition in dask_scheduler.transition_log
               if str(transition[0]).startswith(prefix) and transition[2] == "processing")


def worker_pids(address: str) -> set[int]:
    import distributed

    with distributed.Client(address, timeout=30, set_as_default=False) as client:
        return set(client.run(os.getpid).values())


@pytest.mark.slow  # 14-22 s measured on 2 busy cores: a cluster, a search on it, the serial search
def test_a_dask_worker_killed_mid_trial_the_search_completes_with_every_trial_once(tmp_path, two_worker_cluster):
    import distributed

    address = two_worker_cluster
    path = write_config(tmp_path, epochs=8000, activations='["tanh"]')  # 4 trials of 0.5-1 s
    out = tmp_path / "dask"
    with distributed.Client(address, timeout=30, set_as_default=False) as client:
        pids = client.run(os.getpid)  # worker address -> process id
        process = subprocess.Popen([NNLAB, "search", str(path), "--out", str(out), "--scheduler", address],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Two trials run at once; once the first result is stored, the runner sends trial 2 to
            # the worker that freed up. That worker is killed while it trains trial 2.
            victim, deadline = None, time.monotonic() + 120
            while victim is None and process.poll() is None and time.monotonic() < deadline:
                if completed_in(out / "study.db") >= 1:
                    victim = next((worker for worker, keys in client.processing().items()
                                   if any(str(key).startswith("nnlab-trial-2-") for key in keys)), None)
                time.sleep(0.02)
            assert victim is not None, f"trial 2 never ran on a worker (search exit {process.poll()})"
            time.sleep(0.05)  # it is training now (a trial takes 0.5-1 s)
            assert any(str(key).startswith("nnlab-trial-2-") for key in client.processing()[victim])
            os.kill(pids[victim], signal.SIGKILL)
            stdout, stderr = process.communicate(timeout=TIMEOUT)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
        reruns = client.run_on_scheduler(_processings, prefix="nnlab-trial-2-")
    assert process.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert reruns >= 2  # the killed trial was started again on a live worker
    assert pids[victim] not in worker_pids(address)  # the worker really died

    records = stored_records(out)
    assert [r.number for r in records] == [0, 1, 2, 3]  # each index once
    assert trial_states(out / "study.db") == {"COMPLETE": 4}  # nothing failed, nothing ran twice
    straight = reference(path, tmp_path / "serial")
    assert leaderboard(records) == leaderboard(straight.records)
    with opened(out) as study:
        assert study.user_attrs["summary"]["test_metric"] == straight.summary["test_metric"]


# ------------------------------------------------------------------ a run folder that cannot be written


def _refuses_writes(folder: Path, prefix=()) -> bool:
    """Whether creating a file in ``folder`` fails (run as the command ``prefix`` would run it)."""
    probe = folder / ".probe"
    code = f"open({str(probe)!r}, 'w').close()"
    refused = subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True).returncode != 0
    if probe.exists():
        probe.unlink()
    return refused


@contextlib.contextmanager
def _file_modes(folder: Path):
    """chmod a-w on ``folder`` and everything in it (restored at the end)."""
    modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")]}
    for path in [*folder.rglob("*"), folder]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@contextlib.contextmanager
def _by_modes(folder: Path, workspace: Path):
    with _file_modes(folder):
        yield ((), "file modes") if _refuses_writes(folder) else "file modes do not stop this user"


@contextlib.contextmanager
def _by_mount(folder: Path, workspace: Path):
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True, text=True)
    if bound.returncode != 0:
        yield f"mount --bind failed: {bound.stderr.strip() or bound.returncode}"
        return
    try:
        remount = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, text=True)
        if remount.returncode != 0:
            yield f"mount -o remount,ro,bind failed: {remount.stderr.strip() or remount.returncode}"
        else:
            yield ((), "a read-only bind mount") if _refuses_writes(folder) else "the read-only mount took writes"
    finally:
        unmount(folder)


def unmount(folder: Path) -> None:
    """Unmount ``folder``; if something still holds a file there, detach it lazily instead."""
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


@contextlib.contextmanager
def _by_setpriv(folder: Path, workspace: Path):
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        yield "setpriv is not installed"
        return
    prefix = (setpriv, "--reuid=65534", "--regid=65534", "--clear-groups")
    changed = []  # (path, mode) to restore: user 65534 must reach and write the workspace
    for parent in workspace.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            changed.append((parent, mode))
            parent.chmod(mode | 0o001)
    for path in [workspace, *workspace.rglob("*")]:
        if path != folder and folder not in path.parents:
            changed.append((path, path.stat().st_mode))
            path.chmod(path.stat().st_mode | (0o007 if path.is_dir() else 0o006))
    try:
        with _file_modes(folder):
            if _refuses_writes(folder, prefix) and not _refuses_writes(workspace, prefix):
                yield prefix, "user 65534 (setpriv) and file modes"
            else:
                yield "user 65534 could not be given a read-only folder in a writable workspace"
    finally:
        for path, mode in reversed(changed):
            path.chmod(mode)


READ_ONLY_WAYS = {"modes": _by_modes, "mount": _by_mount, "setpriv": _by_setpriv}


@contextlib.contextmanager
def read_only(folder: Path, workspace: Path):
    """Make ``folder`` unwritable for the ``nnlab`` runs of a test; yields ``(prefix, how)``: the
    command prefix those runs need and the way it was done.

    Not root: file modes. Root, whom modes do not stop: a read-only bind mount of ``folder`` onto
    itself, or if mounting is not allowed, file modes with ``nnlab`` run as user 65534 through
    ``setpriv`` (``workspace`` is opened to that user meanwhile). Each way is checked to refuse a
    write before it is used; if none does, the test is skipped, saying why. The environment
    variable ``NNLAB_TEST_READ_ONLY`` (modes, mount or setpriv) forces one way.
    """
    forced = os.environ.get("NNLAB_TEST_READ_ONLY")
    ways = [forced] if forced else (["mount", "setpriv"] if os.geteuid() == 0 else ["modes"])
    failures = []
    for way in ways:
        with READ_ONLY_WAYS[way](folder, workspace) as outcome:
            if not isinstance(outcome, str):
                yield outcome
                return
            failures.append(outcome)
    pytest.skip("cannot make a folder read-only for this test: " + "; ".join(failures))


def running_and_completed(db: Path) -> tuple[int, int]:
    try:
        states = trial_states(db, timeout=0.1)
    except sqlite3.Error:  # not created yet, the schema being written, or locked by a write
        return 0, 0
    return states.get("RUNNING", 0), states.get("COMPLETE", 0)


def interrupted_search(path: Path, out: Path, after: int = 2) -> int:
    """Start ``nnlab search``; once ``after`` trials are stored and the next one is running, send
    Ctrl-C. Returns the trials stored."""
    process = start_interruptible([NNLAB, "search", str(path), "--out", str(out)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def next_trial_running() -> bool:
        running, completed = running_and_completed(out / "study.db")
        return completed >= after and running > 0

    stdout, stderr = sigint_when(process, next_trial_running)
    assert process.returncode == 130, (stdout, stderr)
    return completed_in(out / "study.db")


@pytest.fixture
def workspace(tmp_path):
    """A folder for a test's files that user 65534 can be let into (pytest's own is private)."""
    folder = Path(tempfile.mkdtemp(prefix="nnlab-faults-", dir=tmp_path))
    return folder


def test_a_run_folder_inside_a_read_only_folder_is_one_clear_line(workspace):
    path = write_config(workspace)
    locked = workspace / "locked"
    locked.mkdir()
    with read_only(locked, workspace) as (prefix, how):
        result = nnlab("search", path, "--out", locked / "run", prefix=prefix)
        line = one_error_line(result)
        assert f"cannot create the run folder {locked / 'run'}" in line, how
        expected = "Read-only file system" if how == "a read-only bind mount" else "Permission denied"
        assert expected in line, (how, line)
        assert "--out" in line  # what to do
    assert list(locked.iterdir()) == []  # nothing was created


def test_resuming_into_a_run_folder_made_read_only_changes_nothing_and_the_study_stays_readable(workspace):
    path = write_config(workspace, epochs=3000)  # trials of a few tenths of a second: caught running
    run = workspace / "run"
    saved = interrupted_search(path, run)
    assert 2 <= saved < 8
    before = snapshot(run)
    trials_before = trial_states(run / "study.db")
    assert trials_before.get("RUNNING", 0) == 1  # the trial Ctrl-C stopped: a resume would rewrite it

    with read_only(run, workspace) as (prefix, how):
        line = one_error_line(nnlab("search", path, "--out", run, prefix=prefix))
        assert f"cannot write in the run folder {run}" in line, how
        reason = "Read-only file system" if "mount" in how else "Permission denied"
        assert (run / "study.db").exists()
        assert reason in line and "nothing in it was changed" in line, line
        # `nnlab report` writes into the folder too: the same kind of line
        report_line = one_error_line(nnlab("report", run, prefix=prefix))
        assert f"cannot write in the run folder {run}" in report_line and reason in report_line
        assert snapshot(run) == before  # not a byte changed, no file added
        # the study reads back where it lies, read-only
        records = stored_records(run)
        assert [r.number for r in records] == list(range(saved))
        assert integrity(run / "study.db") == "ok"

    # a writable copy of the folder: the report is rebuilt from the untouched study
    copy = workspace / "copy"
    shutil.copytree(run, copy)
    assert not (copy / "report.html").exists()  # an interrupted search writes no report
    rebuilt = nnlab("report", copy)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "data:image/png;base64," in (copy / "report.html").read_text()
    assert len((copy / "leaderboard.csv").read_text().splitlines()) == 1 + saved
    # (that the unchanged study resumes is what test_search_runner's Ctrl-C test checks)


# ------------------------------------------------------------------ the disk fills


def empty_study_size(folder: Path) -> int:
    """Bytes of a study file holding Optuna's schema and no trial."""
    import optuna

    db = folder / "empty.db"
    optuna.create_study(storage=f"sqlite:///{db}", study_name="empty")
    return db.stat().st_size


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    """A search run straight through (the reference), with the size of its study file."""
    folder = tmp_path_factory.mktemp("straight")
    path = write_config(folder, epochs=300)
    result = reference(path, folder / "run")
    return path.read_text(), result, (folder / "run" / "study.db").stat().st_size, empty_study_size(folder)


def check_the_stopped_study(db: Path, saved: int, line: str, straight) -> None:
    """After a failed write: the study file is consistent and holds the trials the line counts."""
    assert integrity(db) == "ok"
    records = stored_records(db.parent)
    assert f"{len(records)} of 8 trials are saved in the study" in line
    assert len(records) == saved and 1 <= saved < 8, f"the write failed at trial {saved}, not mid-search"
    assert all(r.state == "COMPLETE" for r in records)
    straight_by_number = {row[0]: row for row in leaderboard(straight.records)}
    assert all(row == straight_by_number[row[0]] for row in leaderboard(records))


def check_the_resume(path: Path, run: Path, straight) -> None:
    resumed = nnlab("search", path, "--out", run)
    assert resumed.returncode == 0, resumed.stderr
    records = stored_records(run)
    assert [r.number for r in records] == list(range(8))  # none lost, none duplicated
    assert trial_states(run / "study.db")["COMPLETE"] == 8  # no finished trial ran twice
    assert leaderboard(records) == leaderboard(straight.records)
    assert all((run / name).stat().st_size > 0 for name in ("leaderboard.csv", "best_model.npz", "report.html"))


def test_a_file_size_limit_mid_search_is_one_clear_line_and_a_resume_finishes(tmp_path, straight_run):
    text, straight, full_size, empty_size = straight_run
    path = tmp_path / "search.toml"
    path.write_text(text)
    run = tmp_path / "run"
    limit = empty_size + (full_size - empty_size) // 2  # the study can hold about half the trials
    result = nnlab("search", path, "--out", run, limit=limit)
    line = one_error_line(result)
    assert f"cannot write the study {run / 'study.db'}" in line
    assert f"ulimit -f, is {limit} bytes" in line and "rerun the same command to resume" in line
    assert (run / "study.db").stat().st_size <= limit
    check_the_stopped_study(run / "study.db", completed_in(run / "study.db"), line, straight)
    check_the_resume(path, run, straight)


def test_a_file_size_limit_at_the_report_is_one_clear_line_and_a_rerun_writes_it(tmp_path, straight_run):
    text, straight, full_size, _ = straight_run
    path = tmp_path / "search.toml"
    path.write_text(text)
    run = tmp_path / "run"
    limit = full_size + 16 * 1024  # the whole study fits; the report (with its plots) does not
    line = one_error_line(nnlab("search", path, "--out", run, limit=limit))
    assert f"cannot write {run / 'report.html'}: File too large; 8 of 8 trials are saved in the study" in line
    assert not (run / "report.html").exists() and not list(run.glob(".*.tmp"))  # no half file, no temporary
    assert integrity(run / "study.db") == "ok"
    assert len(stored_records(run)) == 8
    check_the_resume(path, run, straight)
    assert trial_states(run / "study.db") == {"COMPLETE": 8}


@pytest.fixture
def small_tmpfs(tmp_path):
    """A fresh folder and ``mount(size)``, which mounts a tmpfs of ``size`` bytes there (or resizes
    it); root with CAP_SYS_ADMIN only, else the test is skipped saying so. Unmounted at the end."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    mounted = []

    def mount(size: int):
        options = f"size={size}" if not mounted else f"remount,size={size}"
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            if not mounted:
                pytest.skip(f"cannot mount a small tmpfs for a real ENOSPC (needs root with CAP_SYS_ADMIN): "
                            f"{done.stderr.strip() or done.returncode}")
            raise AssertionError(f"could not resize the tmpfs: {done.stderr}")
        mounted.append(size)

    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for a real ENOSPC needs root; the file size limit test covers EFBIG")
    try:
        yield folder, mount
    finally:
        if mounted:
            unmount(folder)


def test_a_full_disk_mid_search_is_one_clear_line_and_a_resume_with_space_finishes(straight_run, small_tmpfs):
    text, straight, full_size, empty_size = straight_run
    folder, mount = small_tmpfs
    page = os.sysconf("SC_PAGE_SIZE")
    size = (empty_size + (full_size - empty_size) // 2) // page * page
    mount(size)
    path = folder / "search.toml"
    path.write_text(text)
    run = folder / "run"
    with pytest.raises(OSError) as full:  # the device really is full: ENOSPC
        with open(folder / "filler", "wb") as handle:
            handle.write(b"\0" * (size + page))
    assert full.value.errno == errno.ENOSPC
    (folder / "filler").unlink()

    line = one_error_line(nnlab("search", path, "--out", run))
    assert f"cannot write the study {run / 'study.db'}: database or disk is full" in line
    assert "No space left on device" in line and "rerun the same command to resume" in line
    check_the_stopped_study(run / "study.db", completed_in(run / "study.db"), line, straight)
    mount(64 << 20)  # space again
    check_the_resume(path, run, straight)


def test_a_damaged_study_file_is_one_clear_line_from_report(tmp_path, straight_run):
    """Bytes in the study that are not UTF-8 (a damaged disk, a stray edit): `nnlab report` names
    the study and SQLite's reason instead of showing a traceback (or Optuna's log lines)."""
    _, straight, _, _ = straight_run
    damaged = tmp_path / "damaged"
    shutil.copytree(straight.run_dir, damaged)
    with contextlib.closing(sqlite3.connect(damaged / "study.db")) as connection, connection:
        changed = connection.execute(
            "UPDATE trial_user_attributes SET value_json = CAST(X'7B22FF22' AS TEXT) WHERE key = 'outcome'"
        ).rowcount
    assert changed == 8
    line = one_error_line(nnlab("report", damaged))
    assert f"cannot read the study in 'sqlite:///{damaged / 'study.db'}'" in line
    assert "Could not decode to UTF-8" in line and len(line) < 400


# ------------------------------------------------------------------ diverging trials


def test_diverging_trials_are_failed_with_their_reason_in_the_study_leaderboard_csv_and_report(tmp_path):
    path = write_config(tmp_path, learning_rates="[0.3, 1e6]", activations='["relu"]')
    run = tmp_path / "run"
    result = nnlab("search", path, "--out", run)
    assert result.returncode == 0, result.stderr
    records = stored_records(run)
    failed = [r for r in records if r.state == "FAIL"]
    assert [r.params["learning_rate"] for r in failed] == [1e6, 1e6]
    assert all(r.reason.startswith("training diverged:") and "learning rate 1e+06" in r.reason for r in failed)
    assert all(r.state == "COMPLETE" for r in records if r.params["learning_rate"] == 0.3)
    assert trial_states(run / "study.db") == {"COMPLETE": 2, "FAIL": 2}
    for r in failed:  # the terminal leaderboard names each failed trial and its reason
        assert f"trial {r.number} failed: training diverged" in result.stdout
    assert result.stdout.count("training diverged") == 2
    assert (run / "leaderboard.csv").read_text().count("training diverged") == 2
    assert (run / "report.html").read_text().count("training diverged") >= 2
