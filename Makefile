# ketacare: `make run` serves the demo clinic, `make test` runs every check.
# Python 3.11 (python3.11, or a python3 that is 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The browser tests (tests/browser) drive Debian's Chromium; Playwright never downloads one.
CHROMIUM ?= /usr/bin/chromium
export KETACARE_CHROMIUM := $(CHROMIUM)
# Chromium, and a font so that headless pages render their text.
CHROMIUM_PACKAGES := chromium fonts-dejavu-core

.PHONY: run serve test lint typecheck pytest bench bench-load clean

# What running needs (make run): the package and its runtime dependencies only.
$(BIN)/ketacare: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null || { echo "Python 3.11 is needed (found: $(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(BIN)/ketacare

# What checking needs (make test, lint, typecheck, bench): the test tools as well.
TEST_TOOLS := $(VENV)/.test-tools
$(TEST_TOOLS): $(BIN)/ketacare pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_TOOLS)

# The demo: development server, demo clinic, and the worker beside it (alerts are sent:
# email and text messages print here).
run: $(BIN)/ketacare
	DEBUG=1 KETACARE_DEMO=1 $(BIN)/ketacare run --migrate --worker --host $(HOST) --port $(PORT)

# The production server (gunicorn) with the worker beside it, on the configured database
# (SECRET_KEY and the rest from the environment: docs/deployment.md).
serve: $(BIN)/ketacare
	$(BIN)/ketacare serve --migrate --worker --host $(HOST) --port $(PORT)

lint: $(TEST_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(TEST_TOOLS)
	$(BIN)/mypy

# Installs Chromium from the distribution's archive when it is missing: as root directly,
# otherwise through sudo; with neither, says what to install by hand.
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "$(CHROMIUM) is missing and apt-get is not available: install Chromium ($(CHROMIUM_PACKAGES)) by hand, or set CHROMIUM=/path/to/chromium"; exit 1; }
	@if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "$(CHROMIUM) is missing and installing it needs root: run 'apt-get update && apt-get install -y $(CHROMIUM_PACKAGES)' as root"; exit 1; fi; \
	echo "Installing $(CHROMIUM_PACKAGES) for the browser tests"; \
	$$sudo apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(CHROMIUM_PACKAGES)
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing after installing $(CHROMIUM_PACKAGES)"; exit 1; }

pytest: $(TEST_TOOLS) $(CHROMIUM)
	$(BIN)/pytest $(PYTEST_ARGS)

# The clinical core (pure medicine, no database) must be covered to the last line and
# branch by its own tests; the rest of the suite runs after it, without the tracer.
test: lint typecheck $(CHROMIUM)
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest tests/clinical --cov=ketacare.clinical --cov-fail-under=100 $(PYTEST_ARGS)
	$(BIN)/pytest --ignore=tests/clinical $(PYTEST_ARGS)

bench: $(TEST_TOOLS)
	$(BIN)/python benchmarks/run.py && $(BIN)/python benchmarks/pk.py

# Two `ketacare serve` and two workers on one PostgreSQL under 32 writing clients, beside
# runserver and a bare-insert ceiling (benchmarks/load.py; about 5 minutes; BENCH_PG).
bench-load: $(BIN)/ketacare
	$(BIN)/python benchmarks/load.py

clean:
	rm -rf $(VENV) ketacare.sqlite3* audit-checkpoints.jsonl staticfiles .mypy_cache .ruff_cache .pytest_cache
