"""The ``nnlab`` command line (click). Commands parse, call the library, and print.

=============  ============================================================================
command        what it does
=============  ============================================================================
``train``      fit a :class:`~nnlab.model.Model` on a built-in set or a file, save it and plots
``predict``    write a saved model's predictions (and class probabilities) to a CSV file
``evaluate``   metric, cost and confusion matrix of a saved model on labelled data
``gradcheck``  backpropagation against numerical differences on a small random network
``explain``    every equation of forward and backward propagation, with its shapes
``datasets``   the built-in data sets
=============  ============================================================================

Every :class:`~nnlab.config.Hyperparameters` field is a ``train`` flag, generated from the
dataclass (names, defaults, types and help text live in :mod:`nnlab.config` only). Bad input
never shows a traceback: usage errors exit 2 with click's usage message; data, model-file and
value errors exit 1 with one ``Error: ...`` line on stderr (:class:`NNLabGroup`). Set
``NNLAB_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import inspect
import os
import re
import sys
import typing
from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from . import __version__
from .config import OUTPUTS, Hyperparameters
from .data import describe_datasets, load_data, train_dev_test_split
from .data.loaders import BUILTIN_DATASETS, LAYOUTS
from .engine.activations import ACTIVATIONS
from .engine.gradcheck import gradient_check
from .engine.initializers import INITIALIZERS, initialize_parameters, validate_layer_dims
from .engine.losses import canonical_loss
from .engine.network import model_forward
from .engine.optimizers import OPTIMIZERS
from .engine.schedules import SCHEDULES
from .errors import DataError, NNLabError
from .io import atomic_write
from .labels import infer_targets
from .model import Model, progress_callback

__all__ = ["LayerSizes", "NNLabGroup", "OptionalType", "main"]

#: Exceptions that bad user input raises (nnlab's own, argument errors, unreadable paths).
USER_ERRORS = (NNLabError, ValueError, TypeError, OSError, MemoryError)
#: The relative difference below which a float64 gradient check passes.
GRADCHECK_THRESHOLD = 1e-7
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")
DTYPES = ("float32", "float64")


# --------------------------------------------------------------------------- errors, once


def describe_error(error: BaseException) -> str:
    """One line for the user: the message of ``error`` (an OSError: path and reason)."""
    if isinstance(error, MemoryError):
        return f"not enough memory: {error} (smaller layers, fewer examples or --dtype float32 need less)"
    if isinstance(error, OSError) and not isinstance(error, NNLabError) and error.strerror:
        text = f"{error.filename}: {error.strerror}" if error.filename is not None else error.strerror
    else:
        text = str(error) or type(error).__name__
    return " ".join(text.split())


class NNLabGroup(click.Group):
    """A click group that turns user errors raised by any command into ``Error: ...``, exit 1.

    Click's own usage errors (exit 2) pass through untouched. ``NNLAB_DEBUG=1`` re-raises the
    original exception, traceback and all.
    """

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise  # click's main() handles a closed pipe quietly
        except USER_ERRORS as error:
            if os.environ.get("NNLAB_DEBUG"):
                raise
            raise click.ClickException(describe_error(error)) from error
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as error:
            reason = _storage_failure(error)
            if reason is None or os.environ.get("NNLAB_DEBUG"):
                raise
            raise click.ClickException(f"the study storage failed: {reason}") from error


def _storage_failure(error: BaseException) -> str | None:
    """The database's reason, on one line, if ``error`` is a failure of a study's storage
    (SQLite, SQLAlchemy, Optuna's storage layer) that the search did not already describe."""
    module = type(error).__module__.split(".")[0]
    if module not in ("sqlite3", "sqlalchemy", "optuna"):
        return None
    from .search.runner import _database_error, _short

    database = _database_error(error)
    return None if database is None else _short(database)


# --------------------------------------------------------------------------- parameter types


class LayerSizes(click.ParamType):
    """Comma-separated positive layer sizes, ``"20,7,5"`` -> ``(20, 7, 5)``.

    With ``allow_empty`` (hidden layers), ``""`` or ``"none"`` is ``()``: no hidden layer,
    i.e. logistic regression.
    """

    name = "sizes"

    def __init__(self, allow_empty: bool = False):
        self.allow_empty = allow_empty

    def get_metavar(self, param, ctx=None) -> str:
        return "N,N,..."

    def convert(self, value, param, ctx) -> tuple[int, ...]:
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        if text.lower() in ("", "none"):
            if self.allow_empty:
                return ()
            self.fail(f"{value!r}: give the layer sizes, e.g. 12288,20,7,5,1", param, ctx)
        sizes = []
        for part in text.split(","):
            part = part.strip()
            try:
                size = int(part)
            except ValueError:
                self.fail(
                    f"{value!r} is not a comma-separated list of layer sizes such as 20,7,5 "
                    f"({part!r} is not a whole number)", param, ctx,
                )
            if size < 1:
                self.fail(f"{value!r}: every layer needs at least 1 unit; got {size}", param, ctx)
            sizes.append(size)
        return tuple(sizes)


class OptionalType(click.ParamType):
    """``inner``, or ``"none"`` for None (a field whose None means "automatic" or "off")."""

    def __init__(self, inner: click.ParamType):
        self.inner = inner
        self.name = f"{inner.name} | none"

    def get_metavar(self, param, ctx=None) -> str:
        if isinstance(self.inner, click.Choice):
            return "[" + "|".join(["none", *map(str, self.inner.choices)]) + "]"
        return f"{self.inner.name.upper()}|none"

    def convert(self, value, param, ctx):
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return None
        return self.inner.convert(value, param, ctx)


# --------------------------------------------------------------------------- Hyperparameters -> flags

_FLAG_NAMES = {  # fields whose flag is not simply --field-name
    "hidden_layers": ("--layers",),
    "learning_rate": ("--learning-rate", "--lr"),
    "initializer": ("--init",),
}
_CHOICES = {  # fields that take a name from a registry
    "activation": HIDDEN_ACTIVATIONS,
    "output": OUTPUTS,
    "initializer": tuple(INITIALIZERS),
    "optimizer": tuple(OPTIMIZERS),
    "decay": tuple(name for name in SCHEDULES if name is not None),
    "dtype": DTYPES,
}
_HELP = {  # help for the command line where the field's comment in config.py does not fit it
    "hidden_layers": 'Units per hidden layer, comma-separated, e.g. 20,7,5; "" or none: no hidden layer '
                     "(logistic regression).",
}


@functools.cache
def _field_comments() -> dict[str, str]:
    """The comment after each field in config.py, as its help text ({} if the source is absent)."""
    try:
        source = inspect.getsource(Hyperparameters)
    except (OSError, TypeError):
        return {}
    names = set(Hyperparameters.field_names())
    comments = {}
    for match in re.finditer(r"^\s+(\w+)\s*:[^#\n]*=[^#\n]*#\s*(.+?)\s*$", source, re.MULTILINE):
        if match.group(1) in names:
            comments[match.group(1)] = match.group(2)
    return comments


def _format_default(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "none"
    return str(value)


def _check_field(name: str):
    """A click callback validating one field by the dataclass's own rules (a usage error if bad)."""

    def callback(ctx, param, value):
        try:
            Hyperparameters(**{name: value})
        except (TypeError, ValueError) as error:
            raise click.BadParameter(describe_error(error), ctx=ctx, param=param) from None
        return value

    return callback


def _field_option(field: dataclasses.Field, hint):
    """The click option (a decorator) for one Hyperparameters field."""
    name = field.name
    decls = _FLAG_NAMES.get(name, (f"--{name.replace('_', '-')}",))
    help_text = _HELP.get(name) or _field_comments().get(name)
    common = dict(default=field.default, callback=_check_field(name), help=help_text, show_default=True)
    if hint is bool:
        flag = decls[0][2:]
        return click.option(f"--{flag}/--no-{flag}", name, **common)
    optional = type(None) in typing.get_args(hint)
    base = next((t for t in typing.get_args(hint) if t is not type(None)), hint)
    if name == "hidden_layers":
        kind = LayerSizes(allow_empty=True)
    elif name in _CHOICES:
        kind = click.Choice(_CHOICES[name])
    elif base in (int, float, str):
        kind = {int: click.INT, float: click.FLOAT, str: click.STRING}[base]
    else:  # a new field type: teach the CLI about it here
        raise TypeError(f"no command-line type for Hyperparameters.{name}: {hint}")
    if optional:
        kind = OptionalType(kind)
    common.update(default=_format_default(field.default))
    return click.option(*decls, name, type=kind, **common)


def hyperparameter_options(command):
    """Add one option per :class:`Hyperparameters` field to a click command, in field order."""
    hints = typing.get_type_hints(Hyperparameters)
    for field in reversed(dataclasses.fields(Hyperparameters)):
        command = _field_option(field, hints[field.name])(command)
    return command


def data_options(command):
    """``--data``, ``--label``, ``--layout`` and ``--data-seed``: what :func:`load_data` takes."""
    options = [
        click.option("--data", required=True, metavar="NAME|FILE",
                     help=f"A built-in data set ({', '.join(BUILTIN_DATASETS)}; see `nnlab datasets`) "
                          "or a .csv, .npz or .h5 file."),
        click.option("--label", metavar="COLUMN", default=None,
                     help="CSV only: the label column (default: 'label', 'y' or 'target', else the last column)."),
        click.option("--layout", type=click.Choice(LAYOUTS), default=LAYOUTS[0], show_default=True,
                     help="NPZ only: X stored one example per column or per row."),
        click.option("--data-seed", type=click.IntRange(min=0), default=None,
                     help="Seed of a built-in generator (default: its own; the flower's is the course's data)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


# --------------------------------------------------------------------------- output helpers


def _table(rows, align: str) -> list[str]:
    """Rows of cells as aligned lines; ``align`` holds one '<' or '>' per column."""
    rows = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(align))]
    lines = []
    for row in rows:
        cells = [f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths)]
        lines.append("  ".join(cells).rstrip())
    return lines


def _format_metric(name: str, value: float) -> str:
    if name == "accuracy":
        return f"{100 * value:.2f} %"
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"


def _format_cost(value: float) -> str:
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.4g}"


