"""The in-chart PostgreSQL, Redis and RabbitMQ: stable across chart releases, and tunable.

A StatefulSet's pod restarts whenever its pod template changes; the version labels in it
changed with every chart release, so every upgrade restarted the database and the broker.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import Render, require_tool, with_image
from tests.chart.objects import find
from tools import helm
from tools.helm import Obj

RABBITMQ = {"redis": {"enabled": False}, "rabbitmq": {"enabled": True}}
DATASTORES = {"postgresql": {}, "redis": {}, "rabbitmq": RABBITMQ}
VERSION_LABELS = {"app.kubernetes.io/version", "helm.sh/chart"}


def _render_as_version(tmp_path: Path, version: str, values: dict[str, Any]) -> list[Obj]:
    """The chart rendered as if released as ``version`` (chart and app version)."""
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    import helm_python

    chart = tmp_path / version / "conveyor"
    shutil.copytree(helm.CHART, chart)
    meta = yaml.safe_load((chart / "Chart.yaml").read_text())
    meta["version"] = meta["appVersion"] = version
    (chart / "Chart.yaml").write_text(yaml.safe_dump(meta))
    with helm_python.Chart.load(str(chart)) as loaded:
        texts = loaded.render(with_image(values), name=helm.RELEASE, namespace=helm.NAMESPACE)
    return [
        doc
        for path, text in sorted(texts.items())
        if not path.endswith("NOTES.txt")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def _statefulset(objects: list[Obj], component: str) -> Obj:
    return find(objects, "StatefulSet", f"conveyor-{component}")[0]


@pytest.mark.parametrize("component", list(DATASTORES))
def test_a_chart_release_leaves_the_datastore_pods_alone(tmp_path: Path, component: str) -> None:
    # given the same values rendered by two chart releases
    values = DATASTORES[component]
    old = _statefulset(_render_as_version(tmp_path, "0.1.0", values), component)
    new = _statefulset(_render_as_version(tmp_path, "0.2.0", values), component)
    # then the pod template, which restarts the pod when it changes, is the same
    assert old["spec"]["template"] == new["spec"]["template"]
    assert old["spec"]["selector"] == new["spec"]["selector"]
    assert not VERSION_LABELS & set(new["spec"]["template"]["metadata"]["labels"])
    # while the StatefulSet itself keeps the standard labels
    assert new["metadata"]["labels"]["app.kubernetes.io/version"] == "0.2.0"


@pytest.mark.parametrize("component", list(DATASTORES))
def test_datastore_selectors_are_unchanged(render: Render, component: str) -> None:
    statefulset = _statefulset(render(DATASTORES[component]), component)
    assert statefulset["spec"]["selector"] == {
        "matchLabels": {
            "app.kubernetes.io/name": "conveyor",
            "app.kubernetes.io/instance": "conveyor",
            "app.kubernetes.io/component": component,
        }
    }
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/part-of"] == "conveyor"


def _postgres(objects: list[Obj]) -> Obj:
    spec = _statefulset(objects, "postgresql")["spec"]["template"]["spec"]
    return next(c for c in spec["containers"] if c["name"] == "postgresql")


def test_postgresql_max_connections_and_resources_come_from_the_values(render: Render) -> None:
    assert _postgres(render())["args"] == ["postgres", "-c", "max_connections=300"]
    resources = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}
    tuned = _postgres(render({"postgresql": {"maxConnections": 800, "resources": resources}}))
    assert tuned["args"] == ["postgres", "-c", "max_connections=800"]
    assert tuned["resources"] == resources


def test_max_connections_below_what_the_pools_need_is_refused(render: Render) -> None:
    # two pools of 10 pods x 4 processes (each pod: 4 + 2 connections), the api's 2 pods x
    # 2 processes x (a pool of 4 + the listener's) and 10 more: 150 connections
    pools = {"default": {}, "batch": {"queues": ["batch"]}}
    with pytest.raises(Exception, match=r"postgresql\.maxConnections=100 is below the 150"):
        render({"workers": {"pools": pools}, "postgresql": {"maxConnections": 100}})
    assert render({"workers": {"pools": pools}, "postgresql": {"maxConnections": 150}})
