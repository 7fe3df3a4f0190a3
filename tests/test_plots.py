"""Learning curves and decision boundaries: figures returned to the caller, or PNG files written atomically."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnlab.data import make_blobs
from nnlab.engine.training import History
from nnlab.model import Model
from nnlab.plots import (
    decision_boundary_figure,
    learning_curve_figure,
    plot_decision_boundary,
    plot_learning_curve,
    png_bytes,
    save_png,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def is_png(path) -> bool:
    return Path(path).read_bytes()[:8] == PNG_MAGIC


def only_files(directory):
    return sorted(p.name for p in Path(directory).iterdir())


@pytest.fixture(scope="module")
def flower_model(flower):
    return Model(hidden_layers=(4,), activation="tanh", learning_rate=1.2, epochs=50).fit(*flower)


# --------------------------------------------------------------------------- figures


def test_figures_are_returned_not_written(tmp_path, monkeypatch, flower, flower_model):
    from matplotlib.figure import Figure

    monkeypatch.chdir(tmp_path)
    curve = learning_curve_figure({"train_cost": [1.0, 0.5, 0.01], "dev_cost": [1.1, 0.6, 0.02]}, title="t")
    boundary = decision_boundary_figure(flower_model, *flower, resolution=20)
    assert isinstance(curve, Figure) and isinstance(boundary, Figure)
    assert curve.axes[0].get_yscale() == "log" and curve.axes[0].get_title() == "t"  # two decades of cost
    assert [line.get_label() for line in curve.axes[0].get_lines()] == ["train", "dev"]
    assert only_files(tmp_path) == []  # drawing writes nothing
    assert png_bytes(curve)[:8] == PNG_MAGIC  # embedding: bytes in memory
    assert save_png(boundary, tmp_path / "b.png") == tmp_path / "b.png" and is_png(tmp_path / "b.png")
    assert only_files(tmp_path) == ["b.png"]


# --------------------------------------------------------------------------- learning curve


def test_learning_curve_from_a_model_history(tmp_path, flower):
    X, Y = flower
    model = Model(hidden_layers=(3,), learning_rate=0.5, epochs=30).fit(X[:, :300], Y[:, :300], dev=(X[:, 300:], Y[:, 300:]))
    path = plot_learning_curve(model.history_, tmp_path / "curve.png", title="flower")
    assert path == tmp_path / "curve.png"
    assert is_png(path)
    assert only_files(tmp_path) == ["curve.png"]


def test_learning_curve_without_dev_and_from_a_dict(tmp_path):
    history = History()
    for epoch in range(100):
        history.append(epoch=epoch, learning_rate=0.1, train_cost=np.exp(-epoch / 10), train_metric=0.5,
                       dev_cost=float("nan"), dev_metric=float("nan"))
    assert is_png(plot_learning_curve(history, tmp_path / "a.png"))  # spans decades: log scale
    assert is_png(plot_learning_curve({"train_cost": [0.7, 0.6, 0.5]}, tmp_path / "b.png"))


def test_learning_curve_replaces_an_existing_file(tmp_path):
    target = tmp_path / "curve.png"
    target.write_text("old")
    plot_learning_curve({"train_cost": [1.0, 0.5]}, target)
    assert is_png(target)
    assert only_files(tmp_path) == ["curve.png"]


@pytest.mark.parametrize(
    "history, error",
    [({"train_cost": []}, ValueError), ({"cost": [1.0]}, TypeError),
     ({"train_cost": [1.0, 0.5], "dev_cost": [1.0]}, ValueError)],
)
def test_learning_curve_rejects_bad_histories(tmp_path, history, error):
    with pytest.raises(error):
        plot_learning_curve(history, tmp_path / "x.png")
    assert only_files(tmp_path) == []


def test_a_missing_directory_is_an_error_and_writes_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plot_learning_curve({"train_cost": [1.0]}, tmp_path / "absent" / "x.png")
    assert only_files(tmp_path) == []


# --------------------------------------------------------------------------- decision boundary


def test_decision_boundary_binary(tmp_path, flower, flower_model):
    X, Y = flower
    path = plot_decision_boundary(flower_model, X, Y, tmp_path / "boundary.png", feature_names=("a", "b"))
    assert is_png(path)
    assert only_files(tmp_path) == ["boundary.png"]


def test_decision_boundary_three_classes(tmp_path):
    X, Y = make_blobs(n_samples=90, centers=3, seed=0)
    model = Model(hidden_layers=(5,), learning_rate=0.5, epochs=30).fit(X, Y)
    assert model.targets_.task == "multiclass"
    assert is_png(plot_decision_boundary(model, X, Y, tmp_path / "three.png", resolution=50))


def test_decision_boundary_string_labels_and_many_classes(tmp_path):
    X, Y = make_blobs(n_samples=120, centers=12, seed=1)
    names = np.array([f"class {k:02d}" for k in range(12)])[Y]
    model = Model(hidden_layers=(4,), learning_rate=0.5, epochs=5).fit(X, names)
    assert is_png(plot_decision_boundary(model, X, names, tmp_path / "many.png", resolution=40))


def test_decision_boundary_regression(tmp_path):
    rs = np.random.RandomState(0)
    X = rs.randn(2, 50)
    y = (X[0] - 2 * X[1]).reshape(1, -1)
    model = Model(hidden_layers=(), learning_rate=0.1, epochs=20).fit(X, y)
    assert model.targets_.task == "regression"
    assert is_png(plot_decision_boundary(model, X, y, tmp_path / "reg.png", resolution=30))


def test_decision_boundary_needs_two_features_and_a_fitted_model(tmp_path, flower_model):
    with pytest.raises(ValueError, match=r"shape \(2, m\)"):
        plot_decision_boundary(flower_model, np.zeros((3, 5)), np.zeros((1, 5)), tmp_path / "x.png")
    with pytest.raises(ValueError, match="not fitted"):
        plot_decision_boundary(Model(), np.zeros((2, 5)), np.zeros((1, 5)), tmp_path / "x.png")
    assert only_files(tmp_path) == []


def test_plotting_leaves_pyplot_and_the_backend_alone():
    """nnlab.plots renders on an Agg canvas without pyplot: no global backend, no open figures."""
    code = (
        "import sys; from nnlab.plots import plot_learning_curve; import tempfile, os\n"
        "d = tempfile.mkdtemp(); plot_learning_curve({'train_cost': [1.0, 0.5]}, os.path.join(d, 'c.png'))\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == "False"
