# The README's two commands: `make run` and `make test`. Everything installs from this repository.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Stamp files record what was installed, so repeated runs skip installing until pyproject.toml changes.
STAMP_RUN := $(VENV)/.stamp-run
STAMP_TEST := $(VENV)/.stamp-test
# uv (from PyPI) installs the environment in about 30 s where pip took over 3 minutes on a busy
# 2-core machine; pip stays the fallback. The benchmark's torch comes through pip, which knows
# where this machine keeps its wheel.
UV := $(BIN)/python -m uv pip install --quiet --python $(BIN)/python
PIP := $(BIN)/python -m pip install --quiet

.PHONY: run test docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) uv || echo "uv is not available; installing with pip"

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(UV) -e . || $(PIP) -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(UV) -e '.[test,docs]' || $(PIP) -e '.[test,docs]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/nnlab search examples/flower.toml --out runs/flower

# The suite, then the docs site: --strict fails on a broken link or API reference. The suite runs
# in one worker per core (at most 4), each test file whole in one worker, so a file's shared
# fixtures (a trained model, a Dask cluster) are made once per file at most.
test: $(STAMP_TEST)
	$(BIN)/python -m pytest --numprocesses=auto --maxprocesses=4 --dist=loadfile
	$(MAKE) docs

# The docs site into build/site (git-ignored); the README's and the pages' examples run in `make test`.
docs: $(STAMP_TEST)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet

# The benchmark against scikit-learn and PyTorch (torch==2.13.0 installs from local disk here).
bench: | $(BIN)/python
	$(PIP) -e '.[bench]'
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.pruning
	$(BIN)/python -m benchmarks.mlp

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
