"""The `nnlab` commands: train, predict, evaluate, gradcheck, explain, datasets, and their errors.

Most tests call the click group in-process with CliRunner in an isolated directory; the flower
quality test runs the installed console script in a subprocess, as a user would.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tqdm import tqdm

from nnlab.cli import main, train
from nnlab.model import progress_callback
from nnlab.config import Hyperparameters
from nnlab.data import load_data
from nnlab.engine.training import History
from nnlab.errors import DataError
from nnlab.model import Model

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SCRIPT = Path(sys.executable).with_name("nnlab")


def invoke(args, expect=0):
    """Run ``nnlab args`` in-process; check the exit code and that no exception escaped."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == expect, result.output
    # CliRunner catches an unhandled exception too (exit code 1, no traceback in the output):
    # a success leaves no exception, a failure is a deliberate SystemExit
    assert type(result.exception) is (SystemExit if expect else type(None)), repr(result.exception)
    assert "Traceback" not in result.output
    return result


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def flower_model(tmp_path_factory):
    """A quickly trained flower model (2 features, binary), shared by the read-only tests."""
    directory = tmp_path_factory.mktemp("flower")
    path = directory / "flower.npz"
    invoke(["train", "--data", "flower", "--layers", "4", "--lr", "1.2", "--epochs", "300",
            "--out", path, "--no-plots"])
    return path


@pytest.fixture(scope="module")
def blobs_model(tmp_path_factory):
    """A six-class model on the course's blobs."""
    path = tmp_path_factory.mktemp("blobs") / "blobs.npz"
    invoke(["train", "--data", "blobs", "--layers", "8", "--lr", "0.5", "--epochs", "200",
            "--out", path, "--no-plots"])
    return path


# --------------------------------------------------------------------------- train


