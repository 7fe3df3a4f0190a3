"""Shared test setup: one BLAS thread, an independent central-difference gradient, and the
session-wide fixtures the test files share.

Data: ``cat_dir`` / ``cat_data`` / ``cat_vectors`` (the course's cat images, skipped with the
reason when ../shared/data/catvnoncat lacks them) and ``flower`` (the course's planar set).
Training: ``cat_L_layer_run``, the course's published 2500-iteration four-layer cat model,
trained once for the course tests and the Model quality test.
Dask: ``dask_cluster`` (one LocalCluster of two worker processes for the whole session) and
``dask_command_line_cluster`` (a scheduler and a worker started as ``dask`` commands).

Everything shared is read-only (arrays) or heals itself (the cluster waits for both workers
again before each test), so no test can change what the next one sees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

# One BLAS thread for the whole session. Measured on the 2-core CI machine with the other core
# busy: the four-layer cat model's forward pass took 8 ms with one OpenBLAS thread and 130 ms
# with two (thin products thrash when threads compete for a core).
_BLAS_LIMIT = threadpool_limits(limits=1)


def _numerical_gradient(f, x, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to every entry of ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` must read it; float64 only.
    """
    assert x.dtype == np.float64, "numerical gradients need float64"
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        f_plus = f()
        x[index] = old - eps
        f_minus = f()
        x[index] = old
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad


@pytest.fixture
def numerical_gradient():
    """``numerical_gradient(f, x, eps=1e-6)``: central differences of ``f()`` w.r.t. ``x``."""
    return _numerical_gradient


@pytest.fixture
def rng():
    """A local, seeded random source (the global NumPy state is never touched)."""
    return np.random.RandomState(0)


# --------------------------------------------------------------------------------------------
# The course's data

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data from the project root
CAT_DIR = SHARED_DATA / "catvnoncat"
CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")


def _read_only(*arrays):
    for array in arrays:
        array.flags.writeable = False  # shared by every test of the session: nobody may modify it
    return arrays


@pytest.fixture(scope="session")
def cat_dir() -> Path:
    """The folder of the course's cat / non-cat images; the test is skipped, saying what is
    missing, when either file is absent."""
    missing = [name for name in CAT_FILES if not (CAT_DIR / name).is_file()]
    if missing:
        pytest.skip(f"the course's cat images are not available: {CAT_DIR} lacks {', '.join(missing)}")
    return CAT_DIR


@pytest.fixture(scope="session")
def cat_data(cat_dir):
    """``(train_x_orig, train_y, test_x_orig, test_y, classes)`` as ``load_catvnoncat`` reads
    them: (209, 64, 64, 3), (1, 209), (50, 64, 64, 3), (1, 50), ``[b'non-cat', b'cat']``; read-only."""
    from nnlab.data import load_catvnoncat

    return _read_only(*load_catvnoncat(cat_dir))


@pytest.fixture(scope="session")
def cat_vectors(cat_data):
    """``(train_x, train_y, test_x, test_y)`` with the course's preprocessing: each image a
    column, scaled to [0, 1] (``x.reshape(m, -1).T / 255.``): (12288, 209) and (12288, 50); read-only."""
    train_x_orig, train_y, test_x_orig, test_y, _ = cat_data
    train_x = train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.0
    test_x = test_x_orig.reshape(test_x_orig.shape[0], -1).T / 255.0
    _read_only(train_x, test_x)
    return train_x, train_y, test_x, test_y


@pytest.fixture(scope="session")
def flower():
    """The course's planar flower ``(X, Y)``: X (2, 400) float64, Y (1, 400) uint8; read-only."""
    from nnlab.data import load_planar_dataset

    return _read_only(*load_planar_dataset())


@pytest.fixture(scope="session")
def cat_L_layer_run(cat_vectors):
    """The course's published run, trained once per session: ``L_layer_model`` with layers
    [12288, 20, 7, 5, 1], 2500 iterations, printing its costs, then ``predict`` on both sets.

    A dict: ``parameters``, ``costs``, ``printed`` and ``train`` / ``test`` (predictions and the
    printed accuracy). Its arrays are read-only.
    """
    from course_harness import published_run
    from nnlab.course.app import L_layer_model

    return published_run(L_layer_model, [12288, 20, 7, 5, 1], cat_vectors)


# --------------------------------------------------------------------------------------------
# Dask: real clusters of real worker processes


@pytest.fixture(scope="session")
def _session_local_cluster():
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed: pip install 'nnlab[test]'"
    )
    # The scheduler's HTTP server starts even without a dashboard: a free port on 127.0.0.1, not 8787.
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
        dashboard_address="127.0.0.1:0", worker_dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield cluster


@pytest.fixture
def dask_cluster(_session_local_cluster):
    """The session's ``distributed.LocalCluster``: two worker processes (one thread each) under
    nannies, started once. A test may kill a worker (its nanny starts a new one): before each
    test both workers are registered with the scheduler again.

    A test that reads the scheduler's history (its transition log) or needs a worker to stay
    dead starts a cluster of its own instead.
    """
    _session_local_cluster.wait_for_workers(2, timeout=60)
    return _session_local_cluster


@pytest.fixture(scope="session")
def dask_command_line_cluster(tmp_path_factory):
    """``(address, worker_pid)`` of a ``dask scheduler`` and one ``dask worker`` (one process, one
    thread, no nanny) started as commands, the way a user starts them; stopped by their process
    ids at the end of the session."""
    pytest.importorskip("distributed", reason="dask.distributed is not installed: pip install 'nnlab[test]'")
    from dask_processes import scheduler_and_worker

    with scheduler_and_worker(tmp_path_factory.mktemp("dask-command-line")) as (address, worker_pid):
        yield address, worker_pid
