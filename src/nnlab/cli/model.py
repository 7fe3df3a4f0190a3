"""The model commands: ``train``, ``predict``, ``evaluate``, and ``datasets`` (what ``--data``
can name). Each parses its flags, calls the library (data sources, the Model) and prints.

``train`` writes the model file (and its plots) before it prints its results, and prints through
:func:`.output.echo`: a closed stdout or Ctrl-C while printing leaves the complete model file.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from ..config import Hyperparameters
from ..data import describe_datasets
from ..data.examples import load_examples, split_part, split_record
from ..data.preprocess import Preprocessor
from ..data.splits import split_indices
from ..data.table import TextFormat
from ..io import atomic_write
from ..labels import infer_targets
from ..model import Model, progress_callback
from ..text import format_cost_fixed, format_metric_fixed, metric_label, table
from .options import data_options, hyperparameter_options, preprocessing_options, split_option
from .output import echo, exit_if_pipe_closed

__all__ = ["datasets", "evaluate", "predict", "train"]


def _describe_model(model: Model) -> str:
    hidden = f"{model.hyperparameters.activation} hidden, " if len(model.layer_dims) > 2 else "no hidden layer, "
    return f"network {model.layer_dims}: {hidden}{model.targets_.output} output ({model.targets_.task})"


def _echo_lines(lines, indent: str = "") -> None:
    for line in lines:
        echo(f"{indent}{line}")


def _load(data, label, layout, data_seed, features, drop, delimiter, thousands, decimal, **more):
    """The examples of ``--data`` with the table options (:func:`~nnlab.data.examples.load_examples`)."""
    fmt = TextFormat(delimiter=delimiter, thousands=thousands, decimal=decimal)
    return load_examples(data, label=label, layout=layout, seed=data_seed, fmt=fmt, features=features,
                         drop=drop or (), **more)


class _OnColumns:
    """A table model seen as one on arrays of its two numeric columns (for the plane plot)."""

    def __init__(self, model: Model, names):
        self.model, self.names, self.targets_ = model, list(names), model.targets_

    def predict_proba(self, X):
        import pandas as pd

        return self.model.predict_proba(pd.DataFrame(np.asarray(X).T, columns=self.names))


def _plots(model, examples, directory: Path, stem: str, title: str) -> list[Path]:
    from ..plots import plot_decision_boundary, plot_learning_curve

    written = [plot_learning_curve(model.history_, directory / f"{stem}_learning_curve.png", title=title)]
    plane = model if not examples.is_table else _OnColumns(model, examples.feature_names)
    numeric = not examples.is_table or not model.preprocessor_.categories_
    if len(examples.feature_names) == 2 and numeric and model.layer_dims[0] == 2:
        X = examples.X if not examples.is_table else examples.X.to_numpy(dtype=np.float64).T
        if np.isfinite(X).all():
            what = ("prediction_surface", "predictions over the plane") if model.targets_.task == "regression" \
                else ("decision_boundary", "decision boundary")
            written.append(plot_decision_boundary(
                plane, X, examples.Y, directory / f"{stem}_{what[0]}.png",
                title=f"{examples.name}: {what[1]}", feature_names=examples.feature_names,
            ))
    return written


# --------------------------------------------------------------------------- train


@click.command()
@data_options
@preprocessing_options
@click.option("--dev-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True,
              help="Fraction of the examples held out as the dev set (0: no dev set).")
@click.option("--test-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
              help="Fraction held out as a test set, scored once at the end.")
@click.option("--split-seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the (stratified, for classes) train/dev/test split; recorded in the model file.")
@hyperparameter_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("model.npz"),
              show_default=True, help="The model file to write.")
@click.option("--plots-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the PNG plots (default: next to the model).")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write the learning curve and, for 2-feature data, the decision boundary (or prediction surface).")
def train(data, label, layout, data_seed, features, drop, delimiter, thousands, decimal, task, categorical, missing,
          handle_unknown, dev_fraction, test_fraction, split_seed, out, plots_dir, plots, **fields):
    """Train a network on a data set; save the model and its plots.

    --layers are the hidden layers' sizes only: the input and output sizes come
    from the data.

    \b
    Example (the course's flower: 4 tanh units, learning rate 1.2):
      nnlab train --data flower --layers 4 --activation tanh --lr 1.2 --epochs 10000
    \b
    A table with a text column, a missing value and an id column:
      nnlab train --data people.csv --label income --drop id --missing median --task regression
    """
    hp = Hyperparameters(**fields)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"cannot write the model to '{out}': directory '{out.parent}' does not exist")
    if plots and plots_dir is not None:
        plots_dir.mkdir(parents=True, exist_ok=True)

    examples = _load(data, label, layout, data_seed, features, drop, delimiter, thousands, decimal,
                     categorical=categorical or (), drop_missing_labels=missing == "drop")
    if not examples.is_table and (categorical or missing != "error" or handle_unknown != "error"):
        raise click.UsageError("--categorical, --missing and --handle-unknown apply to tables (.csv, .tsv, .parquet) only")
    targets = infer_targets(examples.Y, hp.output, task)
    stratify = targets.task != "regression"
    record = split_record(examples.Y, dev_fraction, test_fraction, split_seed, stratify)
    if examples.is_table:
        record["label"] = examples.label  # evaluate and predict --split read the same column
    indices = split_indices(examples.Y, dev_fraction, test_fraction, split_seed, stratify)
    parts = [(name, examples.take(idx)) for name, idx in zip(("train", "dev", "test"), indices) if idx.size]
    for note in examples.notes:
        echo(f"note: {note}", err=True)
    classes = "" if targets.task == "regression" else f", {len(targets.classes)} classes"
    echo(f"{examples.name}: {examples.m} examples, {len(examples.feature_names)} features{classes}; "
         + ", ".join(f"{name} {len(part[0]) if examples.is_table else part[0].shape[1]}" for name, part in parts))

    model = Model(hp)
    preprocessor = Preprocessor(categorical, missing, handle_unknown) if examples.is_table else None
    with tqdm(total=hp.epochs, desc="training", unit="epoch", disable=not sys.stderr.isatty(),
              leave=False, dynamic_ncols=True) as bar:
        # the CLI owns the progress display: no second bar from Model.fit's verbose mode
        on_epoch = (lambda epoch, history: None) if bar.disable else progress_callback(bar, hp.epochs)
        model.fit(*parts[0][1], dev=dict(parts).get("dev"), on_epoch=on_epoch,
                  task="regression" if targets.task == "regression" else "classification", preprocessor=preprocessor)
    model.split_ = record
    dims = model.layer_dims
    if len(hp.hidden_layers) >= 2 and hp.hidden_layers[0] == dims[0] and hp.hidden_layers[-1] == dims[-1]:
        echo(f"note: --layers {','.join(map(str, hp.hidden_layers))} are the hidden sizes only, so the network is "
             f"{dims}; for {list(hp.hidden_layers)} give --layers {','.join(map(str, hp.hidden_layers[1:-1]))}",
             err=True)
    reports = [(name, model.evaluate(*part)) for name, part in parts]

    model.save(out)  # the work is saved before anything is printed
    written = [out]
    if plots:
        directory = plots_dir if plots_dir is not None else out.parent
        hidden = f", {hp.activation}" if len(model.layer_dims) > 2 else ""
        title = f"{examples.name}: {model.layer_dims}{hidden}, {hp.optimizer} lr {hp.learning_rate:g}"
        written += _plots(model, examples, directory, out.stem, title)

    history = model.history_
    stopped = (
        f"; stopped early after {len(history.epoch)} epochs, kept epoch {model.best_epoch_}"
        if model.stopped_early_ else f"; {len(history.epoch)} epochs"
    )
    echo(f"{_describe_model(model)}; {hp.optimizer}, learning rate {hp.learning_rate:g}{stopped}")
    metric = reports[0][1]["metric_name"]
    rows = [[name, r["m"], format_metric_fixed(r["metric"], metric), format_cost_fixed(r["cost"])]
            for name, r in reports]
    _echo_lines(table(["", "m", metric_label(metric, ascii=True), "cost"], rows, "<>>>", pad_last=True))
    for path in written:
        echo(f"wrote {path}")
    exit_if_pipe_closed()


# --------------------------------------------------------------------------- predict

_MODEL_OPTION = click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                             help="A model file written by `nnlab train`.")


def _examples_of(model, part, data, label, layout, data_seed, features, drop, delimiter, thousands, decimal,
                 with_label):
    """The examples a saved model scores: the file read as it was in training, then one part."""
    if label is None and model.preprocessor_ is not None and (model.split_ or {}).get("label") is not None:
        label = model.split_["label"]  # the column the model was trained to predict
    examples = _load(data, label, layout, data_seed, features, drop, delimiter, thousands, decimal,
                     with_label=with_label, drop_missing_labels=model.preprocessor_ is not None
                     and model.preprocessor_.missing == "drop")
    if model.preprocessor_ is None:  # a model of arrays: the table's columns are its features, in order
        examples = examples.as_arrays()
    index, said = split_part(model.split_, examples.Y, part)
    if index is None:
        return examples.X, examples.Y, said, None
    X, Y = examples.take(index)
    return X, Y, said, index


@click.command()
@_MODEL_OPTION
@data_options
@split_option("Predict", "all the examples")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("predictions.csv"),
              show_default=True, help="The CSV file to write.")
def predict(model_path, data, label, layout, data_seed, features, drop, delimiter, thousands, decimal, part, out):
    """Write a model's predictions for the examples of a file to a CSV.

    Columns: `prediction` and, for a classifier, the probability of each class, `p_<class>`
    (binary: of the positive class only). A model trained on a table finds its feature columns
    by name, in any order; other columns (a label, an id) are ignored. For other models a CSV may
    hold just the model's feature columns, or those plus a label column (name it with --label
    unless it is called label, y or target, or is the last column). --split (train, dev, test)
    predicts one part of the model's split, rebuilt from its training data (labels needed), and
    adds a first column `example`: each one's 0-based position in the data.
    """
    model = Model.load(model_path)
    index = None
    if part not in (None, "all"):
        X, _, said, index = _examples_of(model, part, data, label, layout, data_seed, features, drop, delimiter,
                                  thousands, decimal, with_label=True)
    elif model.preprocessor_ is not None:
        X = _load(data, label, layout, data_seed, features, drop, delimiter, thousands, decimal, with_label=False).X
    else:
        from ..data import load_inputs

        X = load_inputs(data, model.layer_dims[0], label=label, layout=layout, seed=data_seed)
    predictions = model.predict(X)  # (1, m) labels, or (n_y, m) values
    header, columns = [], []
    if index is not None:  # which examples of the data these are (0-based, in the data's order)
        header.append("example")
        columns.append([str(i) for i in index.tolist()])
    if model.targets_.task == "regression":
        n_y = predictions.shape[0]
        header += ["prediction"] if n_y == 1 else [f"prediction_{i}" for i in range(n_y)]
        columns += [[repr(float(v)) for v in row] for row in predictions]
    else:
        probabilities = model.predict_proba(X)  # (n[L], m)
        classes = model.targets_.classes.tolist()
        header.append("prediction")
        columns.append([str(v) for v in predictions[0].tolist()])
        shown = classes[1:] if model.targets_.task == "binary" else classes
        header += [f"p_{c}" for c in shown]
        columns += [[f"{p:.6g}" for p in row] for row in probabilities]

    with atomic_write(out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*columns))
    echo(f"wrote {predictions.shape[1]} predictions to {out}")
    exit_if_pipe_closed()


# --------------------------------------------------------------------------- evaluate


@click.command()
@_MODEL_OPTION
@data_options
@split_option("Score", "the held-out part, test or else dev, when the data is the training data; else all")
def evaluate(model_path, data, label, layout, data_seed, features, drop, delimiter, thousands, decimal, part):
    """Score a saved model on labelled data: metric, cost and confusion matrix.

    On the data it was trained on, the default scores the held-out part of the recorded split
    (test, else dev) and says so; --split all scores every example, training ones included.
    """
    model = Model.load(model_path)
    X, Y, said, _ = _examples_of(model, part, data, label, layout, data_seed, features, drop, delimiter,
                              thousands, decimal, with_label=True)
    report = model.evaluate(X, Y)
    echo(f"{model_path}: {_describe_model(model)}")
    echo(f"{Path(str(data)).stem if Path(str(data)).suffix else data}: scored {said}")
    metric = report["metric_name"]
    _echo_lines(table(None, [
        [metric_label(metric, ascii=True), format_metric_fixed(report["metric"], metric)],
        ["cost", format_cost_fixed(report["cost"])],
    ], "<>", pad_last=True))
    if "confusion" in report:
        classes = [str(c) for c in report["classes"]]
        confusion = np.asarray(report["confusion"])
        echo("confusion matrix (rows: true class, columns: predicted class)")
        rows = [[name, *confusion[i].tolist()] for i, name in enumerate(classes)]
        _echo_lines(table(["true \\ predicted", *classes], rows, "<" + ">" * len(classes), pad_last=True), "  ")
    exit_if_pipe_closed()


# --------------------------------------------------------------------------- datasets


@click.command()
def datasets():
    """List the built-in data sets: shape, classes with their counts, and what they are."""
    rows = []
    for entry in describe_datasets():
        if entry["available"]:
            shape = f"({entry['n_features']}, {entry['n_examples']})"
            counts = entry["classes"]
            if len(counts) <= 6:
                classes = ", ".join(f"{label}: {count}" for label, count in counts.items())
            else:
                classes = f"{len(counts)} classes, {min(counts.values())}-{max(counts.values())} each"
            description = entry["description"]
        else:
            shape, classes, description = "-", "-", f"{entry['description']} ({entry['note']})"
        rows.append([entry["name"], shape, classes, description])
    _echo_lines(table(["name", "X (n_x, m)", "classes: count", "description"], rows, "<<<<"))
    exit_if_pipe_closed()
