"""scikit-learn stays optional; the estimators' remaining options; the benchmark runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
HIDE_SKLEARN = (
    "import sys\n"
    "class Hide:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'sklearn' or name.startswith('sklearn.'):\n"
    "            raise ImportError('No module named ' + repr(name))\n"
    "sys.meta_path.insert(0, Hide())\n"
)


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", HIDE_SKLEARN + code], capture_output=True, text=True, env=env)


def test_nnlab_imports_without_scikit_learn():
    result = _run("import nnlab; from nnlab import Model; print('ok')")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_nnlab_sklearn_names_the_extra_when_scikit_learn_is_missing():
    result = _run("import nnlab.sklearn")
    assert result.returncode == 1
    assert "pip install 'nnlab[sklearn]'" in result.stderr.splitlines()[-1]


pytest.importorskip("sklearn", reason="the sklearn extra is not installed")

from nnlab.sklearn import NNClassifier, NNRegressor  # noqa: E402

RS = np.random.RandomState(0)
X = RS.randn(120, 3)
y = (X[:, 0] + X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("weighted", [False, True])
def test_float32_end_to_end(weighted):
    clf = NNClassifier((8,), max_iter=100, learning_rate_init=0.01, dtype="float32", random_state=0)
    clf.fit(X, y, sample_weight=RS.rand(120) + 0.5 if weighted else None)
    assert all(c.dtype == np.float32 for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X).dtype == np.float32 and clf.score(X, y) > 0.9


@pytest.mark.parametrize("weighted", [False, True])
def test_dropout_decay_and_other_solvers_train(weighted):
    for solver in ("gd", "momentum", "rmsprop"):
        reg = NNRegressor((16,), activation="tanh", solver=solver, keep_prob=0.8, decay="inverse_time", decay_rate=0.01,
                          learning_rate_init=0.05, max_iter=200, random_state=0)
        reg.fit(X, X[:, 0] - 2 * X[:, 1], sample_weight=np.r_[np.ones(60), np.full(60, 2.0)] if weighted else None)
        assert reg.score(X, X[:, 0] - 2 * X[:, 1]) > 0.8, solver


def test_same_random_state_same_network_and_none_draws_anew():
    first = NNClassifier((4,), max_iter=5, random_state=3).fit(X, y).coefs_[0]
    np.testing.assert_array_equal(NNClassifier((4,), max_iter=5, random_state=3).fit(X, y).coefs_[0], first)
    a, b = (NNClassifier((4,), max_iter=5).fit(X, y).coefs_[0] for _ in range(2))
    assert not np.array_equal(a, b)


def test_benchmark_runs_and_prints_a_table():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks import mlp

    rows = mlp.run(["iris"], seeds=1, epochs=5)
    assert len(rows) == 1 and len(rows[0].nnlab) == 1 and rows[0].speedup > 0
    assert "| iris | accuracy |" in mlp.table(rows)


def test_verbose_weighted_epochs_print_the_loss(capsys):
    NNClassifier((4,), max_iter=3, verbose=1, random_state=0).fit(X, y, sample_weight=np.linspace(0.5, 1.5, 120))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == ["Iteration 1", "Iteration 2", "Iteration 3"]


def test_errors_name_scikit_learn_parameters():
    with pytest.raises(ValueError, match=r"^NNRegressor: hidden_layer_sizes\[1\] must"):
        NNRegressor((4, 0)).fit(X, y)
    with pytest.raises(ValueError, match="learning_rate_init must"):
        NNRegressor(learning_rate_init=0).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction must be in"):
        NNRegressor(early_stopping=True, validation_fraction=1.5).fit(X, y)
