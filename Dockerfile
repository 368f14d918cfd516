# syntax=docker/dockerfile:1
# conveyor: one image, three commands (api, worker, beat; see deploy/helm/conveyor).
#
# `docker build .` or `podman build .` needs nothing but this repository and a package
# index: the Python packages are installed inside the build from requirements/image.txt,
# a lock (`make lock`) of the runtime dependencies and the three extras the pods need,
# flower (the chart's flower.enabled), kubernetes (the workers' pod-deletion-cost) and
# otel (the chart's otel.endpoint: traces, off until it is set), with every version
# pinned and hashed for every platform. So any host (Linux, macOS, Windows) builds the
# same packages, for amd64 or arm64. Only wheels are installed: the image needs no
# compiler.
#
# PACKAGES: `index` (the default) downloads from PyPI, or from the index pip is pointed at
# (PIP_INDEX_URL as a build secret or environment of your builder); `wheelhouse` installs
# with --no-index from requirements/wheelhouse/, for builders that cannot reach an index
# (`python -m tools.image --wheelhouse-only` downloads the locked wheels there). Both
# install the same locked versions, checked against the same hashes.
#
# BASE_IMAGE: any Debian bookworm image with Python 3.11 (`python3`) and its venv module.
# Production: the official python image. Local builds without a registry use a base
# bootstrapped from Debian's mirror (see tools/image.py).
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG PACKAGES=index
WORKDIR /src
# The lock (and the wheelhouse, when there is one) first: this layer is rebuilt only when
# the dependencies change, not on every change of the code.
COPY requirements/ requirements/
RUN case "${PACKAGES}" in \
      index) ;; \
      wheelhouse) export PIP_NO_INDEX=1 PIP_FIND_LINKS=requirements/wheelhouse ;; \
      *) echo "PACKAGES must be index or wheelhouse, not '${PACKAGES}'" >&2; exit 2 ;; \
    esac \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --require-hashes --only-binary=:all: -r requirements/image.txt
# conveyor itself, built here from its source with the locked setuptools (no index).
COPY pyproject.toml README.md ./
COPY services/ services/
RUN /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --no-index --no-deps --no-build-isolation . \
    && /opt/venv/bin/pip uninstall --yes --disable-pip-version-check pip setuptools wheel
# Static files are collected once, here, never at container start.
RUN SECRET_KEY=collectstatic-only CONVEYOR_DATA_DIR=/tmp STATIC_ROOT=/opt/static \
    /opt/venv/bin/conveyor collectstatic --noinput --verbosity 0

FROM ${BASE_IMAGE}
# tini is PID 1: it reaps zombies and passes SIGTERM to its child only (no -g), so the
# Celery worker's main process gets it and shuts down warm, without signalling its pool.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 conveyor \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin conveyor \
    && mkdir -p /app /var/lib/conveyor \
    && chown 10001:10001 /var/lib/conveyor
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/static /app/static
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=conveyor.config.settings.base \
    STATIC_ROOT=/app/static \
    CONVEYOR_DATA_DIR=/var/lib/conveyor
WORKDIR /app
USER 10001:10001
EXPOSE 8000 9808
ENTRYPOINT ["tini", "--"]
CMD ["gunicorn", "-c", "python:conveyor.config.gunicorn"]