def test_flower_through_the_installed_script_reaches_90_percent(tmp_path):
    """The course's flower model from the command line: 4 tanh units, lr 1.2, 10,000 epochs.

    Trained on all 400 points as the course does (``--dev-fraction 0``); with the default 20 %
    dev split the 320 training points reach about 89.7 %.
    """
    out = tmp_path / "flower.npz"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    completed = subprocess.run(
        [str(SCRIPT), "train", "--data", "flower", "--layers", "4", "--activation", "tanh", "--lr", "1.2",
         "--epochs", "10000", "--dev-fraction", "0", "--out", str(out), "--no-plots"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""  # stdout is not a terminal: no progress bar
    match = re.search(r"^train\s+400\s+([\d.]+) %", completed.stdout, re.MULTILINE)
    assert match, completed.stdout
    assert float(match.group(1)) >= 90.0
    assert f"wrote {out}" in completed.stdout
    flower = load_data("flower")
    assert Model.load(out).score(flower.X, flower.Y) >= 0.90


def test_train_writes_the_model_and_both_plots(in_tmp):
    result = invoke(["train", "--data", "flower", "--epochs", "40", "--lr", "1.2"])
    lines = result.output.splitlines()
    assert lines[0] == "flower: 400 examples, 2 features, 2 classes; train 320, dev 80"
    assert re.search(r"^train\s+320\s+[\d.]+ %\s+[\d.]+$", result.output, re.MULTILINE)
    assert re.search(r"^dev\s+80\s+[\d.]+ %\s+[\d.]+$", result.output, re.MULTILINE)
    assert lines[-3:] == ["wrote model.npz", "wrote model_learning_curve.png", "wrote model_decision_boundary.png"]
    model = Model.load("model.npz")
    assert model.layer_dims == [2, 4, 1]
    assert len(model.history_.train_cost) == 40
    assert np.isfinite(model.history_.dev_cost).all()
    for name in ("model_learning_curve.png", "model_decision_boundary.png"):
        assert Path(name).read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in in_tmp.iterdir()) == [
        "model.npz", "model_decision_boundary.png", "model_learning_curve.png"]  # no temporary files left


def test_train_out_and_plots_dir_name_the_files(in_tmp):
    Path("runs").mkdir()
    result = invoke(["train", "--data", "moons", "--data-seed", "3", "--epochs", "5", "--out", "runs/m1.npz",
                     "--plots-dir", "figures/moons"])
    assert (in_tmp / "runs" / "m1.npz").is_file()
    for name in ("m1_learning_curve.png", "m1_decision_boundary.png"):
        path = Path("figures") / "moons" / name
        assert path.read_bytes()[:8] == PNG_MAGIC
        assert f"wrote {path}" in result.output


def test_train_with_a_test_split_reports_it(in_tmp):
    result = invoke(["train", "--data", "flower", "--epochs", "5", "--dev-fraction", "0.25",
                     "--test-fraction", "0.25", "--no-plots"])
    assert "train 200, dev 100, test 100" in result.output
    assert re.search(r"^test\s+100\s+[\d.]+ %", result.output, re.MULTILINE)


def test_train_without_dev_set(in_tmp):
    result = invoke(["train", "--data", "flower", "--epochs", "5", "--dev-fraction", "0"])
    assert "train 400" in result.output and not re.search(r"^dev", result.output, re.MULTILINE)
    assert np.isnan(Model.load("model.npz").history_.dev_cost).all()
    assert Path("model_learning_curve.png").read_bytes()[:8] == PNG_MAGIC


def test_train_on_a_csv_with_three_features_skips_the_decision_boundary(in_tmp):
    rs = np.random.RandomState(0)
    X = rs.randn(60, 3)
    species = np.where(X[:, 0] + X[:, 1] > 0, "setosa", "virginica")
    write_csv("iris.csv", ["species", "a", "b", "c"], [[s, *x] for s, x in zip(species, X)])
    result = invoke(["train", "--data", "iris.csv", "--label", "species", "--layers", "", "--lr", "0.5",
                     "--epochs", "50", "--out", "iris.npz"])
    assert "iris: 60 examples, 3 features, 2 classes" in result.output
    assert "wrote iris_learning_curve.png" in result.output
    assert "decision_boundary" not in result.output and not Path("iris_decision_boundary.png").exists()
    model = Model.load("iris.npz")
    assert model.layer_dims == [3, 1]  # --layers "": logistic regression
    assert model.targets_.classes.tolist() == ["setosa", "virginica"]


def test_train_regression_splits_without_stratifying(in_tmp):
    rs = np.random.RandomState(1)
    X = rs.randn(80, 2)
    y = 2 * X[:, 0] - X[:, 1] + 0.05 * rs.randn(80)  # real targets: stratifying would fail
    write_csv("reg.csv", ["x0", "x1", "target"], [[*x, t] for x, t in zip(X, y)])
    result = invoke(["train", "--data", "reg.csv", "--layers", "", "--lr", "0.1", "--epochs", "200"])
    assert "reg: 80 examples, 2 features; train 64, dev 16" in result.output
    match = re.search(r"^train\s+64\s+(-?[\d.]+)\s", result.output, re.MULTILINE)
    assert match and float(match.group(1)) > 0.9  # R^2
    assert "R^2" in result.output
    assert Path("model_prediction_surface.png").read_bytes()[:8] == PNG_MAGIC  # not a "decision boundary"
    assert not Path("model_decision_boundary.png").exists()


def test_every_hyperparameter_is_a_train_flag_with_the_dataclass_default():
    """The flags come from dataclasses.fields(Hyperparameters): names and defaults live there."""
    by_name = {param.name: param for param in train.params}
    for field in dataclasses.fields(Hyperparameters):
        assert field.name in by_name, f"no flag for Hyperparameters.{field.name}"
    context = train.make_context("train", ["--data", "flower"])
    values = {f.name: context.params[f.name] for f in dataclasses.fields(Hyperparameters)}
    assert Hyperparameters(**values) == Hyperparameters()
    flags = {opt for param in train.params for opt in (*param.opts, *param.secondary_opts)}
    assert {"--layers", "--lr", "--learning-rate", "--init", "--l2", "--keep-prob", "--standardize",
            "--no-standardize", "--restore-best", "--no-restore-best", "--dtype", "--seed",
            "--batch-size", "--patience", "--decay"} <= flags


def test_every_train_flag_shows_its_field_help_from_the_dataclass_metadata():
    """Help text lives in dataclasses.field(metadata={"help": ...}), not in source comments."""
    by_name = {param.name: param for param in train.params}
    for field in dataclasses.fields(Hyperparameters):
        help_text = field.metadata.get("help")
        assert help_text, f"Hyperparameters.{field.name} has no help in its metadata"
        assert by_name[field.name].help == help_text
    shown = " ".join(CliRunner().invoke(main, ["train", "--help"], terminal_width=1000).output.split())
    for param in train.params:
        assert param.help and " ".join(param.help.split()) in shown, f"{param.opts} shows no help"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--layers", "20,7,5"], {"hidden_layers": (20, 7, 5)}),
        (["--layers", " 3 , 2 "], {"hidden_layers": (3, 2)}),
        (["--layers", ""], {"hidden_layers": ()}),
        (["--layers", "none"], {"hidden_layers": ()}),
        (["--lr", "1.2"], {"learning_rate": 1.2}),
        (["--learning-rate", "0.5"], {"learning_rate": 0.5}),
        (["--init", "he", "--optimizer", "adam"], {"initializer": "he", "optimizer": "adam"}),
        (["--no-standardize", "--no-restore-best"], {"standardize": False, "restore_best": False}),
        (["--batch-size", "64", "--patience", "5"], {"batch_size": 64, "patience": 5}),
        (["--batch-size", "none", "--output", "none"], {"batch_size": None, "output": None}),
        (["--decay", "step", "--decay-steps", "10"], {"decay": "step", "decay_steps": 10}),
        (["--dtype", "float32", "--l2", "0.7", "--keep-prob", "0.8"],
         {"dtype": "float32", "l2": 0.7, "keep_prob": 0.8}),
    ],
)
def test_train_flags_parse_into_hyperparameters(args, expected):
    params = train.make_context("train", ["--data", "flower", *args]).params
    hp = Hyperparameters(**{f.name: params[f.name] for f in dataclasses.fields(Hyperparameters)})
    assert {name: getattr(hp, name) for name in expected} == expected


