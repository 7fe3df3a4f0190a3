"""The model commands: ``train``, ``predict``, ``evaluate``, and ``datasets`` (what ``--data``
can name). Each parses its flags, calls the library (data sources, the Model) and prints."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from ..config import Hyperparameters
from ..data import describe_datasets, load_data, load_inputs, load_splits
from ..io import atomic_write
from ..model import Model, progress_callback
from ..text import format_cost_fixed, format_metric_fixed, metric_label, table
from .options import data_options, hyperparameter_options

__all__ = ["datasets", "evaluate", "predict", "train"]


def _describe_model(model: Model) -> str:
    hp = model.hyperparameters
    return (
        f"network {model.layer_dims}: {hp.activation} hidden, {model.targets_.output} output"
        f" ({model.targets_.task})"
    )


def _echo_lines(lines, indent: str = "") -> None:
    for line in lines:
        click.echo(f"{indent}{line}")


# --------------------------------------------------------------------------- train


@click.command()
@data_options
@click.option("--dev-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.2, show_default=True,
              help="Fraction of the examples held out as the dev set (0: no dev set).")
@click.option("--test-fraction", type=click.FloatRange(0, 1, max_open=True), default=0.0, show_default=True,
              help="Fraction held out as a test set, scored once at the end.")
@click.option("--split-seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the (stratified, for classes) train/dev/test split.")
@hyperparameter_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("model.npz"),
              show_default=True, help="The model file to write.")
@click.option("--plots-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the PNG plots (default: next to the model).")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write the learning curve and, for 2-feature data, the decision boundary.")
def train(data, label, layout, data_seed, dev_fraction, test_fraction, split_seed, out, plots_dir, plots, **fields):
    """Train a network on a data set; save the model and its plots.

    \b
    Example (the course's flower: 4 tanh units, learning rate 1.2):
      nnlab train --data flower --layers 4 --activation tanh --lr 1.2 --epochs 10000
    """
    hp = Hyperparameters(**fields)
    if not out.parent.is_dir():
        raise FileNotFoundError(f"cannot write the model to '{out}': directory '{out.parent}' does not exist")
    if plots and plots_dir is not None:
        plots_dir.mkdir(parents=True, exist_ok=True)

    dataset, split, targets = load_splits(data, label=label, layout=layout, seed=data_seed, dev=dev_fraction,
                                          test=test_fraction, split_seed=split_seed, output=hp.output)
    parts = [(name, part) for name, part in zip(("train", "dev", "test"), split) if part is not None]
    classes = "" if targets.task == "regression" else f", {len(targets.classes)} classes"
    click.echo(
        f"{dataset.name}: {dataset.n_examples} examples, {dataset.n_features} features{classes}; "
        + ", ".join(f"{name} {part[0].shape[1]}" for name, part in parts)
    )

    model = Model(hp)
    with tqdm(total=hp.epochs, desc="training", unit="epoch", disable=not sys.stdout.isatty(),
              leave=False, dynamic_ncols=True) as bar:
        # the CLI owns the progress display: no second bar from Model.fit's verbose mode
        on_epoch = (lambda epoch, history: None) if bar.disable else progress_callback(bar, hp.epochs)
        model.fit(*split.train, dev=split.dev, on_epoch=on_epoch)

    history = model.history_
    stopped = (
        f"; stopped early after {len(history.epoch)} epochs, kept epoch {model.best_epoch_}"
        if model.stopped_early_ else f"; {len(history.epoch)} epochs"
    )
    click.echo(f"{_describe_model(model)}; {hp.optimizer}, learning rate {hp.learning_rate:g}{stopped}")
    reports = [(name, model.evaluate(*part)) for name, part in parts]
    metric = reports[0][1]["metric_name"]
    rows = [[name, r["m"], format_metric_fixed(r["metric"], metric), format_cost_fixed(r["cost"])]
            for name, r in reports]
    _echo_lines(table(["", "m", metric_label(metric, ascii=True), "cost"], rows, "<>>>", pad_last=True))

    model.save(out)
    written = [out]
    if plots:
        from ..plots import plot_decision_boundary, plot_learning_curve

        directory = plots_dir if plots_dir is not None else out.parent
        stem = out.stem
        title = f"{dataset.name}: {model.layer_dims}, {hp.activation}, {hp.optimizer} lr {hp.learning_rate:g}"
        written.append(plot_learning_curve(history, directory / f"{stem}_learning_curve.png", title=title))
        if dataset.n_features == 2:
            written.append(plot_decision_boundary(
                model, dataset.X, dataset.Y, directory / f"{stem}_decision_boundary.png",
                title=f"{dataset.name}: decision boundary", feature_names=dataset.feature_names,
            ))
    for path in written:
        click.echo(f"wrote {path}")


# --------------------------------------------------------------------------- predict

_MODEL_OPTION = click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
                             help="A model file written by `nnlab train`.")


@click.command()
@_MODEL_OPTION
@data_options
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("predictions.csv"),
              show_default=True, help="The CSV file to write.")
def predict(model_path, data, label, layout, data_seed, out):
    """Write a model's predictions for the examples of a file to a CSV.

    Columns: `prediction` and, for a classifier, the probability of each class, `p_<class>`
    (binary: of the positive class only). Labels in the file, if any, are ignored: a CSV may
    hold just the model's feature columns, or those plus a label column (name it with --label
    unless it is called label, y or target, or is the last column).
    """
    model = Model.load(model_path)
    X = load_inputs(data, model.layer_dims[0], label=label, layout=layout, seed=data_seed)
    predictions = model.predict(X)  # (1, m) labels, or (n_y, m) values
    header, columns = [], []
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
    click.echo(f"wrote {X.shape[1]} predictions to {out}")


# --------------------------------------------------------------------------- evaluate


@click.command()
@_MODEL_OPTION
@data_options
def evaluate(model_path, data, label, layout, data_seed):
    """Score a saved model on labelled data: metric, cost and confusion matrix."""
    model = Model.load(model_path)
    dataset = load_data(data, label=label, layout=layout, seed=data_seed)
    report = model.evaluate(dataset.X, dataset.Y)
    click.echo(f"{model_path}: {_describe_model(model)}")
    click.echo(f"{dataset.name}: {report['m']} examples")
    metric = report["metric_name"]
    _echo_lines(table(None, [
        [metric_label(metric, ascii=True), format_metric_fixed(report["metric"], metric)],
        ["cost", format_cost_fixed(report["cost"])],
    ], "<>", pad_last=True))
    if "confusion" in report:
        classes = [str(c) for c in report["classes"]]
        confusion = np.asarray(report["confusion"])
        click.echo("confusion matrix (rows: true class, columns: predicted class)")
        rows = [[name, *confusion[i].tolist()] for i, name in enumerate(classes)]
        _echo_lines(table(["true \\ predicted", *classes], rows, "<" + ">" * len(classes), pad_last=True), "  ")


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
