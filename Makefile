# conveyor: the commands a developer and CI run. Only Python 3.11+ is needed to start.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Most of the suite waits on real processes, so it runs on 4 pytest workers (xdist).
PYTEST_ARGS ?= -n 4 --dist load

.PHONY: help install run test test-fast lint typecheck bench clean autoscale-demo

help:
	@echo "make run        start api, worker and beat on the embedded default (SQLite) and show jobs flowing"
	@echo "make test       run the whole suite (real PostgreSQL, Redis and RabbitMQ when they run)"
	@echo "make lint       ruff and mypy"
	@echo "make bench      conveyor next to plain Celery on Redis and RabbitMQ, as a table of ratios"
	@echo "make autoscale-demo  a burst scaled 0 -> max -> 0 by the local KEDA controller; CSV + plot"

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
	$(BIN)/ruff format --check services tests bench tools
	SECRET_KEY=typecheck-only $(BIN)/mypy services tests bench tools

# Quick by default (a few minutes); BENCH_ARGS="--rounds 3" for figures worth quoting.
BENCH_ARGS ?= --quick
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Needs PostgreSQL, Redis (or AUTOSCALE_BROKER=rabbitmq) and Prometheus (apt-get install prometheus).
AUTOSCALE_BROKER ?= redis
AUTOSCALE_TRIGGER ?= prometheus
autoscale-demo: $(STAMP)
	SECRET_KEY=autoscale-demo $(BIN)/python -m tools.autoscale.demo \
		--broker $(AUTOSCALE_BROKER) --trigger $(AUTOSCALE_TRIGGER) --out docs/img

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache

.PHONY: manifests image

manifests: $(STAMP)
	$(BIN)/python -m tools.manifests

# Builds localhost/conveyor:dev with podman (runc; a debootstrap base and a host-built
# wheelhouse cached in ~/.cache/conveyor-image). Needs: podman buildah runc uidmap
# debootstrap fuse-overlayfs slirp4netns catatonit.
image: $(STAMP)
	@for tool in podman debootstrap runc; do command -v $$tool >/dev/null || { \
	  echo "installing podman and friends"; apt-get install -y podman buildah runc uidmap debootstrap fuse-overlayfs slirp4netns catatonit; break; }; done
	$(BIN)/python -m tools.image
