"""The ``nnlab`` command line (click). Commands parse, call the library, and print.

=============  ============================================================================
command        what it does (module)
=============  ============================================================================
``train``      fit a :class:`~nnlab.model.Model` on a built-in set or a file, save it and plots
``predict``    write a saved model's predictions (and class probabilities) to a CSV file
``evaluate``   metric, cost and confusion matrix of a saved model on labelled data
``datasets``   the built-in data sets                                      (:mod:`.model`)
``explain``    every equation of forward and backward propagation, with its shapes
``gradcheck``  backpropagation against numerical differences on a small network (:mod:`.teach`)
``search``     a hyperparameter search from a TOML file
``report``     rebuild a search's leaderboard and report                  (:mod:`.search`)
=============  ============================================================================

Every :class:`~nnlab.config.Hyperparameters` field is a ``train`` flag, generated from the
dataclass (:mod:`.options`; names, defaults, types and help text live in :mod:`nnlab.config`
only). Bad input never shows a traceback: usage errors exit 2 with click's usage message; data,
model-file and value errors exit 1 with one ``Error: ...`` line on stderr (:class:`NNLabGroup`).
Set ``NNLAB_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import os

import click

from .. import __version__
from ..errors import NNLabError
from ..text import one_line

__all__ = ["NNLabGroup", "describe_error", "main"]

#: Exceptions that bad user input raises (nnlab's own, argument errors, unreadable paths).
USER_ERRORS = (NNLabError, ValueError, TypeError, OSError, MemoryError)


def describe_error(error: BaseException) -> str:
    """One line for the user: the message of ``error`` (an OSError: path and reason)."""
    if isinstance(error, MemoryError):
        return f"not enough memory: {error} (smaller layers, fewer examples or --dtype float32 need less)"
    if isinstance(error, OSError) and not isinstance(error, NNLabError) and error.strerror:
        text = f"{error.filename}: {error.strerror}" if error.filename is not None else error.strerror
    else:
        text = str(error) or type(error).__name__
    return one_line(text)


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
            from ..search import describe_storage_failure  # Optuna loads only for this error

            reason = describe_storage_failure(error)
            if reason is None or os.environ.get("NNLAB_DEBUG"):
                raise
            raise click.ClickException(f"the study storage failed: {reason}") from error


@click.group(cls=NNLabGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", "-V", prog_name="nnlab")
def main() -> None:
    """nnlab: neural networks from scratch in NumPy, with the course's exact equations."""


# the commands, imported last: their options use describe_error above
from .model import datasets, evaluate, predict, train  # noqa: E402
from .search import report, search  # noqa: E402
from .teach import explain, gradcheck  # noqa: E402

for _command in (train, predict, evaluate, gradcheck, explain, search, report, datasets):
    main.add_command(_command)
