# The README's two commands are `make demo` and `make test`; both install everything they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
FRONTEND_STAMP := frontend/node_modules/.package-lock.json
PYTEST_ARGS ?=

.PHONY: install dashboard demo test test-postgres test-sqlite test-frontend lint format pr bench erd build package synth clean

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

# The documentation series: diagrams rendered from docs/diagrams/*.puml with Debian's plantuml,
# the generated tables (decision index, stages, settings); docs-check runs the docs' own tests.
docs: install
	bash scripts/ensure_plantuml.sh
	$(PY) scripts/render_diagrams.py
	$(PY) scripts/gen_docs_pages.py

docs-check: install
	$(PY) -m pytest -q tests/unit/test_docs_pages.py tests/unit/test_docs_commands.py $(wildcard tests/unit/test_docs_series.py tests/unit/test_diagrams.py)

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

# Every deployable artefact in dist/ (docs/decisions/0014-lambda-package-and-jobs-image.md): the
# Lambda zip (Python 3.12, x86_64, checked against Lambda's 250 MB unzipped limit) and the same
# tree as a Chalice project (dist/chalice), the wheel (migrations and dashboard inside), the MWAA
# bundle (dist/mwaa) and dist/manifest.json (sizes, sha256, the jobs image's Dockerfile). Slow
# steps are cached in .cache/package by a hash of their inputs.
package: build
	$(PY) scripts/package.py all --out dist

clean:
	rm -rf $(VENV) functions/vendor app/finops/dashboard .finops finops.db finops.db-* .pytest_cache .mypy_cache .ruff_cache

# The AWS CDK app's CloudFormation templates, offline, into infra_cdk/cdk.out (cdk-nag runs
# during synthesis and fails it on an unacknowledged error). `cdk deploy` deploys the same app.
synth: install dashboard package
	cd infra_cdk && JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 ../$(PY) app.py
