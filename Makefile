# Fairbill: `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2

.PHONY: help install run test test-sqlite test-postgres lint format bench bench-pages browser clean lock

help:
	@echo "make run     set up and serve http://$(HOST):$(PORT) with demo data (SQLite)"
	@echo "make test    install and run the test suite (SQLite, and PostgreSQL when"
	@echo "             FAIRBILL_TEST_DATABASE_URL is set)"
	@echo "make lint    ruff and mypy"
	@echo "make bench   benchmarks (figures printed, see docs/performance.md);"
	@echo "             make bench-pages BENCH_CUSTOMERS=100000 BENCH_INVOICES=1000000: the pages"

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Fairbill needs Python 3.11 or newer")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: export FAIRBILL_SITE_URL ?= http://$(HOST):$(PORT)
run: install
	$(BIN)/fairbill migrate --noinput
	$(BIN)/fairbill demo --if-empty
	@echo "Starting the worker (emails are printed here, daily billing run) and the web server."
	$(BIN)/fairbill worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(BIN)/fairbill runserver $(HOST):$(PORT)

# Browser tests drive Debian's chromium; install it when missing and we may (root + apt).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "Could not install chromium: browser tests will be skipped."; \
	else echo "No /usr/bin/chromium and no way to install it: browser tests will be skipped."; fi
	@if ! command -v pdftotext >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null || true; fi

test: install browser test-sqlite
	@if [ -n "$$FAIRBILL_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "FAIRBILL_TEST_DATABASE_URL is not set: PostgreSQL suite not run."; fi

test-sqlite: install
	@echo "=== Test suite on SQLite ==="
	env -u FAIRBILL_DATABASE_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-postgres: install
	@test -n "$$FAIRBILL_TEST_DATABASE_URL" || { echo "Set FAIRBILL_TEST_DATABASE_URL"; exit 2; }
	@echo "=== Test suite on PostgreSQL ==="
	FAIRBILL_DATABASE_URL="$$FAIRBILL_TEST_DATABASE_URL" $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy fairbill

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	@for db in sqlite postgres; do for n in 1000 10000 100000; do \
	  if [ $$db = postgres ] && [ -z "$$FAIRBILL_TEST_DATABASE_URL" ]; then \
	    echo "skip postgres: set FAIRBILL_TEST_DATABASE_URL"; continue; fi; \
	  $(PY) benchmarks/billing_run.py --n $$n --database $$db || exit 1; done; done
	$(MAKE) --no-print-directory bench-pages

# The pages benchmark; sizes from BENCH_CUSTOMERS and BENCH_INVOICES (default 10,000 and
# 100,000; the data is built once and kept in var/bench or <test database>_bench).
BENCH_CUSTOMERS ?= 10000
BENCH_INVOICES ?= 100000
bench-pages: install
	$(PY) benchmarks/pages.py --customers $(BENCH_CUSTOMERS) --invoices $(BENCH_INVOICES) --database sqlite
	@if [ -n "$$FAIRBILL_TEST_DATABASE_URL" ]; then \
	  $(PY) benchmarks/pages.py --customers $(BENCH_CUSTOMERS) --invoices $(BENCH_INVOICES) --database postgres; \
	else echo "skip postgres: set FAIRBILL_TEST_DATABASE_URL"; fi

# Re-pin the whole dependency tree after changing pyproject.toml.
lock:
	rm -rf /tmp/fairbill-lock && $(PYTHON) -m venv /tmp/fairbill-lock
	/tmp/fairbill-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/fairbill-lock/bin/pip freeze --exclude-editable | grep -v '^fairbill' > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
