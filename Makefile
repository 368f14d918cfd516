# conveyor: the commands a developer and CI run. Only Python 3.11+ is needed to start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# What is installed, one stamp per set: `make run` needs the embedded extra only; the
# tests, linters and tools need the dev extra (Helm SDK, schemas, mypy, matplotlib: ~1 GB).
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
# Most of the suite waits on real processes, so it runs on 4 pytest workers (xdist);
# loadgroup keeps the tests of one booted platform on one worker (tests/xdist_groups.py).
PYTEST_ARGS ?= -n 4 --dist loadgroup

.PHONY: help install run test test-fast soak django6 lint typecheck bench clean autoscale-demo

help:
	@echo "make run        start api, worker and beat on the embedded default (SQLite) and show jobs flowing"
	@echo "make test       run the whole suite (real PostgreSQL, Redis and RabbitMQ when they run)"
	@echo "make django6    a Python 3.12 environment with Django 6 for the Django 6 test runs"
	@echo "make test-fast  the quick part: unit, API and chart tests (no e2e, faults or deploy)"
	@echo "make soak       5 minutes per broker of jobs under faults, every job accounted for (SOAK_SECONDS=300)"
	@echo "make lint       ruff and mypy"
	@echo "make typecheck  mypy only"
	@echo "make clients    clients/openapi.json and the Python and TypeScript clients, regenerated"
	@echo "make bench      conveyor next to plain Celery on Redis and RabbitMQ, as a table of ratios"
	@echo "make autoscale-demo  a burst scaled 0 -> max -> 0 by the local KEDA controller; CSV + plot"

$(BIN)/python:
	@echo "==> creating the virtualenv $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> upgrading pip"
	$(BIN)/python -m pip install --progress-bar on --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing conveyor with what running it needs (the embedded extra)"
	$(BIN)/python -m pip install --progress-bar on -e ".[embedded]"
	@touch $@

# The dev extra holds the embedded one, so it satisfies `make run` too.
$(DEV_STAMP): pyproject.toml clients/python/pyproject.toml clients/typescript/package-lock.json | $(BIN)/python
	@echo "==> installing conveyor with the dev extra (tests, linters, chart tools: ~1 GB)"
	$(BIN)/python -m pip install --progress-bar on -e ".[dev]"
	@echo "==> installing the Python client (clients/python), which the tests use"
	$(BIN)/python -m pip install --progress-bar on -e clients/python
	@echo "==> installing the TypeScript client's packages (npm ci in clients/typescript)"
	@if command -v npm >/dev/null; then cd clients/typescript && npm ci --no-audit --no-fund; \
	  else echo "npm not found: the TypeScript client's test will be skipped (failed under CI=true)"; fi
	@touch $@ $(RUN_STAMP)

install: $(DEV_STAMP)

run: $(RUN_STAMP)
	$(BIN)/python -m conveyor.devserver

test: $(DEV_STAMP) django6
	$(BIN)/python -m pytest $(PYTEST_ARGS)

django6: $(DEV_STAMP)
	$(BIN)/python -m tests.e2e.django6

# A few minutes: what needs no e2e platform, fault injection or image build.
test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests/unit tests/api tests/dashboard tests/chart tests/autoscale/test_rules.py

# The soak (tests/soak) at full length, one broker after the other (about 7 minutes each);
# `make test` runs it for 35 s per broker. Needs PostgreSQL, Redis and RabbitMQ installed.
SOAK_SECONDS ?= 300
soak: $(DEV_STAMP)
	SOAK_SECONDS=$(SOAK_SECONDS) $(BIN)/python -m pytest -p no:xdist -rxX tests/soak

# django-stubs loads the settings, which need a SECRET_KEY.
MYPY := SECRET_KEY=typecheck-only $(BIN)/mypy services tests bench tools clients/python/conveyor_client

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check services tests bench tools
	$(MYPY)

typecheck: $(DEV_STAMP)
	$(MYPY)

# Quick by default (a few minutes); BENCH_ARGS="--rounds 3" for figures worth quoting.
BENCH_ARGS ?= --quick
bench: $(DEV_STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Needs PostgreSQL, Redis (or AUTOSCALE_BROKER=rabbitmq) and Prometheus (apt-get install prometheus).
AUTOSCALE_BROKER ?= redis
AUTOSCALE_TRIGGER ?= prometheus
autoscale-demo: $(DEV_STAMP)
	SECRET_KEY=autoscale-demo $(BIN)/python -m tools.autoscale.demo \
		--broker $(AUTOSCALE_BROKER) --trigger $(AUTOSCALE_TRIGGER) --out docs/img

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

.PHONY: manifests image lock lock-upgrade lock-check clients

# clients/openapi.json, the schema the API serves, and the Python and TypeScript clients
# generated from it (downloads the generators: openapi-python-client into
# $(VENV)/clientgen, openapi-typescript with `npm ci` in clients/typescript).
clients: $(DEV_STAMP)
	$(BIN)/python -m tools.clients --venv $(VENV)/clientgen

manifests: $(DEV_STAMP)
	$(BIN)/python -m tools.manifests

# The image's packages, locked with their hashes for every platform (requirements/image.txt,
# which the Dockerfile installs): after a change of pyproject's dependencies, `make lock`
# (keeps every pin still allowed); `make lock-upgrade` moves every pin to the newest allowed.
lock: $(DEV_STAMP)
	$(BIN)/python -m tools.lock

lock-upgrade: $(DEV_STAMP)
	$(BIN)/python -m tools.lock --upgrade

# The image's lock against the package index (downloads; `make test` leaves these out).
lock-check: $(DEV_STAMP)
	$(BIN)/python -m pytest -m index tests/deploy/test_image_lock.py

# Builds localhost/conveyor:dev with podman (runc; a debootstrap base and the locked wheels
# downloaded on the host, cached in ~/.cache/conveyor-image: pip in a build cannot reach
# PyPI here). Elsewhere `docker build .` needs neither. Needs: podman buildah runc uidmap
# debootstrap fuse-overlayfs slirp4netns catatonit.
image: $(DEV_STAMP)
	@for tool in podman debootstrap runc; do command -v $$tool >/dev/null || { \
	  echo "installing podman and friends"; apt-get install -y podman buildah runc uidmap debootstrap fuse-overlayfs slirp4netns catatonit; break; }; done
	$(BIN)/python -m tools.image