def test_progress_callback_advances_the_bar_and_shows_the_cost():
    stream = io.StringIO()
    with tqdm(total=3, file=stream, disable=False, mininterval=0) as bar:
        on_epoch = progress_callback(bar, 3)
        history = History()
        for epoch in range(3):
            history.append(epoch=epoch, learning_rate=0.1, train_cost=1.0 / (epoch + 1), train_metric=0.5,
                           dev_cost=float("nan"), dev_metric=float("nan"))
            on_epoch(epoch, history)
        assert bar.n == 3
        assert bar.postfix == "cost=0.3333"


# --------------------------------------------------------------------------- predict


def test_predict_writes_one_row_per_example(in_tmp, flower_model):
    result = invoke(["predict", "--model", flower_model, "--data", "flower"])
    assert result.output == "wrote 400 predictions to predictions.csv\n"
    with open("predictions.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["prediction", "p_1"]
    assert len(rows) == 401
    predictions = np.array([int(r[0]) for r in rows[1:]])
    p1 = np.array([float(r[1]) for r in rows[1:]])
    assert ((p1 >= 0) & (p1 <= 1)).all()
    np.testing.assert_array_equal(predictions, (p1 > 0.5).astype(int))
    flower = load_data("flower")
    np.testing.assert_array_equal(predictions, Model.load(flower_model).predict(flower.X)[0])


def test_predict_reads_a_csv_with_or_without_labels(in_tmp, flower_model):
    flower = load_data("flower")
    X, Y = flower.X[:, :25], flower.Y[0, :25]
    write_csv("features.csv", ["x0", "x1"], X.T.tolist())
    write_csv("labelled.csv", ["x0", "x1", "label"], [[*x, y] for x, y in zip(X.T.tolist(), Y)])
    write_csv("named.csv", ["petal", "x0", "x1"], [[y, *x] for x, y in zip(X.T.tolist(), Y)])
    outputs = []
    for name, extra in (("features.csv", []), ("labelled.csv", []), ("named.csv", ["--label", "petal"])):
        out = name.replace(".csv", "_pred.csv")
        invoke(["predict", "--model", flower_model, "--data", name, "--out", out, *extra])
        outputs.append(Path(out).read_text())
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count("\n") == 26


def test_predict_multiclass_has_one_probability_per_class(in_tmp, blobs_model):
    invoke(["predict", "--model", blobs_model, "--data", "blobs", "--out", "blobs.csv"])
    with open("blobs.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["prediction", *(f"p_{c}" for c in range(6))]
    assert len(rows) == 201
    probabilities = np.array([[float(v) for v in r[1:]] for r in rows[1:]])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal([int(r[0]) for r in rows[1:]], probabilities.argmax(axis=1))


def test_predict_never_leaves_a_half_written_file(in_tmp, flower_model, monkeypatch):
    Path("predictions.csv").write_text("precious\n")

    class Failing:
        def __init__(self, handle, **kwargs):
            self.handle = handle

        def writerow(self, row):
            self.handle.write("partial,")
            raise RuntimeError("disk on fire")

    monkeypatch.setattr(csv, "writer", Failing)
    result = CliRunner().invoke(main, ["predict", "--model", str(flower_model), "--data", "flower"])
    assert isinstance(result.exception, RuntimeError)
    assert Path("predictions.csv").read_text() == "precious\n"
    assert [p.name for p in in_tmp.iterdir()] == ["predictions.csv"]  # the temporary file is gone


# --------------------------------------------------------------------------- evaluate


def test_evaluate_prints_metric_cost_and_confusion_matrix(flower_model):
    result = invoke(["evaluate", "--model", flower_model, "--data", "flower", "--split", "all"])
    assert "flower: scored all 400 examples" in result.output
    flower = load_data("flower")
    report = Model.load(flower_model).evaluate(flower.X, flower.Y)
    out = result.output
    assert re.search(rf"^accuracy\s+{100 * report['metric']:.2f} %$", out, re.MULTILINE)
    assert re.search(rf"^cost\s+{report['cost']:.6f}$", out, re.MULTILINE)
    assert "confusion matrix (rows: true class, columns: predicted class)" in out
    lines = out.splitlines()
    start = lines.index("confusion matrix (rows: true class, columns: predicted class)")
    header, row0, row1 = (line.split() for line in lines[start + 1:start + 4])
    assert header[-2:] == ["0", "1"]
    matrix = np.array([[int(v) for v in row0[1:]], [int(v) for v in row1[1:]]])
    assert [row0[0], row1[0]] == ["0", "1"]
    np.testing.assert_array_equal(matrix, report["confusion"])
    assert matrix.sum() == 400 and matrix.sum(axis=1).tolist() == [200, 200]


def test_evaluate_multiclass_matrix_has_a_row_and_column_per_class(blobs_model):
    result = invoke(["evaluate", "--model", blobs_model, "--data", "blobs", "--split", "all"])
    lines = result.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("confusion matrix"))
    rows = [line.split() for line in lines[start + 2:start + 8]]
    assert [r[0] for r in rows] == [str(c) for c in range(6)]
    assert sum(int(v) for r in rows for v in r[1:]) == 200


# --------------------------------------------------------------------------- gradcheck


def _difference(output):
    return float(re.search(r"^relative difference\s+(\S+)", output, re.MULTILINE).group(1))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "leaky_relu"])
