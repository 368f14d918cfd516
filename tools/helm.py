"""Rendering the chart with Helm's real engine (helm-python-sdk): for the manifests, the
autoscale demo and the chart and deploy tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "deploy" / "helm" / "conveyor"
RELEASE = "conveyor"
NAMESPACE = "conveyor"

Obj = dict[str, Any]


def render_text(
    values: dict[str, Any] | None = None, *, name: str = RELEASE, namespace: str = NAMESPACE
) -> dict[str, str]:
    """{template path: manifest text}, as `helm template` renders it."""
    import helm_python

    with helm_python.Chart.load(str(CHART)) as chart:
        return chart.render(values or {}, name=name, namespace=namespace)


def render(
    values: dict[str, Any] | None = None, *, name: str = RELEASE, namespace: str = NAMESPACE
) -> list[Obj]:
    """Every object the chart renders for these values, in template order."""
    objects: list[Obj] = []
    for path, text in sorted(render_text(values, name=name, namespace=namespace).items()):
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects
