"""CRD-backed objects (KEDA's, prometheus-operator's) render only where their API exists.

`helm install` sees the cluster's APIs in .Capabilities; `helm template` sees the
built-in ones only, so its users say true or false. The render passes API versions as
`helm template --api-versions` does (``api_versions``).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.chart.conftest import Render, require_tool, with_image
from tests.chart.objects import find
from tools import helm

KEDA_APIS = ("keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication")
MONITORS = {
    "serviceMonitor": "ServiceMonitor",
    "podMonitor": "PodMonitor",
    "prometheusRule": "PrometheusRule",
}
CRD_KINDS = {"ScaledObject", "TriggerAuthentication", *MONITORS.values()}


def _kinds(objects: list[helm.Obj]) -> set[str]:
    return {o["kind"] for o in objects}


def _worker_replicas(objects: list[helm.Obj]) -> list[Any]:
    return [
        d["spec"].get("replicas")
        for d in find(objects, "Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    ]


def test_a_bare_cluster_gets_no_crd_objects_and_fixed_replicas(render: Render) -> None:
    # given a cluster without KEDA or prometheus-operator (the default values)
    objects = render(api_versions=())

    # then nothing the API server would refuse with "no matches for kind"
    assert not _kinds(objects) & CRD_KINDS
    assert _worker_replicas(objects) == [1]


def test_a_cluster_with_keda_and_prometheus_operator_gets_them_all(render: Render) -> None:
    objects = render(api_versions=helm.CRD_APIS)
    assert {"ScaledObject", *MONITORS.values()} <= _kinds(objects)
    assert _worker_replicas(objects) == [None], "KEDA's HPA owns the replicas"


def test_keda_without_prometheus_operator_refuses_the_prometheus_trigger(render: Render) -> None:
    import helm_python

    with pytest.raises(helm_python.HelmRenderError) as error:
        render(api_versions=KEDA_APIS)
    message = str(error.value)
    assert "workers.pools.default uses the prometheus trigger" in message
    assert "no monitoring.coreos.com/v1 ServiceMonitor API" in message
    assert "install prometheus-operator" in message


def test_keda_without_prometheus_operator_works_with_the_metrics_api_trigger(
    render: Render,
) -> None:
    values = {
        "workers": {"defaults": {"autoscaling": {"trigger": "metrics-api"}}},
        "keda": {"metricsApi": {"existingSecret": "conveyor-keda"}},
    }
    objects = render(values, api_versions=KEDA_APIS)
    assert {"ScaledObject", "TriggerAuthentication"} <= _kinds(objects)
    assert not _kinds(objects) & set(MONITORS.values())


@pytest.mark.parametrize(
    ("enabled", "apis", "rendered"),
    [
        ("auto", (), False),
        ("auto", helm.CRD_APIS, True),
        (True, (), True),  # helm template: the render cannot see the cluster
        (False, helm.CRD_APIS, False),
    ],
)
def test_keda_enabled(render: Render, enabled: Any, apis: tuple[str, ...], rendered: bool) -> None:
    values = {
        "keda": {"enabled": enabled},
        "monitoring": {"serviceMonitor": {"enabled": True}},
    }
    assert bool(find(render(values, api_versions=apis), "ScaledObject")) is rendered


@pytest.mark.parametrize("name", list(MONITORS))
@pytest.mark.parametrize(
    ("enabled", "with_api", "rendered"),
    [("auto", False, False), ("auto", True, True), (True, False, True), (False, True, False)],
)
def test_monitoring_enabled(
    render: Render, name: str, enabled: Any, with_api: bool, rendered: bool
) -> None:
    kind = MONITORS[name]
    values = {"keda": {"enabled": False}, "monitoring": {name: {"enabled": enabled}}}
    apis = [f"monitoring.coreos.com/v1/{kind}"] if with_api else []
    assert bool(find(render(values, api_versions=apis), kind)) is rendered


def test_notes_warn_when_auto_finds_no_api() -> None:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    bare = helm.render_text(with_image())["conveyor/templates/NOTES.txt"]
    assert "the cluster serves no KEDA API" in bare
    for kind in MONITORS.values():
        assert f"no monitoring.coreos.com/v1 {kind} API" in bare
    full = helm.render_text(with_image(), api_versions=helm.CRD_APIS)[
        "conveyor/templates/NOTES.txt"
    ]
    assert "WARNING" not in full
    assert "Worker pools scale with their backlog through KEDA" in full
    explicit = helm.render_text(with_image({"keda": {"enabled": False}}))[
        "conveyor/templates/NOTES.txt"
    ]
    assert "KEDA API" not in explicit


def test_enabled_accepts_only_true_false_or_auto(render: Render) -> None:
    import helm_python

    with pytest.raises(helm_python.HelmValuesError):
        render({"keda": {"enabled": "yes"}})
    with pytest.raises(helm_python.HelmValuesError):
        render({"monitoring": {"podMonitor": {"enabled": "sometimes"}}})
