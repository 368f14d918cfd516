"""Rendering the chart with Helm's real engine (helm-python-sdk): for the manifests, the
autoscale demo and the chart and deploy tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "deploy" / "helm" / "conveyor"
RELEASE = "conveyor"
NAMESPACE = "conveyor"

Obj = dict[str, Any]

# The CRD-backed APIs the chart can render objects of (keda.enabled and monitoring.*.enabled
# "auto" render them only when the cluster serves them): pass as api_versions to render
# as on a cluster with KEDA and prometheus-operator, like `helm template --api-versions`.
CRD_APIS = (
    "keda.sh/v1alpha1/ScaledObject",
    "keda.sh/v1alpha1/TriggerAuthentication",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PodMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
)


def render_text(
    values: dict[str, Any] | None = None,
    *,
    name: str = RELEASE,
    namespace: str = NAMESPACE,
    api_versions: Sequence[str] = (),
) -> dict[str, str]:
    """{template path: manifest text}, as `helm template` renders it (with
    `--api-versions` for each of ``api_versions``: what .Capabilities.APIVersions has)."""
    import helm_python

    with helm_python.Chart.load(str(CHART)) as chart:
        if not api_versions:
            return chart.render(values or {}, name=name, namespace=namespace)
        # Chart.render does not expose the engine's api_versions option; the native call
        # it wraps takes it (helm-python-sdk 0.2.2).
        from helm_python import _native

        options = {"name": name, "namespace": namespace, "api_versions": list(api_versions)}
        rendered = _native.call_string(
            "helm_render", chart._raw(), json.dumps(values or {}), json.dumps(options)
        )
        manifests: dict[str, str] = json.loads(rendered)
        return manifests


def render(
    values: dict[str, Any] | None = None,
    *,
    name: str = RELEASE,
    namespace: str = NAMESPACE,
    api_versions: Sequence[str] = (),
) -> list[Obj]:
    """Every object the chart renders for these values, in template order."""
    objects: list[Obj] = []
    texts = render_text(values, name=name, namespace=namespace, api_versions=api_versions)
    for path, text in sorted(texts.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects
