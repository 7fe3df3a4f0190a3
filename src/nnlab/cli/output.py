"""Printing that never costs the work: a closed stdout (``nnlab train ... | head -1``) is noted,
not an error, and the command carries on and saves; it then exits 141 (128 + SIGPIPE, what the
shell reports for a command whose reader went away), quietly."""

from __future__ import annotations

import os
import sys

import click

__all__ = ["PIPE_CLOSED_EXIT", "echo", "exit_if_pipe_closed"]

PIPE_CLOSED_EXIT = 141
_closed = False


def echo(message: str = "", err: bool = False) -> None:
    """``click.echo``, except that a closed stdout sends the rest of the output to /dev/null."""
    global _closed
    if _closed and not err:
        return
    try:
        click.echo(message, err=err)
    except BrokenPipeError:
        if err:
            return
        _closed = True
        devnull = open(os.devnull, "w")
        try:  # the interpreter's last flush of the old stdout must not fail either
            os.dup2(devnull.fileno(), sys.stdout.fileno())
        except (AttributeError, OSError, ValueError):
            pass
        sys.stdout = devnull


def exit_if_pipe_closed() -> None:
    """Exit 141 if stdout was closed while the command printed (its work is done and saved)."""
    global _closed
    if _closed:
        _closed = False
        raise click.exceptions.Exit(PIPE_CLOSED_EXIT)
