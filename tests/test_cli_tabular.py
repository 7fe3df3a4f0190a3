"""Tables as people have them, through the command line: separators, columns, text, missing
values, the task, honest evaluation, a closed stdout, and one meaning per flag."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nnlab import Model
from nnlab.cli import main

SRC = Path(__file__).resolve().parents[1] / "src"


def invoke(args, code=0):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == code, (result.output, result.exception)
    return result


def people(path: Path, sep=",", m=240, seed=0, missing=True) -> Path:
    """id, age (int), city (text), income (float, one missing), label 'buys' in the middle."""
    rs = np.random.RandomState(seed)
    lines = [sep.join(["id", "age", "buys", "city", "income"])]
    for i in range(m):
        city = rs.choice(["paris", "lyon", "nice"])
        income = rs.randn()
        buys = "yes" if (city == "paris") ^ (income > 0) else "no"
        cell = "" if (missing and i == 7) else f"{income:.4f}"
        lines.append(sep.join([str(i), str(rs.randint(20, 70)), buys, city, cell]))
    path.write_text("\n".join(lines) + "\n")
    return path


TRAIN = ["--layers", "8", "--lr", "0.5", "--epochs", "400", "--no-plots"]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_realistic_table_trains_and_round_trips(in_tmp):
    people(in_tmp / "p.csv")
    out = invoke(["train", "--data", "p.csv", "--label", "buys", "--drop", "id", "--missing", "median", *TRAIN]).output
    assert "p: 240 examples, 3 features, 2 classes; train 192, dev 48" in out
    model = Model.load("model.npz")
    assert model.preprocessor_.feature_names_ == ["age", "city", "income"]
    assert model.preprocessor_.output_names_ == ["age", "city=lyon", "city=nice", "city=paris", "income"]
    assert model.split_["dev"] == 0.2 and model.split_["m"] == 240
    dev = re.search(r"^dev\s+48\s+([\d.]+) %", out, re.MULTILINE)
    assert dev and float(dev.group(1)) > 85
    # evaluate rebuilds the dev split by default and says so; the numbers are train's own
    evaluated = invoke(["evaluate", "--model", "model.npz", "--data", "p.csv"]).output  # the label is the model's
    assert "p: scored the dev split (48 of 240 examples)" in evaluated
    assert re.search(rf"^accuracy\s+{dev.group(1)} %$", evaluated, re.MULTILINE)
    # predict matches the columns by name, in any order, ignoring the others
    import pandas as pd

    frame = pd.read_csv("p.csv")
    frame[["income", "id", "city", "age"]].to_csv("shuffled.csv", index=False)
    invoke(["predict", "--model", "model.npz", "--data", "shuffled.csv", "--out", "pred.csv"])
    invoke(["predict", "--model", "model.npz", "--data", "p.csv", "--out", "pred2.csv"])
    assert Path("pred.csv").read_text() == Path("pred2.csv").read_text()
    assert len(Path("pred.csv").read_text().splitlines()) == 241


@pytest.mark.parametrize("sep, name, flags", [(";", "p.csv", []), ("\t", "p.tsv", []), ("|", "p.txt.csv", []),
                                              (";", "q.csv", ["--delimiter", ";"])])
def test_separators_are_guessed_or_named(in_tmp, sep, name, flags):
    people(in_tmp / name, sep=sep, missing=False)
    out = invoke(["train", "--data", name, "--label", "buys", "--drop", "id", *flags, *TRAIN]).output
    assert "240 examples, 3 features, 2 classes" in out


def test_a_wrong_delimiter_names_the_likely_one(in_tmp):
    people(in_tmp / "p.csv", sep=";", missing=False)
    result = invoke(["train", "--data", "p.csv", "--delimiter", ",", *TRAIN], code=1)
    assert "only one column" in result.output and "--delimiter ';'" in result.output


def test_thousands_and_decimal_marks(in_tmp):
    text = "a;b;label\n" + "".join(f"1.{100 + i:03d};{i % 7},5;{i % 2}\n" for i in range(40))
    Path("n.csv").write_text(text)
    from nnlab.data import TextFormat, read_table

    frame = read_table("n.csv", TextFormat(thousands=".", decimal=","))
    assert frame["a"].tolist() == [1100 + i for i in range(40)] and frame["b"].tolist()[:2] == [0.5, 1.5]
    invoke(["train", "--data", "n.csv", "--thousands", ".", "--decimal", ",", *TRAIN])
    assert Model.load("model.npz").preprocessor_.output_names_ == ["a", "b"]


def test_missing_values_stop_with_the_policies_named(in_tmp):
    people(in_tmp / "p.csv")
    result = invoke(["train", "--data", "p.csv", "--label", "buys", "--drop", "id", *TRAIN], code=1)
    assert "Error: p.csv: line 9, column 'income': missing value" in result.output
    assert "--missing drop|mean|median|most_frequent" in result.output
    out = invoke(["train", "--data", "p.csv", "--label", "buys", "--drop", "id", "--missing", "drop", *TRAIN]).output
    assert re.search(r"^train\s+191\s", out, re.MULTILINE)  # the incomplete row is left out of training


def test_a_text_first_column_asks_for_the_label(in_tmp):
    Path("iris.csv").write_text("species,a,b\n" + "".join(f"{'setosa' if i % 2 else 'virginica'},{i},{i * 0.5}\n"
                                                            for i in range(30)))
    result = invoke(["train", "--data", "iris.csv", *TRAIN], code=1)
    assert "the first column 'species' holds text" in result.output and "--label species" in result.output
    invoke(["train", "--data", "iris.csv", "--label", "species", *TRAIN])


def test_an_integer_target_with_many_values_asks_for_the_task(in_tmp):
    rs = np.random.RandomState(0)
    x = rs.randn(300)
    age = np.clip(np.round(45 + 12 * x), 18, 90).astype(int)
    Path("ages.csv").write_text("x,age\n" + "".join(f"{v:.4f},{a}\n" for v, a in zip(x, age)))
    result = invoke(["train", "--data", "ages.csv", *TRAIN], code=1)
    assert "--task regression or --task classification" in result.output
    out = invoke(["train", "--data", "ages.csv", "--task", "regression", "--lr", "0.05", "--epochs", "50",
                  "--no-plots"]).output
    assert "linear output (regression)" in out


def test_evaluate_split_names_and_refuses_other_data(in_tmp):
    invoke(["train", "--data", "moons", "--test-fraction", "0.2", *TRAIN])
    out = invoke(["evaluate", "--model", "model.npz", "--data", "moons"]).output
    assert "moons: scored the test split" in out
    counts = {part: invoke(["evaluate", "--model", "model.npz", "--data", "moons", "--split", part]).output
              for part in ("train", "dev", "test", "all")}
    assert "scored the train split" in counts["train"] and "scored all" in counts["all"]
    invoke(["predict", "--model", "model.npz", "--data", "moons", "--split", "test", "--out", "test.csv"])
    lines = Path("test.csv").read_text().splitlines()
    assert lines[0] == "example,prediction,p_1" and len(lines) == 1 + 40
    from nnlab.data import load_data
    from nnlab.data.splits import split_indices

    model = Model.load("model.npz")
    test = np.sort(split_indices(load_data("moons").Y, 0.2, 0.2, 0, True)[2])
    assert [int(line.split(",")[0]) for line in lines[1:]] == test.tolist() and model.split_["test"] == 0.2
    other = invoke(["evaluate", "--model", "model.npz", "--data", "moons", "--data-seed", "5", "--split", "dev"], code=1)
    assert "is not the data the model was trained on" in other.output
    assert "scored all" in invoke(["evaluate", "--model", "model.npz", "--data", "moons", "--data-seed", "5"]).output


def test_a_closed_stdout_keeps_the_model(in_tmp):
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    process = subprocess.Popen([sys.executable, "-m", "nnlab.cli", "train", "--data", "moons", *TRAIN],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) in (0, 141)
    assert "Error" not in stderr and "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert Model.load("model.npz").layer_dims == [2, 8, 1]


def test_explain_and_gradcheck_take_layer_dims_and_name_it(in_tmp):
    assert "L = 2 layers" in invoke(["explain", "--layer-dims", "2,4,1"]).output
    for command in ("explain", "gradcheck"):
        result = invoke([command, "--layers", "2,4,1"], code=2)
        assert "--layer-dims" in result.output
    assert Model is not None


def test_no_hidden_layer_prints_no_activation(in_tmp):
    out = invoke(["train", "--data", "moons", "--layers", "", "--epochs", "5", "--no-plots"]).output
    assert "network [2, 1]: no hidden layer, sigmoid output" in out


def test_parquet_is_read(in_tmp):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow", reason="pyarrow reads Parquet")
    people(in_tmp / "p.csv", missing=False)
    pd.read_csv("p.csv").to_parquet("p.parquet")
    out = invoke(["train", "--data", "p.parquet", "--label", "buys", "--drop", "id", *TRAIN]).output
    assert "240 examples, 3 features, 2 classes" in out


def test_layers_that_look_like_layer_dims_get_a_note(in_tmp):
    out = invoke(["train", "--data", "moons", "--layers", "2,4,1", "--epochs", "5", "--no-plots"]).output
    assert "note: --layers 2,4,1 are the hidden sizes only, so the network is [2, 2, 4, 1, 1]" in out
    assert "give --layers 4" in out
