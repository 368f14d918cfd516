# conveyor: the commands a developer and CI run. Only Python 3.11+ is needed to start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: help install run test test-fast lint typecheck bench clean

help:
	@echo "make run        start api, worker and beat on the embedded default (SQLite) and show jobs flowing"
	@echo "make test       run the whole suite (real PostgreSQL, Redis and RabbitMQ when they run)"
	@echo "make lint       ruff and mypy"
	@echo "make bench      conveyor next to plain Celery on Redis, as a table of ratios"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m conveyor.local

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check services tests bench
	SECRET_KEY=typecheck-only $(BIN)/mypy services tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
