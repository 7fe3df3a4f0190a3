"""The documentation's examples run, so they cannot rot.

Every ```pycon block of README.md and docs/**/*.md is a doctest: the blocks of one page run in
order in one namespace (one test per page), in a fresh folder. A block written right after the
line ``<!-- docs-test: needs cat data -->`` reads the course's cat images: it runs alone (it must
import what it uses) and skips, saying why, when ../shared/data/catvnoncat is absent.

Every ```console block is a shell session: each ``$ command`` line runs (``nnlab ...`` through
click's test runner on this checkout's sources, anything else through the shell) and its output
must match the lines shown under it up to the next ``$`` (``$ echo $?`` prints the exit status
of the command before it). The console blocks of one page share a
folder, in order, so ``nnlab predict`` can read the model that ``nnlab train`` wrote above it.

Both compare like doctest with ELLIPSIS and NORMALIZE_WHITESPACE: ``...`` stands for any text.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CAT_DIR = SHARED / "data" / "catvnoncat"
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
NEEDS_CAT_DATA = "<!-- docs-test: needs cat data -->"

FENCE = re.compile(
    r"^(?P<marker>[^\n]*)\n```(?P<lang>pycon|console)[^\n]*\n(?P<body>.*?)^```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def _blocks(page: Path, lang: str):
    """``(first_line, body, needs_cat_data)`` for each fenced block of ``lang`` in ``page``."""
    text = page.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        if match.group("lang") == lang:
            first_line = text.count("\n", 0, match.start("body")) + 1
            yield first_line, match.group("body"), match.group("marker").strip() == NEEDS_CAT_DATA


def _name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def _cases(lang: str):
    plain, with_data = [], []
    for page in PAGES:
        blocks = list(_blocks(page, lang))
        if any(not needs for _, _, needs in blocks):
            plain.append(pytest.param(page, id=_name(page)))
        with_data += [
            pytest.param(page, line, body, id=f"{_name(page)}:{line}")
            for line, body, needs in blocks
            if needs
        ]
    return plain, with_data


PYCON_PAGES, PYCON_DATA_BLOCKS = _cases("pycon")
CONSOLE_PAGES, _ = _cases("console")


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A fresh folder beside a link to ../shared, so "../shared/data/..." reads as in a checkout."""
    work = tmp_path / "nnlab"
    work.mkdir()
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED, target_is_directory=True)
    (work / "examples").symlink_to(ROOT / "examples", target_is_directory=True)
    monkeypatch.chdir(work)
    return work


def _run_doctest(source: str, page: Path, first_line: int) -> None:
    """Run ``source`` (a page's pycon text, line numbers kept) as one doctest; fail with the report."""
    test = doctest.DocTestParser().get_doctest(source, {}, _name(page), str(page), first_line - 1)
    assert test.examples, f"{_name(page)}: a pycon block without a >>> example"
    report: list[str] = []
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    result = runner.run(test, out=report.append, clear_globs=True)
    if result.failed:
        pytest.fail("".join(report), pytrace=False)


@pytest.mark.parametrize("page", PYCON_PAGES)
def test_pycon_examples(page, workdir):
    # Keep each block where it stands on the page (other lines blank) so reports name page lines.
    lines = [""] * page.read_text(encoding="utf-8").count("\n")
    for first_line, body, needs in _blocks(page, "pycon"):
        if not needs:
            for offset, line in enumerate(body.splitlines()):
                lines[first_line - 1 + offset] = line
    _run_doctest("\n".join(lines) + "\n", page, 1)


@pytest.mark.parametrize(("page", "first_line", "body"), PYCON_DATA_BLOCKS)
def test_pycon_examples_with_cat_data(page, first_line, body, workdir):
    if not CAT_DIR.is_dir():
        pytest.skip(f"the course's cat images are not in {CAT_DIR}")
    _run_doctest(body, page, first_line)


def _session(body: str):
    """``(command, expected_output)`` for each ``$ command`` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line)
        else:
            raise AssertionError(f"console block starts without a '$ ' command: {line!r}")
    return [(command, "\n".join(out) + "\n" if out else "") for command, out in steps]


def _execute(command: str, status: list[int]) -> str:
    """Run one command line; ``status[0]`` keeps its exit status for a later ``echo $?``."""
    if command == "echo $?":
        return f"{status[0]}\n"
    if command.startswith("nnlab "):
        from nnlab.cli import main

        result = CliRunner().invoke(main, shlex.split(command)[1:], prog_name="nnlab")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        status[0] = result.exit_code
        return result.output
    done = subprocess.run(command, shell=True, capture_output=True, text=True, env=os.environ)
    status[0] = done.returncode
    return done.stdout + done.stderr


@pytest.mark.parametrize("page", CONSOLE_PAGES)
def test_console_examples(page, workdir):
    checker = doctest.OutputChecker()
    status = [0]
    for first_line, body, _ in _blocks(page, "console"):
        for command, expected in _session(body):
            got = _execute(command, status)
            if not checker.check_output(expected, got, FLAGS):
                pytest.fail(
                    f"{_name(page)}, block at line {first_line}: $ {command}\n"
                    + checker.output_difference(doctest.Example(command, expected), got, FLAGS),
                    pytrace=False,
                )


def test_every_page_is_in_the_nav():
    """mkdocs --strict warns about pages left out of the nav; this says which, without mkdocs."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = set(re.findall(r"^\s*- (?:[^:\n]+: )?(\S+\.md)\s*$", config, re.MULTILINE))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages - nav == set()
    assert nav - pages == set()


def test_readme_links_point_to_files():
    """The README is outside the mkdocs build, so its relative links are checked here."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    relative = [t for t in targets if "://" not in t]
    assert relative, "the README links into docs/"
    assert [t for t in relative if not (ROOT / t).is_file()] == []
