"""``python -m nnlab.cli``: the same as the ``nnlab`` command."""

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
