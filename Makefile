# Fresh machine: Python 3.11, pip and make are enough. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project -path dbt_project/target -prune -o -type f \( -name '*.sql' -o -name '*.yml' \) -print)
export DAGSTER_HOME := $(CURDIR)/dagster_home
export DO_NOT_TRACK := 1

.PHONY: install run sql docs test test-reliability bench dev lint format clean

install: $(STAMP) $(MANIFEST)

# uv (pinned, from PyPI) resolves and downloads in parallel; if it cannot be had or fails, pip does the same
# install from the same constraints.
UV_VERSION := 0.13.10
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	( $(PIP) install uv==$(UV_VERSION) && \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev]' ) || \
	  $(PIP) install -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# dagster-dbt reads the dbt manifest at import; parse once here instead of at import time.
$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	$(BIN)/python -m orchestration.warehouse.dbt_runner
	touch $(MANIFEST)

# Quiet by default: progress lines and the summary. `make run LOG_LEVEL=INFO` (or DEBUG) shows Dagster's events.
LOG_LEVEL ?= WARNING
run: install
	$(BIN)/python -m orchestration.materialize --log-level $(LOG_LEVEL)

# Read-only SQL on the published copy (the file to point BI tools at): `make sql`, or pipe statements in.
sql: install
	$(BIN)/lever-warehouse sql

# dbt's documentation of every model, column and test, with the warehouse's catalog, on http://127.0.0.1:8081
DOCS_PORT ?= 8081
docs: install
	$(BIN)/python -m orchestration.warehouse.dbt_runner docs
	@echo "dbt docs on http://127.0.0.1:$(DOCS_PORT) (Ctrl-C stops; dbt_project/target/docs/static_index.html is one file)"
	$(BIN)/python -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory dbt_project/target/docs

test: install
	$(BIN)/pytest -m "not slow"

test-reliability: install
	$(BIN)/pytest -m slow

# 10k and 100k opportunities, 3 runs each, Lever's limit x30 (BENCHMARKS.md explains the factor): about 5 hours.
# Smoke test in a couple of minutes: $(BIN)/python -m benchmarks.run --quick
bench: install
	$(BIN)/python -m benchmarks.run --calibrate --before-after

dev: install
	$(BIN)/dagster dev -w workspace.yaml

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs data/*.duckdb* data/sandbox data/published
