# Quick start: `make run` (every benchmark and paper reproduction, one report with figures:
# benchmarks/results/report.md) and `make test`.
# Each target creates .venv and installs edgeopt[all] on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run run-quick test lint bench-slow bench-agreement clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/edgeopt reproduce

# The same report on fewer instances (benchmarks/results/quick/report.md), under 3 minutes.
run-quick: $(STAMP)
	$(BIN)/edgeopt reproduce --quick

test: $(STAMP)
	$(BIN)/python -m ruff check edgeopt tests
	$(BIN)/python -m ruff format --check edgeopt tests
	$(BIN)/python -m mypy edgeopt
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q

bench-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# Fog's default method against the nested decomposition on 3,200 instances (issue 15; about an hour of nested solves
# the first time, kept in benchmarks/results/fog_nested_reference.csv).
bench-agreement: $(STAMP)
	$(BIN)/python -m edgeopt.bench.fog_agreement

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
