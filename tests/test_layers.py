"""The imports run one way: cli -> search -> model / course -> engine; the engine imports nothing above it.

Read from the source with ``ast`` (every ``import`` and ``from ... import``, lazy ones inside
functions included), so a shortcut taken anywhere in a module shows up here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "nnlab"

#: What each part of nnlab may import besides itself. The base modules are shared by every
#: layer above the engine: errors, text formats, the file formats, labels, the hyperparameters and data.
BASE = {"errors", "text", "npz", "io", "labels", "config", "data", "__version__"}
ALLOWED = {
    "engine": {"errors"},
    **{name: BASE | {"engine"} for name in BASE},
    "model": BASE | {"engine", "model_file"},
    "model_file": BASE | {"engine"},
    "course": BASE | {"engine"},
    "plots": BASE | {"engine"},
    "search": BASE | {"engine", "model", "model_file", "plots"},
    "sklearn": BASE | {"engine", "model", "model_file"},
    "cli": BASE | {"engine", "model", "model_file", "plots", "search", "course", "__init__"},
}


def _part(module: str) -> str:
    """``nnlab.engine.network`` -> ``engine``; ``nnlab`` itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path, root: Path = SRC) -> set[str]:
    """The nnlab parts a source file under ``root`` (the ``nnlab`` folder) imports, relative
    imports resolved."""
    package = list(path.relative_to(root.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "nnlab":  # `from .. import data` names a part; `__version__` the package's version
                found |= {alias.name for alias in node.names}
            elif module.startswith("nnlab."):
                found.add(_part(module))
        elif isinstance(node, ast.Import):
            found |= {_part(alias.name) for alias in node.names if alias.name.startswith("nnlab.")}
    return found


SOURCES = sorted(path for path in SRC.rglob("*.py") if path.name != "__main__.py" or path.parent != SRC)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(SRC)))
def test_each_module_imports_only_the_layers_below_it(path):
    own = _part("nnlab." + ".".join(path.relative_to(SRC).with_suffix("").parts))
    if own == "__init__":
        return  # the package's front door re-exports the Model and Hyperparameters
    wrong = _imports(path) - ALLOWED[own] - {own}
    assert not wrong, f"{path.relative_to(SRC)} ({own}) imports {sorted(wrong)}, above or beside its layer"


def test_the_checker_sees_an_upward_import_even_inside_a_function(tmp_path):
    probe = tmp_path / "nnlab" / "engine" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ..search import run_search\nfrom . import blocks\n\n"
                     "def f():\n    from nnlab.model import Model\n    from .. import data\n")
    assert _imports(probe, tmp_path / "nnlab") - ALLOWED["engine"] - {"engine"} == {"search", "model", "data"}
