"""The ``nnlab`` command line (click). Commands parse, call the library, and print."""

from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="nnlab")
def main() -> None:
    """nnlab: neural networks from scratch in NumPy, with the course's exact equations."""


if __name__ == "__main__":  # pragma: no cover
    main()
