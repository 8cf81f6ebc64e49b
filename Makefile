# ketacare: `make run` serves the demo clinic, `make test` runs every check.
# Python 3.11 (python3.11, or a python3 that is 3.11).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest bench clean

$(BIN)/ketacare: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null || { echo "Python 3.11 is needed (found: $(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/ketacare

run: $(BIN)/ketacare
	DEBUG=1 KETACARE_DEMO=1 $(BIN)/ketacare run --migrate --host $(HOST) --port $(PORT)

lint: $(BIN)/ketacare
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(BIN)/ketacare
	$(BIN)/mypy

pytest: $(BIN)/ketacare
	$(BIN)/pytest $(PYTEST_ARGS)

# The clinical core (pure medicine) must be covered to the last line and branch.
test: lint typecheck
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --cov=ketacare.clinical --cov-fail-under=100 $(PYTEST_ARGS)

bench: $(BIN)/ketacare
	$(BIN)/python benchmarks/run.py && $(BIN)/python benchmarks/pk.py

clean:
	rm -rf $(VENV) ketacare.sqlite3* staticfiles .mypy_cache .ruff_cache .pytest_cache
