"""What docs/deploy.md says about the chart's objects holds in a render.

The page's commands need a cluster and do not run here (tests/docs skips them); the
names, values and keys they rely on are checked against the chart instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.chart.conftest import Render
from tests.chart.objects import find, pod_specs
from tests.docs.blocks import page_blocks

PAGE = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
README = Path(__file__).resolve().parents[2] / "deploy" / "helm" / "conveyor" / "README.md"
KINDS = {"deploy": "Deployment", "svc": "Service", "statefulset": "StatefulSet"}
# kubectl's short forms followed by an object of the release `conveyor`
REFERENCE = re.compile(r"\b(deploy|svc|statefulset)/(conveyor-[a-z0-9-]+)")


def _blocks_containing(text: str) -> list[str]:
    blocks, _ = page_blocks(PAGE)
    return [b.text for b in blocks if text in b.text]


def test_the_kind_values_use_the_loaded_image_and_the_prometheus_label(render: Render) -> None:
    (block,) = _blocks_containing("cat > kind-values.yaml")
    values = yaml.safe_load(block.split("<<'YAML'\n", 1)[1].split("\nYAML\n", 1)[0])
    objects = render(values)
    for _, spec in pod_specs(objects):
        images = {c["image"] for c in spec["containers"]}
        if any("conveyor" in image for image in images):
            assert "conveyor:0.1.0" in images
    for kind in ("ServiceMonitor", "PodMonitor", "PrometheusRule"):
        monitors = find(objects, kind)
        assert monitors, kind
        for monitor in monitors:
            assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"


@pytest.mark.parametrize(
    ("release", "api"),
    [
        ("conveyor", "conveyor-api"),
        ("jobs", "jobs-conveyor-api"),
        ("my-conveyor", "my-conveyor-api"),
    ],
)
def test_names_follow_the_rule_the_page_states(render: Render, release: str, api: str) -> None:
    stated = " ".join(PAGE.read_text().split())
    assert "the fullname is the release name when it contains `conveyor`, else" in stated
    assert "`<release>-conveyor`" in stated
    objects = render({}, name=release)
    assert find(objects, "Deployment", api)
    labels = find(objects, "Deployment", api)[0]["metadata"]["labels"]
    assert labels["app.kubernetes.io/instance"] == release
    assert labels["app.kubernetes.io/component"] == "api"


def test_every_object_the_page_names_is_rendered(render: Render) -> None:
    objects = render({"flower": {"enabled": True, "existingSecret": "conveyor-flower"}})
    referenced = set(REFERENCE.findall(PAGE.read_text()))
    assert referenced
    missing = [
        f"{short}/{name}" for short, name in referenced if not find(objects, KINDS[short], name)
    ]
    assert not missing, f"docs/deploy.md names objects the chart does not make: {missing}"
    for name in re.findall(r"\bsecret (conveyor-generated)\b", PAGE.read_text()):
        assert find(objects, "Secret", name)


@pytest.mark.parametrize("page", [PAGE, README], ids=["docs/deploy.md", "chart README"])
def test_the_generated_keys_the_docs_list_are_the_secrets(render: Render, page: Path) -> None:
    text = page.read_text()
    (secret,) = find(render(), "Secret", "conveyor-generated")
    for key in secret["data"]:
        assert f"`{key}`" in text, key
    assert "delete it first" not in text