def _metric_label(name: str) -> str:
    return "R^2" if name == "r2" else name


def _replace_text_file(target: Path, write) -> None:
    """Call ``write(handle)`` on a new text file that replaces ``target`` only once complete."""
    with atomic_write(target, "w", encoding="utf-8", newline="") as handle:
        write(handle)


def _describe_model(model: Model) -> str:
    hp = model.hyperparameters
    return (
        f"network {model.layer_dims}: {hp.activation} hidden, {model.targets_.output} output"
        f" ({model.targets_.task})"
    )


# --------------------------------------------------------------------------- the group


@click.group(cls=NNLabGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="nnlab")
def main() -> None:
    """nnlab: neural networks from scratch in NumPy, with the course's exact equations."""


# --------------------------------------------------------------------------- train


@main.command()
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

    dataset = load_data(data, label=label, layout=layout, seed=data_seed)
    targets = infer_targets(dataset.Y, hp.output)
    split = train_dev_test_split(
        dataset.X, dataset.Y, dev=dev_fraction, test=test_fraction, seed=split_seed,
        stratify=targets.task != "regression",
    )
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
    rows = [["", "m", _metric_label(metric), "cost"]]
    rows += [[name, r["m"], _format_metric(metric, r["metric"]), _format_cost(r["cost"])] for name, r in reports]
    for line in _table(rows, "<>>>"):
        click.echo(line)

    model.save(out)
    written = [out]
    if plots:
        from .plots import plot_decision_boundary, plot_learning_curve

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