def test_gradcheck_passes_for_each_activation(activation):
    result = invoke(["gradcheck", "--layer-dims", "5,4,3,1", "--activation", activation])
    assert result.output.splitlines()[-1] == "PASS"
    assert _difference(result.output) < 1e-7
    assert "threshold" in result.output and "1e-07" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["--output", "softmax", "--layer-dims", "4,5,3", "--examples", "7"],
        ["--output", "linear", "--layer-dims", "3,4,2", "--l2", "0.7"],
        ["--activation", "relu", "--keep-prob", "0.8", "--seed", "3"],
        ["--activation", "tanh", "--l2", "0.5", "--keep-prob", "0.7", "--output", "softmax", "--layer-dims", "4,6,3"],
    ],
)
def test_gradcheck_passes_with_other_outputs_l2_and_dropout(args):
    result = invoke(["gradcheck", *args])
    assert result.output.rstrip().endswith("PASS") and _difference(result.output) < 1e-7


def test_gradcheck_fails_with_exit_1_when_the_approximation_is_bad():
    result = invoke(["gradcheck", "--activation", "tanh", "--epsilon", "0.5"], expect=1)
    assert result.output.splitlines()[-1] == "FAIL"
    assert _difference(result.output) > 1e-7


def test_gradcheck_verbose_lists_the_worst_components():
    result = invoke(["gradcheck", "--layer-dims", "3,2,1", "--verbose"])
    assert "components that disagree most:" in result.output
    assert re.search(r"^\s+[Wb][12]\[\d, \d\]\s", result.output, re.MULTILINE)


