"""Click parameter types of the command line: layer sizes, column names, one character, and
"none" for optional values."""

from __future__ import annotations

import click

__all__ = ["Character", "ColumnNames", "LayerSizes", "OptionalType"]


class ColumnNames(click.ParamType):
    """Comma-separated column names, ``"id,name"`` -> ``("id", "name")`` (spaces around trimmed)."""

    name = "columns"

    def get_metavar(self, param, ctx=None) -> str:
        return "NAME,NAME,..."

    def convert(self, value, param, ctx) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        names = tuple(part.strip() for part in str(value).split(","))
        if not all(names):
            self.fail(f"{value!r}: give column names separated by commas, e.g. id,name", param, ctx)
        return names


class Character(click.ParamType):
    """One character, e.g. a delimiter; ``tab`` or ``\\t`` for a tab."""

    name = "character"
    _NAMED = {"tab": "\t", "\\t": "\t", "space": " "}

    def get_metavar(self, param, ctx=None) -> str:
        return "CHAR"

    def convert(self, value, param, ctx) -> str:
        text = self._NAMED.get(str(value).lower(), str(value))
        if len(text) != 1 or text in "\r\n\"'":
            self.fail(f"expected one character (or 'tab'), not a quote or line break; got {value!r}", param, ctx)
        return text


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
