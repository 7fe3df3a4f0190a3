"""The `nnlab` console script and the `make run` main job, run as a user runs them."""

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

import nnlab
from nnlab.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_version_option_prints_the_package_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"nnlab, version {nnlab.__version__}\n"
    assert nnlab.__version__ != "0.0.0+unknown", "the package must be installed (pip install -e .)"


def test_help_lists_usage():
    result = CliRunner().invoke(main, ["--help"], prog_name="nnlab")  # the installed script's name
    assert result.exit_code == 0
    assert result.output.startswith("Usage: nnlab [OPTIONS] COMMAND [ARGS]...\n")


def test_unknown_command_is_a_usage_error_without_traceback():
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output
    assert "Traceback" not in result.output


def test_installed_console_script_runs():
    script = Path(sys.executable).with_name("nnlab")
    completed = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert completed.stdout.strip() == f"nnlab, version {nnlab.__version__}"


def test_main_job_prints_the_flower_cost_log_and_accuracy():
    """What `make run` runs: the course's flower classifier, 4 tanh units, 10,000 iterations."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "flower.py")],
        capture_output=True, text=True, check=True, env=env,
    )
    lines = completed.stdout.splitlines()
    cost_lines = [line for line in lines if line.startswith("Cost after iteration")]
    assert [line.split(":")[0] for line in cost_lines] == [f"Cost after iteration {i}" for i in range(0, 10000, 1000)]
    assert cost_lines[0] == "Cost after iteration 0: 0.693162"
    assert cost_lines[1] == "Cost after iteration 1000: 0.258625"
    assert lines[-1] == "Training accuracy: 90.75 %"