# --------------------------------------------------------------------------- explain


def test_explain_prints_every_shape_of_the_course_deep_network():
    result = invoke(["explain", "--layer-dims", "12288,20,7,5,1", "--examples", "209"])
    out = result.output
    assert "Z[1] = W[1] A[0] + b[1]" in out
    assert "(20, 12288) @ (12288, 209) + (20, 1) -> (20, 209)" in out
    assert "(5, 7) @ (7, 209) + (5, 1) -> (5, 209)" in out
    assert "(1, 5) @ (5, 209) + (1, 1) -> (1, 209)" in out
    assert "A[4] = sigmoid(Z[4])" in out and "A[3] = relu(Z[3])" in out
    assert re.search(r"dZ\[4\] = A\[4\] - Y\s+\(1, 209\) - \(1, 209\) -> \(1, 209\)", out)
    assert re.search(r"dW\[1\] = dZ\[1\] A\[0\]\.T / m\s+\(20, 209\) @ \(209, 12288\) -> \(20, 12288\)", out)
    assert re.search(r"db\[2\] = .*\(7, 209\) -> \(7, 1\)", out)
    assert re.search(r"dA\[2\] = W\[3\]\.T dZ\[3\]\s+\(7, 5\) @ \(5, 209\) -> \(7, 209\)", out)
    assert re.search(r"dZ\[3\] = dA\[3\] \* relu'\(Z\[3\]\)", out)
    dims = [12288, 20, 7, 5, 1]
    counts = [dims[l] * dims[l - 1] + dims[l] for l in range(1, 5)]
    for l, count in enumerate(counts, start=1):
        assert re.search(rf"^\s+{l}\s+\({dims[l]}, {dims[l - 1]}\)\s+\({dims[l]}, 1\)\s+{count:,}$", out, re.MULTILINE)
    assert re.search(rf"^\s+total\s+{sum(counts):,}$", out, re.MULTILINE)


def test_explain_without_examples_uses_the_letter_m():
    result = invoke(["explain", "--layer-dims", "4,3", "--output", "softmax"])
    assert "(3, 4) @ (4, m) + (3, 1) -> (3, m)" in result.output
    assert "no hidden layer" in result.output


