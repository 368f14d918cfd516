"""The image the chart runs: no default (none is published), a message that says how to
build one when it is missing, and where skaffold and the plain manifests get theirs."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import TEST_IMAGE, Render, require_tool
from tests.chart.objects import pod_specs
from tools import helm, manifests
from tools.helm import Obj

PLACEHOLDER = "REPLACE-ME/conveyor"


def conveyor_images(objects: list[Obj]) -> set[str]:
    """The image of every container and init container the render runs, apart from the
    in-chart data services' official images."""
    images = set()
    for _, spec in pod_specs(objects):
        for container in spec.get("initContainers", []) + spec["containers"]:
            images.add(container["image"])
    return {i for i in images if not i.startswith("docker.io/library/")}


def render_error(values: dict[str, Any]) -> str:
    """The chart's refusal of ``values``, rendered without the tests' default image."""
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    import helm_python

    with pytest.raises((helm_python.HelmValuesError, helm_python.HelmRenderError)) as error:
        helm.render(values)
    return str(error.value)


@pytest.mark.parametrize("values", [{}, {"image": {"repository": ""}}], ids=["unset", "empty"])
def test_without_a_repository_the_chart_says_how_to_build_and_push_one(
    values: dict[str, Any],
) -> None:
    message = render_error(values)
    assert "image.repository is empty: no conveyor image is published" in message
    # how to build and push it, and how to load it into kind instead, with the chart's tag
    assert "docker build -t REGISTRY/conveyor:0.1.0 ." in message
    assert "docker push REGISTRY/conveyor:0.1.0" in message
    assert "set image.repository=REGISTRY/conveyor" in message
    assert "kind load docker-image conveyor:0.1.0" in message
    assert "docs/deploy.md" in message


def test_the_message_names_the_tag_the_chart_would_run() -> None:
    message = render_error({"image": {"tag": "2.0.0-rc1"}})
    assert "docker build -t REGISTRY/conveyor:2.0.0-rc1 ." in message


def test_a_missing_repository_is_listed_with_the_other_problems() -> None:
    message = render_error({"redis": {"enabled": False}})
    assert "image.repository is empty" in message
    assert "exactly one broker" in message


def test_with_a_repository_every_conveyor_container_runs_it(render: Render) -> None:
    # the tests' default repository, the chart's appVersion as the tag
    assert conveyor_images(render()) == {f"{TEST_IMAGE}:0.1.0"}
    # an explicit tag, and a digest that wins over it
    tagged = render({"image": {"repository": "kind.local/conveyor", "tag": "dev"}})
    assert conveyor_images(tagged) == {"kind.local/conveyor:dev"}
    digest = "sha256:" + "a" * 64
    pinned = render({"image": {"repository": "conveyor", "tag": "dev", "digest": digest}})
    assert conveyor_images(pinned) == {f"conveyor@{digest}"}


def test_skaffold_gives_the_chart_the_image_it_builds_from_the_dockerfile() -> None:
    config = yaml.safe_load((helm.REPO / "skaffold.yaml").read_text())
    [artifact] = config["build"]["artifacts"]
    # a plain docker build: no hook that needs the host's Python or a wheelhouse
    assert artifact["docker"]["dockerfile"] == "Dockerfile"
    assert "hooks" not in artifact
    assert artifact["docker"].get("buildArgs", {}).get("PACKAGES", "index") == "index"
    [release] = config["deploy"]["helm"]["releases"]
    name = artifact["image"]
    assert release["setValueTemplates"]["image.repository"] == f"{{{{.IMAGE_REPO_{name}}}}}"
    assert release["setValueTemplates"]["image.tag"] == f"{{{{.IMAGE_TAG_{name}}}}}"


def test_plain_manifests_name_the_placeholder_documented_beside_them() -> None:
    objects = [o for o in yaml.safe_load_all(manifests.OUTPUT.read_text()) if o]
    assert conveyor_images(objects) == {f"{PLACEHOLDER}:0.1.0"}
    readme = (manifests.K8S / "README.md").read_text()
    assert f"kustomize edit set image {PLACEHOLDER}=" in readme
    assert "kind load docker-image" in readme
    assert f"- name: {PLACEHOLDER}" in (manifests.K8S / "kustomization.yaml").read_text()


def test_kustomize_replaces_the_placeholder_with_your_image(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed (its kustomize builds the folder)")
    # given the folder with the kustomization's images entry filled in, as README.md says
    folder = tmp_path / "k8s"
    shutil.copytree(manifests.K8S, folder)
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    kustomization["images"] = [
        {"name": PLACEHOLDER, "newName": "registry.example.com/conveyor", "newTag": "0.1.0"}
    ]
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    # when
    built = subprocess.run(
        [kubectl, "kustomize", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # then
    objects = [o for o in yaml.safe_load_all(built.stdout) if o]
    assert conveyor_images(objects) == {"registry.example.com/conveyor:0.1.0"}
