# The README's two commands are `make demo` and `make test`; both install everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install demo test test-postgres test-sqlite lint format pr bench erd build synth clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,airflow]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/finops demo

test: install
	@eval "$$(bash scripts/ensure_postgres.sh)" && \
	  $(PY) -m pytest -q -n 2 $(PYTEST_ARGS) && \
	  $(PY) -m pytest -q -m smoke --db sqlite -p no:randomly $(PYTEST_ARGS)

test-postgres: install
	@eval "$$(bash scripts/ensure_postgres.sh)" && $(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

test-sqlite: install
	$(PY) -m pytest -q -m smoke --db sqlite $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

pr: lint test

erd: install
	$(PY) scripts/gen_erd.py

bench: install
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) .finops finops.db finops.db-* .pytest_cache .mypy_cache .ruff_cache