def test_explain_adds_the_sequels_equations_only_when_asked():
    plain = invoke(["explain", "--layer-dims", "3,4,2,1", "--examples", "5"]).output
    for absent in ("keep_prob", "lambd", "v_hat", "decay"):
        assert absent not in plain
    out = invoke(["explain", "--layer-dims", "3,4,2,1", "--examples", "5", "--l2", "0.7", "--keep-prob", "0.86",
                  "--optimizer", "adam", "--decay", "step"]).output
    # inverted dropout after each hidden layer (never the output), and its mask again on the way back
    assert re.search(r"D\[1\] = rand\(4, 5\) < keep_prob\s+-> \(4, 5\) of 0/1", out)
    assert re.search(r"A\[2\] = A\[2\] \* D\[2\] / keep_prob\s+\(2, 5\) -> \(2, 5\)", out)
    assert "D[3]" not in out
    assert re.search(r"dA\[2\] = dA\[2\] \* D\[2\] / keep_prob", out)
    # the L2 term in the cost and in each dW
    assert "J = J + (lambd / 2m) sum_l ||W[l]||_F^2   lambd = 0.7" in out
    assert re.search(r"dW\[3\] = dZ\[3\] A\[2\]\.T / m \+ \(lambd / m\) W\[3\]\s+\(1, 5\) @ \(5, 2\) -> \(1, 2\)", out)
    # Adam with bias correction, and the step schedule
    assert "v_hat = v / (1 - beta1^t)" in out and "s_hat = s / (1 - beta2^t)" in out
    assert "W[l] = W[l] - alpha * v_hat / (sqrt(s_hat) + epsilon)" in out
    assert "alpha = alpha0 / (1 + decay_rate * floor(epoch / decay_steps))" in out
    momentum = invoke(["explain", "--layer-dims", "3,1", "--optimizer", "momentum", "--decay", "inverse_time"]).output
    assert "v = beta v + (1 - beta) dW[l]" in momentum and "alpha = alpha0 / (1 + decay_rate * epoch)" in momentum
    rmsprop = invoke(["explain", "--layer-dims", "3,1", "--optimizer", "rmsprop"]).output
    assert "W[l] = W[l] - alpha * dW[l] / (sqrt(s) + epsilon)" in rmsprop


# --------------------------------------------------------------------------- datasets


def test_datasets_lists_the_builtin_sets():
    result = invoke(["datasets"])
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:]}
    assert {"flower", "moons", "circles", "blobs", "xor", "spirals"} <= set(rows)
    assert "(2, 400)" in rows["flower"] and "0: 200, 1: 200" in rows["flower"]
    assert result.output.splitlines()[0].split()[:3] == ["name", "X", "(n_x,"]


# --------------------------------------------------------------------------- errors