@main.command()
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A model file written by `nnlab train`.")
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
    X = _prediction_inputs(data, model, label=label, layout=layout, seed=data_seed)
    predictions = model.predict(X)  # (1, m) labels, or (n_y, m) values
    header, columns = [], []
    if model.targets_.task == "regression":
        names = ["prediction"] if predictions.shape[0] == 1 else [f"prediction_{i}" for i in range(predictions.shape[0])]
        header += names
        columns += [[repr(float(v)) for v in row] for row in predictions]
    else:
        probabilities = model.predict_proba(X)  # (n[L], m)
        classes = model.targets_.classes.tolist()
        header.append("prediction")
        columns.append([str(v) for v in predictions[0].tolist()])
        shown = classes[1:] if model.targets_.task == "binary" else classes
        header += [f"p_{c}" for c in shown]
        columns += [[f"{p:.6g}" for p in row] for row in probabilities]

    def write(handle):
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(zip(*columns))

    _replace_text_file(out, write)
    click.echo(f"wrote {X.shape[1]} predictions to {out}")


def _prediction_inputs(source, model: Model, *, label, layout, seed) -> np.ndarray:
    """The examples to predict, ``(n_x, m)``; labels in the source are dropped.

    A CSV whose columns are exactly the model's ``n_x`` features (no label column) is read with
    its last column as the loader's "label" and that column is put back as a feature, so every
    cell goes through the loader's checks.
    """
    n_x = model.layer_dims[0]
    path = Path(source)
    if label is None and source not in BUILTIN_DATASETS and path.suffix.lower() == ".csv" and path.is_file():
        header = _csv_header(path)
        if header is not None and len(header) == n_x:
            dataset = load_data(path, label=header[-1])
            if dataset.Y.dtype.kind not in "iuf":
                raise DataError(f"{path}: column {header[-1]!r} must hold numbers (it is one of the model's {n_x} features)")
            return np.vstack([dataset.X, dataset.Y.astype(np.float64)])
    return load_data(source, label=label, layout=layout, seed=seed).X


