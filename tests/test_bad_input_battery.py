"""The bad-input battery: every kind of bad input a user can give, in one place.

Each case is one bad input, checked twice:

- through the Python API: the right exception type (``ValueError`` / ``TypeError`` or an
  ``NNLabError`` subclass) with a message naming the input and what was expected;
- through the real command line: exit 1 (data, model-file and value errors) with exactly one
  ``Error: ...`` line on stderr, or exit 2 (usage errors) with click's usage message and its
  ``Error: ...`` line; never a ``Traceback``; and no user file touched: every command that
  writes gets ``--out`` pointing at an existing file whose bytes must stay the same, and the
  working directory must hold exactly the files it held before (no ``.tmp`` left over, no
  half-written output).

Cases marked ``subprocess`` run the installed ``nnlab`` script in a child process, as a user
would (warnings printed by NumPy would show on stderr there); the others run in-process
through click's CliRunner (where pytest turns any NumPy warning into an escaping exception).

Many of these inputs are also tested, in more detail, next to the code they exercise
(test_cli_commands.py, test_loaders.py, test_io.py, test_search_space.py, test_model.py);
this file is the list a reader can check the README's "Bad input" promise against.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from nnlab import Hyperparameters, Model
from nnlab.cli import main
from nnlab.data import load_data
from nnlab.data import TextFormat, load_table
from nnlab.data.examples import load_examples, split_part
from nnlab.data.files import load_csv, load_h5, load_npz
from nnlab.data.preprocess import Preprocessor
from nnlab.labels import infer_targets
from nnlab.engine import compute_cost, initialize_parameters, model_forward
from nnlab.errors import DataError, ModelFileError
from nnlab.io import METADATA_KEY, load_arrays
from nnlab.search import load_search_config
from nnlab.search.space import ConfigError

SCRIPT = Path(sys.executable).with_name("nnlab")
OUT_MODEL = "existing_model.npz"  # pre-existing files a failing command must leave untouched
OUT_CSV = "existing_predictions.csv"
CSV_SENTINEL = b"prediction,p_1\n1,0.99\n0,0.01\n"


# --------------------------------------------------------------------------- helpers


class CreatesMarker:
    """Unpickling this creates the directory ``marker``: proof that code from the file ran."""

    def __init__(self, marker):
        self.marker = os.fspath(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def write_members(path, members):
    """Write an .npz by hand (object arrays pickled, as an attacker's file would be)."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, array in members.items():
            with archive.open(name + ".npy", "w") as member:
                np.lib.format.write_array(member, np.asarray(array), allow_pickle=True)
    return path


@dataclass
class Case:
    api: Callable[[], object]  # the Python call that must raise
    error: type | tuple  # ... this exception type
    match: str  # ... with a message matching this regex (names the input and the expectation)
    argv: list  # the command line (OUT_MODEL / OUT_CSV name pre-existing files)
    code: int  # 1: data / model / value error, 2: usage error
    message: str  # a substring of the CLI's "Error:" line
    subprocess: bool = False  # run the installed script in a child process
    marker: Path | None = None  # a path that must never come into existence (pickle payload)


@pytest.fixture(scope="module")
def F(tmp_path_factory):
    """Every file the cases read, made once: two trained models and the bad data/config files."""
    d = tmp_path_factory.mktemp("battery")
    rs = np.random.RandomState(0)

    def csv(name, text):
        (d / name).write_text(text)
        return str(d / name)

    def npz(name, **arrays):
        np.savez(d / name, **arrays)
        return str(d / name)

    def toml(name, text):
        (d / name).write_text(text)
        return str(d / name)

    X = rs.randn(2, 40)
    Y = (X[0] + X[1] > 0).astype(np.int64).reshape(1, -1)
    binary = Model(hidden_layers=(3,), epochs=20, learning_rate=0.5).fit(X, Y)
    binary.save(d / "binary.npz")
    Yc = (np.arange(40) % 3).reshape(1, -1)
    multi = Model(hidden_layers=(3,), epochs=20, learning_rate=0.5).fit(X, Yc)
    multi.save(d / "multi.npz")
    good = (d / "binary.npz").read_bytes()

    arrays, metadata = load_arrays(d / "binary.npz")
    meta_bytes = lambda md: np.frombuffer(json.dumps(md).encode(), dtype=np.uint8)  # noqa: E731
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x10
    (d / "truncated.npz").write_bytes(good[: len(good) // 2])
    (d / "flipped.npz").write_bytes(bytes(flipped))
    write_members(d / "future.npz", {METADATA_KEY: meta_bytes({**metadata, "format_version": 99}), **arrays})
    marker_model = d / "pwned_by_model"
    write_members(
        d / "pickle_model.npz",
        {METADATA_KEY: meta_bytes(metadata), **arrays,
         "classes": np.array([CreatesMarker(marker_model), 1], dtype=object)},
    )
    marker_data = d / "pwned_by_data"
    write_members(
        d / "pickle_data.npz",
        {"X": np.ones((2, 4)), "Y": np.array([CreatesMarker(marker_data), 1, 0, 1], dtype=object)},
    )
    with h5py.File(d / "wrongkeys.h5", "w") as handle:
        handle["images"] = np.zeros((4, 2, 2, 3), dtype=np.uint8)
        handle["labels"] = np.array([0, 1, 0, 1])

    ok_x = np.array([[1.0, 2.0, 3.0, 4.0], [0.5, 0.1, 0.2, 0.3]])
    ok_y = np.array([[0, 1, 0, 1]])
    nan_x, inf_x = ok_x.copy(), ok_x.copy()
    nan_x[1, 2], inf_x[0, 3] = np.nan, np.inf
    neg_inf_y = ok_y.astype(float)
    neg_inf_y[0, 1] = -np.inf
    inf_y = ok_y.astype(float)
    inf_y[0, 0] = np.inf
    section = '[data]\nsource = "flower"\n'
    return SimpleNamespace(
        dir=d, X=ok_x, Y=ok_y, nan_x=nan_x, inf_x=inf_x,
        binary=str(d / "binary.npz"), multi=str(d / "multi.npz"), good_model=good,
        truncated=str(d / "truncated.npz"), flipped=str(d / "flipped.npz"), future=str(d / "future.npz"),
        pickle_model=str(d / "pickle_model.npz"), marker_model=marker_model,
        pickle_data=str(d / "pickle_data.npz"), marker_data=marker_data,
        wrongkeys=str(d / "wrongkeys.h5"),
        csv_nan=csv("nan.csv", "a,b,label\n1,2,0\n3,nan,1\n5,6,0\n7,8,1\n"),
        csv_inf=csv("inf.csv", "a,b,label\n1,2,0\n3,inf,1\n5,6,0\n7,8,1\n"),
        csv_neg_inf=csv("neginf.csv", "a,b,label\n1,2,0\n3,4,1\n-inf,6,0\n7,8,1\n"),
        csv_inf_label=csv("inflabel.csv", "a,b,label\n1,2,0\n3,4,inf\n5,6,0\n7,8,1\n"),
        csv_three=csv("three.csv", "a,b,c,label\n1,2,3,0\n4,5,6,1\n"),
        csv_header_only=csv("header.csv", "a,b,label\n"),
        csv_empty=csv("empty.csv", ""),
        csv_one_class=csv("one.csv", "a,b,label\n1,2,1\n3,4,1\n5,6,1\n7,8,1\n"),
        csv_label_2=csv("label2.csv", "x0,x1,label\n0.1,0.2,0\n0.3,0.4,2\n"),
        csv_label_9=csv("label9.csv", "x0,x1,label\n0.1,0.2,0\n0.3,0.4,9\n"),
        csv_fraction=csv("fraction.csv", "a,b,label\n1,2,0.5\n3,4,1.5\n5,6,2.5\n7,8,0.5\n"),
        csv_ragged=csv("ragged.csv", "a,b,label\n1,2,0\n3,1\n5,6,0\n"),
        csv_text=csv("text.csv", "a,b,label\n1,2,0\n3,abc,1\n"),
        csv_ok=csv("ok.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"),
        csv_overflow=csv("overflow.csv", "a,b,label\n1,2,0\n3,1e999,1\n5,6,0\n7,8,1\n"),
        csv_overflow_label=csv("overflowlabel.csv", "a,b,label\n1,2,0\n3,4,1e999\n5,6,0\n7,8,1\n"),
        # tables as people have them
        csv_semicolon=csv("semicolon.csv", "x1;x2;label\n1;2;0\n3;4;1\n5;6;0\n7;8;1\n"),
        csv_text_first=csv("species.csv", "species,a,b\nsetosa,1,2.5\nvirginica,3,4.5\nsetosa,5,6.5\n"),
        csv_missing=csv("missing.csv", "a,color,label\n1,red,0\n,blue,1\n5,red,0\n7,blue,1\n"),
        csv_unseen=csv("unseen.csv", "color,a\nred,1\npink,2\n"),
        csv_ages=csv("ages.csv", "x,age\n" + "".join(f"{k / 10},{20 + k}\n" for k in range(60))),
        table_model=_table_model(d),
        npz_nan_x=npz("nanx.npz", X=nan_x, Y=ok_y),
        npz_inf_x=npz("infx.npz", X=inf_x, Y=ok_y),
        npz_neg_inf_y=npz("neginfy.npz", X=ok_x, Y=neg_inf_y),
        npz_inf_y=npz("infy.npz", X=ok_x, Y=inf_y),
        npz_mismatch=npz("mismatch.npz", X=ok_x, Y=np.array([[0, 1, 0]])),
        npz_1d_x=npz("onedim.npz", X=np.ones(4), Y=ok_y),
        npz_no_y=npz("noy.npz", X=ok_x),
        toml_malformed=toml("malformed.toml", section + "[space]\nlearning_rate = [0.1, 0.5\nactivation = [\"tanh\"]\n"),
        toml_unknown=toml("unknown.toml", section + "[search]\nstrategy = \"grid\"\nmetrc = \"cost\"\n"
                                                    "[space]\nlearning_rate = [0.1, 0.5]\n"),
        toml_empty_space=toml("emptyspace.toml", section + "[space]\n"),
        toml_low_high=toml("lowhigh.toml", section + "[search]\ntrials = 2\n"
                                                     "[space]\nlearning_rate = { low = 1.0, high = 0.1 }\n"),
    )


def _table_model(d):
    """A model fitted on a DataFrame: a numeric column 'a' and a text column 'color'."""
    import pandas as pd

    frame = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "color": ["red", "blue", "red", "blue", "red", "blue"]})
    Model(hidden_layers=(2,), epochs=5).fit(frame, [0, 1, 0, 1, 0, 1]).save(d / "table.npz")
    return str(d / "table.npz")


def _frame(path):
    from nnlab.data import read_table

    return read_table(path)


def train(data, *flags):
    """``nnlab train`` arguments that would write OUT_MODEL (pre-existing) if they succeeded."""
    return ["train", "--data", data, *flags, "--epochs", "2", "--no-plots", "--out", OUT_MODEL]


def predict(model, data):
    return ["predict", "--model", model, "--data", data, "--out", OUT_CSV]


def evaluate(model, data):
    return ["evaluate", "--model", model, "--data", data]


def search(config):
    return ["search", config, "--out", "run"]


def usage(flag, value):
    return ["train", "--data", "flower", flag, value, "--no-plots", "--out", OUT_MODEL]


def hp(**fields):
    return lambda: Hyperparameters(**fields)


def fit(X, Y, **fields):
    return lambda: Model(hidden_layers=(2,), epochs=2, **fields).fit(X, Y)


# --------------------------------------------------------------------------- the cases

# name -> F -> Case. Grouped as the README's promises are: values, labels, names and numbers,
# files (CSV, NPZ, HDF5, TOML) and model files.
CASES: dict[str, Callable[[SimpleNamespace], Case]] = {
    # --- NaN and infinity in X or Y, CSV and NPZ
    "csv-nan-in-X": lambda F: Case(
        lambda: load_csv(F.csv_nan), DataError, r"nan\.csv: line 3, column 'b': expected a number; found 'nan' \(a missing",
        train(F.csv_nan), 1, "missing value", subprocess=True),
    "csv-inf-in-X": lambda F: Case(
        lambda: load_csv(F.csv_inf), DataError, r"column 'b': 'inf' is infinite; features must be finite",
        train(F.csv_inf), 1, "'inf' is infinite"),
    "csv-minus-inf-in-X": lambda F: Case(
        lambda: load_data(F.csv_neg_inf), DataError, r"line 4, column 'a': '-inf' is infinite",
        predict(F.binary, F.csv_neg_inf), 1, "'-inf' is infinite"),
    "csv-inf-in-Y": lambda F: Case(
        lambda: load_csv(F.csv_inf_label), DataError, r"column 'label': 'inf' is infinite; labels must be finite",
        train(F.csv_inf_label), 1, "labels must be finite"),
    "npz-nan-in-X": lambda F: Case(
        lambda: load_npz(F.npz_nan_x), DataError, r"nanx\.npz: X holds 1 NaN or infinite value.*row 1, column 2",
        train(F.npz_nan_x), 1, "X holds 1 NaN or infinite", subprocess=True),
    "npz-inf-in-X": lambda F: Case(
        lambda: load_npz(F.npz_inf_x), DataError, r"X holds 1 NaN or infinite value\(s\); the first is inf",
        predict(F.binary, F.npz_inf_x), 1, "NaN or infinite"),
    "npz-minus-inf-in-Y": lambda F: Case(
        lambda: load_npz(F.npz_neg_inf_y), DataError, r"Y holds 1 NaN or infinite value\(s\); the first is -inf",
        train(F.npz_neg_inf_y), 1, "Y holds 1 NaN or infinite"),
    "api-nan-in-X-at-predict": lambda F: Case(
        lambda: Model.load(F.binary).predict(F.nan_x), ValueError, r"X must contain only finite values",
        predict(F.binary, F.npz_nan_x), 1, "NaN or infinite"),
    "api-inf-in-Y-of-the-cost": lambda F: Case(
        lambda: compute_cost(np.full((1, 4), 0.5), np.array([[0, 1, np.inf, 1]])), ValueError,
        r"Y must contain only finite values", evaluate(F.binary, F.npz_inf_y), 1, "Y holds 1 NaN or infinite"),
    # --- shapes: example counts, feature counts, 1-D, empty
    "npz-X-Y-example-count-mismatch": lambda F: Case(
        lambda: load_npz(F.npz_mismatch), DataError, r"X holds 4 examples but Y holds 3",
        train(F.npz_mismatch), 1, "X holds 4 examples but Y holds 3", subprocess=True),
    "api-X-Y-example-count-mismatch": lambda F: Case(
        fit(F.X, np.array([[0, 1, 0]])), ValueError, r"Y must hold one label per example of X: X has 4 examples, Y has 3",
        evaluate(F.binary, F.npz_mismatch), 1, "X holds 4 examples but Y holds 3"),
    "predict-wrong-feature-count": lambda F: Case(
        lambda: Model.load(F.binary).predict(np.ones((3, 2))), ValueError,
        r"X must have 2 features \(rows\), as the model was trained on; got shape \(3, 2\)",
        predict(F.binary, F.csv_three), 1, "must have 2 features", subprocess=True),
    "evaluate-wrong-feature-count": lambda F: Case(
        lambda: Model.load(F.binary).evaluate(np.ones((3, 2)), [[0, 1]]), ValueError, r"X must have 2 features",
        evaluate(F.binary, F.csv_three), 1, "must have 2 features"),
    "api-1-D-X-to-fit": lambda F: Case(
        fit(np.ones(4), [0, 1, 0, 1]), ValueError, r"X must be a 2-D array; got shape \(4,\)",
        train(F.npz_1d_x), 1, "X must be 2-D"),
    "api-1-D-X-to-model_forward": lambda F: Case(
        lambda: model_forward(np.ones(2), initialize_parameters([2, 1], seed=0)), ValueError,
        r"X must be a 2-D array; got shape \(2,\)", predict(F.binary, F.npz_1d_x), 1, "X must be 2-D"),
    "empty-data": lambda F: Case(
        fit(np.empty((2, 0)), np.empty((1, 0))), ValueError, r"at least one example",
        train(F.csv_header_only), 1, "only a header row"),
    "csv-empty-file": lambda F: Case(
        lambda: load_csv(F.csv_empty), DataError, r"empty\.csv: the file is empty; expected a header row",
        train(F.csv_empty), 1, "the file is empty", subprocess=True),
    # --- labels
    "one-class-only": lambda F: Case(
        fit(F.X, [[1, 1, 1, 1]]), ValueError, r"Y holds one class only \(\[1\]\); a classifier needs at least two",
        train(F.csv_one_class), 1, "one class only"),
    "binary-model-label-outside-0-1": lambda F: Case(
        lambda: Model.load(F.binary).evaluate(np.ones((2, 2)), [[0, 2]]), ValueError,
        r"Y holds labels outside the known classes \[0, 1\]: \[2\]",
        evaluate(F.binary, F.csv_label_2), 1, "outside the known classes [0, 1]", subprocess=True),
    "multiclass-model-unknown-class": lambda F: Case(
        lambda: Model.load(F.multi).evaluate(np.ones((2, 2)), [[0, 9]]), ValueError,
        r"outside the known classes \[0, 1, 2\]: \[9\]",
        evaluate(F.multi, F.csv_label_9), 1, "outside the known classes [0, 1, 2]"),
    "softmax-non-integer-labels": lambda F: Case(
        fit(F.X, [[0.5, 1.5, 2.5, 0.5]], output="softmax"), ValueError,
        r"class labels \(integers or names\) for a softmax output; got non-integer values such as .*0\.5",
        train(F.csv_fraction, "--output", "softmax"), 1, "non-integer values"),
    # --- names
    "unknown-activation": lambda F: Case(
        hp(activation="swish"), ValueError, r"activation must be one of .*'tanh'.*; got 'swish'",
        usage("--activation", "swish"), 2, "'swish' is not one of", subprocess=True),
    "unknown-optimizer": lambda F: Case(
        hp(optimizer="sgd"), ValueError, r"optimizer must be one of \['adam', 'gd', 'momentum', 'rmsprop'\]; got 'sgd'",
        usage("--optimizer", "sgd"), 2, "'sgd' is not one of"),
    "unknown-initializer": lambda F: Case(
        lambda: initialize_parameters([2, 1], method="glorot"), ValueError, r"method must be one of .*; got 'glorot'",
        usage("--init", "glorot"), 2, "'glorot' is not one of"),
    "unknown-dataset": lambda F: Case(
        lambda: load_data("flwer"), DataError, r"unknown data set 'flwer'.*Did you mean 'flower'",
        train("flwer"), 1, "unknown data set 'flwer'", subprocess=True),
    # --- numbers: zero, negative, non-numeric
    "learning-rate-zero": lambda F: Case(
        hp(learning_rate=0), ValueError, r"learning_rate must be a finite number in \(0\.0, inf\); got 0\.0",
        usage("--lr", "0"), 2, "learning_rate must be a finite number"),
    "learning-rate-negative": lambda F: Case(
        hp(learning_rate=-0.1), ValueError, r"learning_rate must be .*; got -0\.1",
        usage("--lr", "-0.1"), 2, "learning_rate must be a finite number"),
    "learning-rate-non-numeric": lambda F: Case(
        hp(learning_rate="fast"), TypeError, r"learning_rate must be a real number; got str \('fast'\)",
        usage("--lr", "fast"), 2, "'fast' is not a valid float"),
    "epochs-zero": lambda F: Case(
        hp(epochs=0), ValueError, r"epochs must be an integer >= 1; got 0",
        usage("--epochs", "0"), 2, "epochs must be an integer >= 1"),
    "epochs-negative": lambda F: Case(
        hp(epochs=-5), ValueError, r"epochs must be an integer >= 1; got -5",
        usage("--epochs", "-5"), 2, "epochs must be an integer >= 1"),
    "epochs-non-numeric": lambda F: Case(
        hp(epochs="ten"), TypeError, r"epochs must be an integer >= 1; got str \('ten'\)",
        usage("--epochs", "ten"), 2, "'ten' is not a valid integer"),
    "batch-size-zero": lambda F: Case(
        hp(batch_size=0), ValueError, r"batch_size must be an integer >= 1; got 0",
        usage("--batch-size", "0"), 2, "batch_size must be an integer >= 1"),
    "batch-size-negative": lambda F: Case(
        hp(batch_size=-32), ValueError, r"batch_size must be an integer >= 1; got -32",
        usage("--batch-size", "-32"), 2, "batch_size must be an integer >= 1"),
    "batch-size-non-numeric": lambda F: Case(
        hp(batch_size=32.5), TypeError, r"batch_size must be an integer >= 1; got float \(32\.5\)",
        usage("--batch-size", "32.5"), 2, "'32.5' is not a valid integer"),
    "layer-size-zero": lambda F: Case(
        hp(hidden_layers=(4, 0)), ValueError, r"hidden_layers\[1\] must be an integer >= 1; got 0",
        usage("--layers", "4,0"), 2, "every layer needs at least 1 unit"),
    "layer-size-negative": lambda F: Case(
        lambda: initialize_parameters([2, -3, 1]), ValueError, r"layer_dims\[1\] must be an integer >= 1; got -3",
        usage("--layers", "-3"), 2, "every layer needs at least 1 unit", subprocess=True),
    "layer-size-non-numeric": lambda F: Case(
        hp(hidden_layers=(4, "x")), TypeError, r"hidden_layers\[1\] must be an integer >= 1; got str \('x'\)",
        usage("--layers", "4,x"), 2, "is not a comma-separated list of layer sizes"),
    "keep-prob-zero": lambda F: Case(
        hp(keep_prob=0.0), ValueError, r"keep_prob must be a finite number in \(0\.0, 1\.0\]; got 0\.0",
        usage("--keep-prob", "0"), 2, "keep_prob must be a finite number in (0.0, 1.0]"),
    "keep-prob-1.5": lambda F: Case(
        hp(keep_prob=1.5), ValueError, r"keep_prob must be a finite number in \(0\.0, 1\.0\]; got 1\.5",
        usage("--keep-prob", "1.5"), 2, "keep_prob must be a finite number in (0.0, 1.0]"),
    # --- tables as people have them (issue 13)
    "csv-wrong-delimiter": lambda F: Case(
        lambda: load_csv(F.csv_semicolon, fmt=TextFormat(delimiter=",")), DataError,
        r"only one column \('x1;x2;label'\).*pass --delimiter ';'",
        train(F.csv_semicolon, "--delimiter", ","), 1, "pass --delimiter ';'"),
    "csv-text-first-column-label-guess": lambda F: Case(
        lambda: load_csv(F.csv_text_first), DataError, r"first column 'species' holds text: if it is the label, pass --label species",
        train(F.csv_text_first), 1, "pass --label species"),
    "table-missing-value-policy": lambda F: Case(
        lambda: Preprocessor().fit(_frame(F.csv_missing)), DataError,
        r"missing\.csv: line 3, column 'a': missing value .*--missing drop\|mean\|median\|most_frequent",
        train(F.csv_missing), 1, "--missing drop|mean|median|most_frequent", subprocess=True),
    "table-unseen-category": lambda F: Case(
        lambda: Model.load(F.table_model).predict(_frame(F.csv_unseen)), DataError,
        r"line 3, column 'color': the category 'pink' was not seen in training .*--handle-unknown ignore",
        predict(F.table_model, F.csv_unseen), 1, "the category 'pink' was not seen in training"),
    "table-missing-column": lambda F: Case(
        lambda: Model.load(F.table_model).predict(_frame(F.csv_ok)), DataError,
        r"the model needs the column\(s\) \['color'\]; the table has \['a', 'b', 'label'\]",
        predict(F.table_model, F.csv_ok), 1, "the model needs the column(s) ['color']"),
    "table-unknown-feature-column": lambda F: Case(
        lambda: load_table(F.csv_ok, features=["a", "zz"]), DataError, r"--features: no column 'zz'; the columns are",
        train(F.csv_ok, "--features", "a,zz"), 1, "--features: no column 'zz'"),
    "table-option-on-a-builtin-set": lambda F: Case(
        lambda: load_examples("flower", drop=("id",)), DataError, r"--drop apply to tables \(\.csv, \.tsv, \.parquet\) only",
        train("flower", "--drop", "id"), 1, "--drop apply to tables"),
    "integer-target-asks-for-the-task": lambda F: Case(
        lambda: infer_targets(load_csv(F.csv_ages).Y), ValueError, r"60 different whole numbers .*--task regression or --task classification",
        train(F.csv_ages), 1, "--task regression or --task classification"),
    "split-without-a-recorded-split": lambda F: Case(
        lambda: split_part(None, F.Y, "dev"), DataError, r"--split dev: the model file records no split",
        [*evaluate(F.binary, F.csv_ok), "--split", "dev"], 1, "records no split"),
    # --- CSV files
    "csv-ragged": lambda F: Case(
        lambda: load_csv(F.csv_ragged), DataError, r"ragged\.csv: line 3 has 2 fields; the header has 3",
        train(F.csv_ragged), 1, "line 3 has 2 fields", subprocess=True),
    "csv-non-numeric": lambda F: Case(
        lambda: load_csv(F.csv_text), DataError, r"line 3, column 'b': expected a number; found 'abc'",
        predict(F.binary, F.csv_text), 1, "expected a number; found 'abc'"),
    "csv-missing-label-column": lambda F: Case(
        lambda: load_csv(F.csv_ok, label="species"), DataError, r"no label column 'species'; the columns are \['a', 'b', 'label'\]",
        train(F.csv_ok, "--label", "species"), 1, "no label column 'species'"),
    "csv-overflow-1e999-in-X": lambda F: Case(
        lambda: load_csv(F.csv_overflow), DataError, r"column 'b': '1e999' overflows float64",
        train(F.csv_overflow), 1, "'1e999' overflows float64", subprocess=True),
    "csv-overflow-1e999-in-Y": lambda F: Case(
        lambda: load_csv(F.csv_overflow_label), DataError, r"column 'label': '1e999' overflows float64",
        evaluate(F.binary, F.csv_overflow_label), 1, "'1e999' overflows float64"),
    # --- NPZ and HDF5 files
    "npz-missing-arrays": lambda F: Case(
        lambda: load_npz(F.npz_no_y), DataError, r"noy\.npz: expected arrays 'X' and 'Y' \(or 'y'\); found \['X'\]",
        train(F.npz_no_y), 1, "expected arrays 'X' and 'Y'"),
    "npz-object-array-is-never-unpickled": lambda F: Case(
        lambda: load_npz(F.pickle_data), DataError, r"pickle_data\.npz: holds object arrays.*never unpickles",
        train(F.pickle_data), 1, "never unpickles", subprocess=True, marker=F.marker_data),
    "h5-wrong-keys": lambda F: Case(
        lambda: load_h5(F.wrongkeys), DataError, r"wrongkeys\.h5: no default keys .*Datasets found: \['images', 'labels'\]",
        train(F.wrongkeys), 1, "no default keys"),
    # --- TOML search configurations
    "toml-malformed": lambda F: Case(
        lambda: load_search_config(F.toml_malformed), ConfigError, r"malformed\.toml: malformed TOML: .*\(at line \d+, column \d+\)",
        search(F.toml_malformed), 1, "malformed TOML", subprocess=True),
    "toml-unknown-key": lambda F: Case(
        lambda: load_search_config(F.toml_unknown), ConfigError,
        r"unknown\.toml: search\.metrc: unknown key \(did you mean 'metric'\?\)",
        search(F.toml_unknown), 1, "search.metrc: unknown key"),
    "toml-empty-space": lambda F: Case(
        lambda: load_search_config(F.toml_empty_space), ConfigError, r"emptyspace\.toml: space: empty",
        search(F.toml_empty_space), 1, "space: empty"),
    "toml-range-low-above-high": lambda F: Case(
        lambda: load_search_config(F.toml_low_high), ConfigError,
        r"lowhigh\.toml: space\.learning_rate: low \(1\.0\) > high \(0\.1\)",
        search(F.toml_low_high), 1, "space.learning_rate: low (1.0) > high (0.1)"),
    # --- model files
    "model-truncated": lambda F: Case(
        lambda: Model.load(F.truncated), ModelFileError, r"truncated\.npz' is truncated or corrupt",
        predict(F.truncated, F.csv_ok), 1, "is truncated or corrupt", subprocess=True),
    "model-bit-flipped": lambda F: Case(
        lambda: Model.load(F.flipped), ModelFileError, r"flipped\.npz' (is (truncated or )?corrupt|failed its checksum)",
        evaluate(F.flipped, F.csv_ok), 1, "flipped.npz"),
    "model-future-format-version": lambda F: Case(
        lambda: Model.load(F.future), ModelFileError, r"future\.npz' was written by a newer nnlab \(format 99\).*upgrade",
        predict(F.future, F.csv_ok), 1, "written by a newer nnlab (format 99)"),
    "model-pickle-is-never-unpickled": lambda F: Case(
        lambda: Model.load(F.pickle_model), ModelFileError, r"holds an object array \(pickle\) in 'classes'; nnlab never unpickles",
        evaluate(F.pickle_model, F.csv_ok), 1, "never unpickles", subprocess=True, marker=F.marker_model),
}

assert len(CASES) >= 40


# --------------------------------------------------------------------------- the checks


@pytest.fixture
def workdir(tmp_path, monkeypatch, F):
    """A fresh working directory holding the pre-existing outputs a failing command must keep."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NNLAB_DEBUG", raising=False)
    (tmp_path / OUT_MODEL).write_bytes(F.good_model)
    (tmp_path / OUT_CSV).write_bytes(CSV_SENTINEL)
    return tmp_path


def snapshot(directory):
    """Every file under ``directory`` (hidden temporaries included) with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", CASES)
def test_python_api_raises_a_clear_error(F, name):
    case = CASES[name](F)
    with pytest.raises(case.error, match=case.match) as info:
        case.api()
    assert "\n" not in str(info.value), "the message is one line"
    if case.marker is not None:
        assert not case.marker.exists(), "the pickle payload ran"


@pytest.mark.parametrize("name", CASES)
def test_cli_exits_cleanly_and_touches_no_file(F, workdir, name):
    case = CASES[name](F)
    before = snapshot(workdir)
    if case.subprocess:
        done = subprocess.run([str(SCRIPT), *map(str, case.argv)], capture_output=True, text=True, timeout=120,
                              env={k: v for k, v in os.environ.items() if k != "NNLAB_DEBUG"})
        code, stdout, stderr = done.returncode, done.stdout, done.stderr
    else:
        result = CliRunner().invoke(main, [str(a) for a in case.argv], prog_name="nnlab")
        # CliRunner catches an unhandled exception too (exit 1, no traceback printed): every
        # case exits non-zero, by a deliberate SystemExit
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        code, stdout, stderr = result.exit_code, result.stdout, result.stderr
    assert "Traceback" not in stdout + stderr
    assert code == case.code, f"exit {code}\nstdout: {stdout}\nstderr: {stderr}"
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error:")]
    assert len(errors) == 1 and case.message in errors[0], stderr
    if case.code == 1:
        assert lines == errors, f"a value error is exactly one stderr line; got:\n{stderr}"
    else:
        assert lines[0].startswith("Usage: nnlab"), stderr
    assert snapshot(workdir) == before, "a file in the working directory was created, changed or removed"
    if case.marker is not None:
        assert not case.marker.exists(), "the pickle payload ran"


# --------------------------------------------------------------------------- beyond the list


def huge_but_finite(d):
    """Features up to 1e300: finite numbers that load fine but whose squares overflow float64."""
    path = d / "huge.csv"
    rows = ["a,b,label", "1e300,2,0", "-1e300,3,1", "5,6,0", "7,8,1", "1,1,0", "2,2,1", "3,3,0", "4,4,1"]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_huge_finite_features_never_leak_a_numpy_warning_through_the_api(tmp_path):
    """Known bug: Standardizer.fit squares the features (np.std) and overflows for |x| ~ 1e155+.

    Either outcome is acceptable -- a clear ValueError naming X, or a model trained without
    warnings -- but not a RuntimeWarning (an exception under this suite's warnings-as-errors).
    """
    data = load_csv(huge_but_finite(tmp_path))
    try:
        model = Model(epochs=2).fit(data.X, data.Y)
    except ValueError as error:
        assert "X" in str(error)
    else:
        assert np.isfinite(model.predict_proba(data.X)).all()


def test_huge_finite_features_on_the_command_line_are_an_error_line_or_a_clean_run(F, workdir):
    """Known bug: `nnlab train` on such a CSV prints NumPy's RuntimeWarning and trains on garbage."""
    path = huge_but_finite(workdir)
    done = subprocess.run([str(SCRIPT), *train(str(path))], capture_output=True, text=True, timeout=120)
    assert "Warning" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    if done.returncode == 1:
        assert done.stderr.startswith("Error:") and done.stderr.count("\n") == 1, done.stderr
        assert (workdir / OUT_MODEL).read_bytes() == F.good_model


def test_the_pickle_payloads_would_run_if_unpickled(tmp_path):
    """Guard on the two pickle cases: the same kind of file, loaded with allow_pickle=True, runs
    its payload -- so the marker staying absent above means nnlab never unpickled."""
    marker = tmp_path / "ran"
    path = write_members(tmp_path / "probe.npz", {"Y": np.array([CreatesMarker(marker)], dtype=object)})
    with np.load(path, allow_pickle=True) as archive:
        archive["Y"]
    assert marker.exists()