@pytest.fixture
def bad_files(in_tmp, flower_model):
    """Files for the error cases, in the current directory."""
    write_csv("nolabel.csv", ["a", "b", "label"], [[1, 2, 0], [3, 4, 1]])
    write_csv("three.csv", ["a", "b", "c", "label"], [[1, 2, 3, 0], [3, 4, 5, 1]])
    data = bytearray(Path(flower_model).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path("corrupt.npz").write_bytes(bytes(data))
    Path("text.npz").write_text("not a model\n")
    return in_tmp


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["train", "--data", "flwer"], 1, "unknown data set 'flwer'"),
        (["train", "--data", "missing.csv"], 1, "missing.csv: no such file"),
        (["train", "--data", "flower", "--layers", "4,x"], 2, "'4,x' is not a comma-separated list"),
        (["train", "--data", "flower", "--layers", "4,0"], 2, "at least 1 unit"),
        (["train", "--data", "flower", "--lr", "-1"], 2, "learning_rate must be"),
        (["train", "--data", "flower", "--keep-prob", "1.5"], 2, "keep_prob must be"),
        (["train", "--data", "flower", "--optimizer", "sgd"], 2, "'sgd' is not one of"),
        (["train", "--data", "flower", "--dtype", "float16"], 2, "'float16' is not one of"),
        (["train", "--data", "flower", "--dev-fraction", "1.5"], 2, "--dev-fraction"),
        (["train"], 2, "Missing option '--data'"),
        (["train", "--data", "nolabel.csv", "--label", "species"], 1, "no label column 'species'"),
        (["train", "--data", "flower", "--epochs", "2", "--out", "nodir/m.npz"], 1, "'nodir' does not exist"),
        (["train", "--data", "flower", "--dev-fraction", "0.6", "--test-fraction", "0.5"], 1, "dev + test"),
        (["train", "--data", "flower", "--output", "linear", "--lr", "10", "--epochs", "50", "--dtype", "float32"],
         1, "training diverged"),
        (["predict", "--model", "MODEL", "--data", "three.csv"], 1, "must have 2 features"),
        (["evaluate", "--model", "MODEL", "--data", "three.csv"], 1, "must have 2 features"),
        (["evaluate", "--model", "corrupt.npz", "--data", "flower"], 1, "corrupt"),
        (["evaluate", "--model", "text.npz", "--data", "flower"], 1, "not an nnlab model file"),
        (["predict", "--model", "absent.npz", "--data", "flower"], 1, "'absent.npz' does not exist"),
        (["predict", "--model", "MODEL", "--data", "flower", "--out", "nodir/p.csv"], 1, "'nodir' does not exist"),
        (["explain", "--layer-dims", "5"], 1, "at least the input and output"),
        (["explain", "--layer-dims", "5,x"], 2, "'5,x'"),
        (["gradcheck", "--layer-dims", "5,4,1", "--output", "softmax"], 2, "softmax output needs at least 2 units"),
    ],
)
def test_bad_input_is_one_clear_line_without_traceback(bad_files, flower_model, args, code, message):
    args = [str(flower_model) if a == "MODEL" else a for a in args]
    result = invoke(args, expect=code)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    if code == 1:  # a value error: exactly one line on stderr
        assert result.stderr.count("\n") == 1
    else:  # a usage error: click's usage line, then the error
        assert result.stderr.startswith("Usage: ")
    assert not list(Path().glob("*.tmp")) and not list(Path().glob(".*.tmp"))


def test_divergence_writes_no_model(in_tmp):
    invoke(["train", "--data", "flower", "--output", "linear", "--lr", "10", "--epochs", "50",
            "--dtype", "float32"], expect=1)
    assert not Path("model.npz").exists() and not Path("model_learning_curve.png").exists()


def test_nnlab_debug_shows_the_original_exception(monkeypatch):
    monkeypatch.setenv("NNLAB_DEBUG", "1")
    result = CliRunner().invoke(main, ["train", "--data", "flwer"])
    assert isinstance(result.exception, DataError) and "unknown data set 'flwer'" in str(result.exception)


# ------------------------------------------------------------------ review follow-ups


def test_same_seed_on_a_generated_data_set_gives_the_same_model_file(tmp_path):
    runner = CliRunner()
    args = ["train", "--data", "moons", "--layers", "8", "--optimizer", "adam", "--lr", "0.01",
            "--epochs", "30", "--no-plots", "--seed", "3"]
    for name in ("a.npz", "b.npz"):
        result = runner.invoke(main, args + ["--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_verbose_does_not_add_a_second_progress_bar_when_stdout_is_not_a_terminal(tmp_path):
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("nnlab")), "train", "--data", "flower", "--epochs", "20",
         "--verbose", "1", "--no-plots", "--out", str(tmp_path / "v.npz")],
        capture_output=True, text=True,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""


def test_a_network_too_big_for_memory_is_one_clear_line():
    result = CliRunner().invoke(main, ["gradcheck", "--layer-dims", "100000,100000,1"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: not enough memory") and len(result.output.strip().splitlines()) == 1
