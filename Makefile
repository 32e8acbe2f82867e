# The README's two commands are `make demo` and `make test`; both install everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
FRONTEND_STAMP := frontend/node_modules/.package-lock.json
PYTEST_ARGS ?=

.PHONY: install dashboard demo test test-postgres test-sqlite test-frontend lint format pr bench erd build synth clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,airflow,infra]'
	touch $(STAMP)

install: $(STAMP)

$(FRONTEND_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

# The React dashboard, built into frontend/dist (served by `finops demo` / `finops serve`).
dashboard: $(FRONTEND_STAMP)
	cd frontend && npm run build

demo: install dashboard
	$(VENV)/bin/finops demo

test: install
	bash scripts/ensure_monitoring.sh
	@eval "$$(bash scripts/ensure_postgres.sh)" && \
	  $(PY) -m pytest -q -n 2 $(PYTEST_ARGS) && \
	  $(PY) -m pytest -q -m smoke --db sqlite -p no:randomly $(PYTEST_ARGS)
	$(MAKE) test-frontend

# Vitest (components, formatting, the OpenAPI snapshot), then the built dashboard end to end in
# Debian's chromium against a `finops demo` (with axe accessibility checks and screenshots).
test-frontend: install $(FRONTEND_STAMP)
	bash scripts/ensure_chromium.sh
	cd frontend && npm test && npm run build && npm run e2e

test-postgres: install
	bash scripts/ensure_monitoring.sh
	@eval "$$(bash scripts/ensure_postgres.sh)" && $(PY) -m pytest -q -n 2 $(PYTEST_ARGS)

test-sqlite: install
	$(PY) -m pytest -q -m smoke --db sqlite $(PYTEST_ARGS)

lint: install $(FRONTEND_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	cd frontend && npm run lint

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

pr: lint test

erd: install
	$(PY) scripts/gen_erd.py
	$(PY) scripts/gen_route_index.py

bench: install dashboard
	$(PY) bench/ingest.py
	node bench/frontend.mjs

# The Lambda package's inputs: the core vendored beside the Chalice app (Chalice copies vendor/ to
# the package root) without finops.devtools (demo, sample data, emulator: development only), and
# the dashboard build packaged with the core for `finops serve`.
build: install dashboard
	rm -rf functions/vendor/finops app/finops/dashboard
	mkdir -p functions/vendor
	cp -r app/finops functions/vendor/finops
	rm -rf functions/vendor/finops/devtools
	find functions/vendor -name __pycache__ -prune -exec rm -rf {} +
	cp -r frontend/dist app/finops/dashboard

clean:
	rm -rf $(VENV) functions/vendor app/finops/dashboard .finops finops.db finops.db-* .pytest_cache .mypy_cache .ruff_cache
