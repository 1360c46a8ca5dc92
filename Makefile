# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-slow reference-results clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,dask,sensitivity,pandas,parquet]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/corridorsim run scenarios/baseline-2024.yaml

test: $(STAMP)
	$(BIN)/python -m ruff check src tests scripts benchmarks
	$(BIN)/python -m mypy src
	$(BIN)/python -m pytest -q

# Long validation runs (queueing theory at high utilisation, the tandem); CI runs them too.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# Rerun the reference scenarios and rewrite the README's results tables.
reference-results: $(STAMP)
	$(BIN)/python scripts/reference_results.py

clean:
	rm -rf $(VENV) build src/*.egg-info