def _csv_header(path: Path) -> list[str] | None:
    """The first non-blank row of a CSV, or None if it cannot be read (the loader will say why)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.reader(handle, skipinitialspace=True):
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


# --------------------------------------------------------------------------- evaluate


@main.command()
@click.option("--model", "model_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A model file written by `nnlab train`.")
@data_options
def evaluate(model_path, data, label, layout, data_seed):
    """Score a saved model on labelled data: metric, cost and confusion matrix."""
    model = Model.load(model_path)
    dataset = load_data(data, label=label, layout=layout, seed=data_seed)
    report = model.evaluate(dataset.X, dataset.Y)
    click.echo(f"{model_path}: {_describe_model(model)}")
    click.echo(f"{dataset.name}: {report['m']} examples")
    for line in _table([
        [_metric_label(report["metric_name"]), _format_metric(report["metric_name"], report["metric"])],
        ["cost", _format_cost(report["cost"])],
    ], "<>"):
        click.echo(line)
    if "confusion" in report:
        classes = [str(c) for c in report["classes"]]
        confusion = np.asarray(report["confusion"])
        click.echo("confusion matrix (rows: true class, columns: predicted class)")
        rows = [["true \\ predicted", *classes]]
        rows += [[name, *confusion[i].tolist()] for i, name in enumerate(classes)]
        for line in _table(rows, "<" + ">" * len(classes)):
            click.echo(f"  {line}")


# --------------------------------------------------------------------------- gradcheck


def _check_output_units(output: str, dims) -> None:
    if output == "softmax" and dims[-1] < 2:
        raise click.BadParameter(
            f"a softmax output needs at least 2 units; the last layer size is {dims[-1]}",
            param_hint="'--layers'",
        )


@main.command()
@click.option("--layers", "layer_dims", type=LayerSizes(), default="5,4,3,1", show_default=True,
              help="All layer sizes n[0],...,n[L], input and output included.")
@click.option("--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="relu", show_default=True,
              help="Hidden activation.")
@click.option("--output", type=click.Choice(OUTPUTS), default="sigmoid", show_default=True,
              help="Output activation (its canonical cost is used).")
@click.option("--examples", type=click.IntRange(min=1), default=10, show_default=True, help="m.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the random network, data and dropout masks.")
@click.option("--l2", type=click.FloatRange(min=0), default=0.0, show_default=True, help="L2 strength lambda.")
@click.option("--keep-prob", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Dropout keep probability of the hidden layers.")
@click.option("--epsilon", type=click.FloatRange(min=0, min_open=True), default=1e-6, show_default=True,
              help="The two-sided difference step. In float64 its rounding error grows like 1e-16 / epsilon "
                   "and its truncation error like epsilon^2: 1e-6 keeps both far below the threshold.")
@click.option("--verbose", "-v", is_flag=True, help="Also list the components that disagree most.")
@click.pass_context
def gradcheck(ctx, layer_dims, activation, output, examples, seed, l2, keep_prob, epsilon, verbose):
    """Check backpropagation against numerical differences on a small random network.

    Prints the relative difference ||g - g_approx|| / (||g|| + ||g_approx||) and PASS (exit 0)
    when it is below 1e-7, FAIL (exit 1) otherwise. Everything is float64.
    """
    dims = validate_layer_dims(layer_dims)
    _check_output_units(output, dims)
    parameters, X, Y = _gradcheck_problem(dims, activation, output, examples, seed, keep_prob)
    result = gradient_check(
        parameters, X, Y, hidden=activation, output=output, lambd=l2, epsilon=epsilon,
        keep_prob=keep_prob, seed=seed,
    )
    passed = result.difference < GRADCHECK_THRESHOLD
    regularization = ", ".join(filter(None, [f"L2 {l2:g}" if l2 else "", f"keep_prob {keep_prob:g}" if keep_prob < 1 else ""]))
    click.echo(
        f"gradient check: layer_dims {dims}, {activation} hidden, {output} output, m = {examples}, "
        f"{result.analytic.size} parameters, float64" + (f", {regularization}" if regularization else "")
    )
    for line in _table([
        ["relative difference", f"{result.difference:.3e}", "||g - g_approx|| / (||g|| + ||g_approx||)"],
        ["threshold", f"{GRADCHECK_THRESHOLD:.0e}", ""],
    ], "<><"):
        click.echo(line)
    if verbose:
        click.echo("components that disagree most:")
        rows = [["parameter", "backprop", "numerical", "|difference|"]]
        rows += [[name, f"{g:.6e}", f"{n:.6e}", f"{abs(g - n):.2e}"] for name, g, n in result.worst()]
        for line in _table(rows, "<>>>"):
            click.echo(f"  {line}")
    click.echo("PASS" if passed else "FAIL")
    if not passed:
        ctx.exit(1)


def _gradcheck_problem(dims, hidden, output, m, seed, keep_prob, margin=1e-3, attempts=200):
    """A random float64 network and data whose hidden pre-activations all satisfy |Z| > margin.

    Keeping Z away from 0 keeps relu-like units off their kink, where the numerical difference
    straddles two slopes. Draws are retried from ``RandomState([seed, attempt])``.
    """
    for attempt in range(attempts):
        rs = np.random.RandomState([seed, attempt])
        parameters = initialize_parameters(dims, "he", seed=rs)
        for l in range(1, len(dims)):
            parameters[f"b{l}"] = 0.1 * rs.randn(dims[l], 1)
        X = rs.randn(dims[0], m)
        if output == "sigmoid":
            Y = (rs.rand(dims[-1], m) > 0.5).astype(np.float64)
        elif output == "softmax":
            Y = np.eye(dims[-1])[:, rs.randint(dims[-1], size=m)]
        else:
            Y = rs.randn(dims[-1], m)
        # the forward pass gradient_check makes: masks from RandomState(seed) under dropout
        masks = np.random.RandomState(seed) if keep_prob < 1 else None
        _, caches = model_forward(X, parameters, hidden, output, keep_prob, masks)
        if all(np.abs(cache[1]).min() > margin for cache in caches[:-1]):
            return parameters, X, Y
    raise NNLabError(
        f"could not draw a network whose hidden units all stay {margin:g} away from 0 in {attempts} "
        "tries; use fewer examples or smaller layers"
    )


# --------------------------------------------------------------------------- explain

_COST_FORMULAS = {  # the text of each cost, as the engine computes it (nnlab.engine.losses)
    "binary_cross_entropy": "J = -(1/m) sum(Y log A[{L}] + (1 - Y) log(1 - A[{L}]))",
    "categorical_cross_entropy": "J = -(1/m) sum(Y * log A[{L}])   (Y one-hot)",
    "mean_squared_error": "J = (1/2m) sum((A[{L}] - Y)^2)",
}


def _shape(*dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"


@main.command()
@click.option("--layers", "layer_dims", type=LayerSizes(), required=True,
              help="All layer sizes n[0],...,n[L], e.g. 12288,20,7,5,1.")
@click.option("--examples", type=click.IntRange(min=1), default=None,
              help="m, the number of examples (default: shapes show the letter m).")
@click.option("--activation", type=click.Choice(HIDDEN_ACTIVATIONS), default="relu", show_default=True,
              help="Hidden activation.")
@click.option("--output", type=click.Choice(OUTPUTS), default="sigmoid", show_default=True,
              help="Output activation.")
def explain(layer_dims, examples, activation, output):
    """Show each step of forward and backward propagation with its equation and shapes."""
    n = validate_layer_dims(layer_dims)
    _check_output_units(output, n)
    L = len(n) - 1
    m = examples if examples is not None else "m"
    loss = canonical_loss(output)
    g = lambda l: output if l == L else activation  # noqa: E731

    echo = click.echo
    echo(f"layer_dims = {n}: L = {L} layer{'s' if L > 1 else ''}, " + (f"m = {m} examples" if examples else "m examples"))
    hidden = f"hidden activation {activation}" if L > 1 else "no hidden layer"
    echo(f"{hidden}, output {output}, cost {loss.name.replace('_', ' ')}")

    def step(equation, shapes, note=""):
        return [f"    {equation}", shapes + (f"   {note}" if note else "")]

    echo("")
    echo(f"Forward propagation   A[0] = X {_shape(n[0], m)}")
    for l in range(1, L + 1):
        echo(f"  layer {l}: {g(l)}")
        for line in _table([
            step(f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]",
                 f"{_shape(n[l], n[l - 1])} @ {_shape(n[l - 1], m)} + {_shape(n[l], 1)} -> {_shape(n[l], m)}"),
            step(f"A[{l}] = {g(l)}(Z[{l}])", f"{_shape(n[l], m)} -> {_shape(n[l], m)}"),
        ], "<<"):
            echo(line)
    echo("  cost")
    echo(f"    {_COST_FORMULAS[loss.name].format(L=L)}   {_shape(n[L], m)}, {_shape(n[L], m)} -> scalar")

    echo("")
    echo("Backward propagation")
    for l in range(L, 0, -1):
        echo(f"  layer {l}: {g(l)}")
        if l == L:
            first = step(f"dZ[{l}] = A[{l}] - Y", f"{_shape(n[l], m)} - {_shape(n[l], m)} -> {_shape(n[l], m)}",
                         f"({output} + {loss.name.replace('_', ' ')})")
        else:
            first = step(f"dZ[{l}] = dA[{l}] * {g(l)}'(Z[{l}])",
                         f"{_shape(n[l], m)} * {_shape(n[l], m)} -> {_shape(n[l], m)}")
        rows = [
            first,
            step(f"dW[{l}] = dZ[{l}] A[{l - 1}].T / m",
                 f"{_shape(n[l], m)} @ {_shape(m, n[l - 1])} -> {_shape(n[l], n[l - 1])}"),
            step(f"db[{l}] = sum(dZ[{l}], axis=1, keepdims=True) / m", f"{_shape(n[l], m)} -> {_shape(n[l], 1)}"),
            step(f"dA[{l - 1}] = W[{l}].T dZ[{l}]",
                 f"{_shape(n[l - 1], n[l])} @ {_shape(n[l], m)} -> {_shape(n[l - 1], m)}",
                 "(m * dJ/dX; not used by the update)" if l == 1 else ""),
        ]
        for line in _table(rows, "<<"):
            echo(line)

    echo("")
    echo("Update (gradient descent): W[l] = W[l] - learning_rate * dW[l],  b[l] = b[l] - learning_rate * db[l]")
    echo("")
    echo("Parameters")
    rows = [["layer", "W[l]", "b[l]", "parameters"]]
    total = 0
    for l in range(1, L + 1):
        count = n[l] * n[l - 1] + n[l]
        total += count
        rows.append([l, _shape(n[l], n[l - 1]), _shape(n[l], 1), f"{count:,}"])
    rows.append(["total", "", "", f"{total:,}"])
    for line in _table(rows, "<<<>"):
        echo(f"  {line}")


# --------------------------------------------------------------------------- search


@main.command()
@click.argument("config_path", metavar="CONFIG.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Run folder (default: runs/<config name>). Rerunning with the same folder resumes.")
@click.option("--executor", type=click.Choice(["serial", "processes", "dask"]), default=None,
              help="Override the config's executor.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Local worker processes.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Dask scheduler (tcp://host:8786 or tls://...); implies --executor dask. "
                   "Default: the config's, else $DASK_SCHEDULER_ADDRESS.")
@click.option("--storage", default=None, metavar="URL",
              help="SQLAlchemy URL of the study (e.g. postgresql://...); default: study.db in the run folder.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, help="Leaderboard rows to print.")
def search(config_path, out_dir, executor, jobs, scheduler, storage, top):
    """Search hyperparameters: train on the training split, score the dev split, pick the best.

    The chosen trial's model is saved and scored once on the test split. Ctrl-C stops
    cleanly; rerunning the same command resumes, keeping every finished trial.

    Example: nnlab search examples/flower.toml --out runs/flower
    """
    from .search import format_leaderboard, format_params, load_search_config, run_search

    config = load_search_config(config_path)
    out_dir = out_dir or Path("runs") / config_path.stem
    if scheduler and executor is None:
        executor = "dask"
    kind = executor or config.executor
    click.echo(
        f"search {config_path}: {config.strategy}, {config.trials} trials on {config.source}, "
        f"objective dev {config.metric}; executor {kind}" + (f" x{jobs or config.jobs}" if kind == "processes" else "")
    )
    result = run_search(config, out_dir, storage=storage, executor=executor, jobs=jobs, scheduler=scheduler,
                        echo=click.echo, progress=sys.stdout.isatty())
    if result.interrupted:
        raise SystemExit(130)
    summary = result.summary
    click.echo(format_leaderboard(result.records, summary, top=top))
    best = result.best
    if best is None:
        raise click.ClickException("no trial completed; see the reasons above")
    click.echo(f"best configuration: trial {best['number']}: {format_params(best['params'])}")
    for name in ("leaderboard.csv", "best_model.npz", "report.html"):
        click.echo(f"wrote {Path(out_dir) / name}")
    if storage is None:
        click.echo(f"browse the study: optuna-dashboard sqlite:///{Path(out_dir) / 'study.db'}")


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--storage", default=None, metavar="URL", help="The study's SQLAlchemy URL if not the folder's study.db.")
def report(run_dir, storage):
    """Rebuild leaderboard.csv and report.html of a search's run folder from its study."""
    from .search import rebuild_report

    click.echo(f"wrote {rebuild_report(run_dir, storage)}")


# --------------------------------------------------------------------------- datasets


@main.command()
def datasets():
    """List the built-in data sets: shape, classes with their counts, and what they are."""
    rows = [["name", "X (n_x, m)", "classes: count", "description"]]
    for entry in describe_datasets():
        if entry["available"]:
            shape = _shape(entry["n_features"], entry["n_examples"])
            counts = entry["classes"]
            if len(counts) <= 6:
                classes = ", ".join(f"{label}: {count}" for label, count in counts.items())
            else:
                classes = f"{len(counts)} classes, {min(counts.values())}-{max(counts.values())} each"
            description = entry["description"]
        else:
            shape, classes, description = "-", "-", f"{entry['description']} ({entry['note']})"
        rows.append([entry["name"], shape, classes, description])
    for line in _table(rows, "<<<<"):
        click.echo(line)


if __name__ == "__main__":  # pragma: no cover
    main()
