# syntax=docker/dockerfile:1
# conveyor: one image, three commands (api, worker, beat; see deploy/helm/conveyor).
#
# The Python packages come from a wheelhouse built on the host (`make image` does it:
# `pip wheel '.[flower,kubernetes]' -w build/wheelhouse`), installed with --no-index, so
# the build needs no package index and installs exactly what the host resolved. The pods
# need two extras: flower (the chart's flower.enabled) and kubernetes (the workers'
# pod-deletion-cost); the embedded broker's SQLAlchemy is for `make run` only.
#
# BASE_IMAGE: any Debian bookworm image with Python 3.11 (`python3`) and its venv module.
# Production: the official python image. Local builds without a registry use a base
# bootstrapped from Debian's mirror (see tools/image.py).
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
COPY build/wheelhouse /wheels
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links=/wheels \
        'conveyor[flower,kubernetes]' \
    && /opt/venv/bin/pip uninstall --yes pip setuptools
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
