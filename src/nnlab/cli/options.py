"""Options shared by commands: one per :class:`~nnlab.config.Hyperparameters` field, the data
options (``--data``, ``--label``, ``--layout``, ``--data-seed``, and for tables ``--features``,
``--drop``, ``--delimiter``, ``--thousands``, ``--decimal``), the preprocessing options of
``train`` and ``--split``.

A field's flag, default, type and help come from the dataclass (its help from the field's
``metadata["help"]``); only the flags whose name is not ``--field-name`` and the fields that take
a registry's name are listed here.
"""

from __future__ import annotations

import dataclasses
import typing

import click

from ..config import OUTPUTS, Hyperparameters
from ..data.builtin import BUILTIN_DATASETS
from ..data.examples import PARTS
from ..data.preprocess import HANDLE_UNKNOWN, MISSING_POLICIES
from ..data.sources import LAYOUTS
from ..labels import TASKS
from ..engine.activations import ACTIVATIONS
from ..engine.initializers import INITIALIZERS
from ..engine.optimizers import OPTIMIZERS
from ..engine.schedules import SCHEDULES
from . import describe_error
from .types import Character, ColumnNames, LayerSizes, OptionalType

__all__ = ["HIDDEN_ACTIVATIONS", "data_options", "hyperparameter_options", "preprocessing_options", "split_option"]

HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")

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
    "dtype": ("float32", "float64"),
}
_SCALARS = {int: click.INT, float: click.FLOAT, str: click.STRING}


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
    common = dict(callback=_check_field(name), help=field.metadata.get("help"), show_default=True)
    if hint is bool:
        flag = decls[0][2:]
        return click.option(f"--{flag}/--no-{flag}", name, default=field.default, **common)
    base = next((t for t in typing.get_args(hint) if t is not type(None)), hint)
    if name == "hidden_layers":
        kind = LayerSizes(allow_empty=True)
    elif name in _CHOICES:
        kind = click.Choice(_CHOICES[name])
    elif base in _SCALARS:
        kind = _SCALARS[base]
    else:  # a new field type: teach the CLI about it here
        raise TypeError(f"no command-line type for Hyperparameters.{name}: {hint}")
    if type(None) in typing.get_args(hint):
        kind = OptionalType(kind)
    return click.option(*decls, name, type=kind, default=_format_default(field.default), **common)


def hyperparameter_options(command):
    """Add one option per :class:`Hyperparameters` field to a click command, in field order."""
    hints = typing.get_type_hints(Hyperparameters)
    for field in reversed(dataclasses.fields(Hyperparameters)):
        command = _field_option(field, hints[field.name])(command)
    return command


def _add(command, options):
    for option in reversed(options):
        command = option(command)
    return command


def data_options(command):
    """``--data``, ``--label``, ``--layout``, ``--data-seed`` and the table options: a data source
    and its reading."""
    return _add(command, [
        click.option("--data", required=True, metavar="NAME|FILE",
                     help=f"A built-in data set ({', '.join(BUILTIN_DATASETS)}; see `nnlab datasets`) "
                          "or a .csv, .tsv, .parquet, .npz or .h5 file."),
        click.option("--label", metavar="COLUMN", default=None,
                     help="Tables only: the label column (default: 'label', 'y' or 'target', else the last column)."),
        click.option("--features", type=ColumnNames(), default=None,
                     help="Tables only: the feature columns (default: every column but the label and --drop)."),
        click.option("--drop", type=ColumnNames(), default=(), help="Tables only: columns to leave out, e.g. id."),
        click.option("--delimiter", type=Character(), default=None,
                     help="CSV only: the field separator (default: guessed from the first lines; tab for .tsv)."),
        click.option("--thousands", type=Character(), default=None,
                     help="CSV only: the thousands separator inside numbers, e.g. ',' for 1,234."),
        click.option("--decimal", type=Character(), default=".", show_default=True,
                     help="CSV only: the decimal mark, e.g. ',' for 2,5."),
        click.option("--layout", type=click.Choice(LAYOUTS), default=LAYOUTS[0], show_default=True,
                     help="NPZ only: X stored one example per column or per row."),
        click.option("--data-seed", type=click.IntRange(min=0), default=None,
                     help="Seed of a built-in generator (default: its own; the flower's is the course's data)."),
    ])


def preprocessing_options(command):
    """``--task``, ``--categorical``, ``--missing``, ``--handle-unknown``: what ``train`` fits."""
    return _add(command, [
        click.option("--task", type=click.Choice(TASKS), default=None,
                     help="classification or regression (default: inferred from the labels; whole numbers "
                          "with many values and few examples each stop and ask)."),
        click.option("--categorical", type=ColumnNames(), default=None,
                     help="Tables only: columns of numbers to one-hot encode as categories too (text columns always are)."),
        click.option("--missing", type=click.Choice(MISSING_POLICIES), default="error", show_default=True,
                     help="Tables only: a missing cell is an error, drops its row, or is filled with the training "
                          "mean, median or most frequent value."),
        click.option("--handle-unknown", type=click.Choice(HANDLE_UNKNOWN), default="error", show_default=True,
                     help="Tables only: a category unseen in training, later: an error, or all zeros."),
    ])


def split_option(what: str, default: str):
    """``--split train|dev|test|all``: which examples of the model's recorded split to use."""
    return click.option(
        "--split", "part", type=click.Choice(PARTS), default=None,
        help=f"{what} only this part of the split the model was trained with, rebuilt from the same data "
             f"(default: {default}).",
    )
