"""docs/django.md's values: a pool of its own runs a Django project's tasks, from the
project's image (workers.<pool>.image) with the project's settings module, beside a
default pool left with conveyor's system queue on the chart's image."""

from __future__ import annotations

from typing import Any

import yaml

from tests.chart.conftest import TEST_IMAGE, Render
from tests.chart.objects import find
from tests.docs.blocks import snippet
from tools.helm import Obj


def _workers(objects: list[Obj]) -> dict[str, Obj]:
    return {
        d["spec"]["template"]["metadata"]["labels"]["conveyor.dev/pool"]: d["spec"]["template"][
            "spec"
        ]["containers"][0]
        for d in find(objects, "Deployment")
        if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    }


def _env(container: Obj) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def test_the_docs_values_give_the_project_a_pool_with_its_settings(render: Render) -> None:
    values = yaml.safe_load(snippet("django.md", "as the django pool"))
    workers = _workers(render(values))
    assert set(workers) == {"default", "shop"}
    # the project's pool serves its tasks' queue with its settings and conveyor's database
    shop = workers["shop"]
    assert shop["args"][shop["args"].index("-Q") + 1] == "default"
    assert _env(shop)["DJANGO_SETTINGS_MODULE"] == "myproject.settings"
    assert _env(shop)["CONVEYOR_DATABASE_URL"] == {
        "secretKeyRef": {"name": "shop-conveyor-db", "key": "url"}
    }
    assert shop["image"] == "registry.example.com/shop:1.4.0"
    # and conveyor's system queue stays on a pool with conveyor's settings
    default = workers["default"]
    assert default["args"][default["args"].index("-Q") + 1] == "conveyor"
    assert "DJANGO_SETTINGS_MODULE" not in _env(default)
    assert default["image"].startswith(f"{TEST_IMAGE}:")


def test_a_pool_image_digest_wins_over_its_tag(render: Render) -> None:
    digest = "sha256:" + "a" * 64
    image = {"repository": "registry.example.com/shop", "tag": "1.4.0", "digest": digest}
    workers = _workers(render({"workers": {"pools": {"default": {}, "shop": {"image": image}}}}))
    assert workers["shop"]["image"] == f"registry.example.com/shop@{digest}"


def test_the_defaults_image_reaches_every_pool_and_nothing_else(render: Render) -> None:
    image = {"repository": "registry.example.com/shop", "tag": "2"}
    values = {"workers": {"defaults": {"image": image}, "pools": {"default": {}, "b": {}}}}
    objects = render(values)
    assert {c["image"] for c in _workers(objects).values()} == {"registry.example.com/shop:2"}
    others = [
        container["image"]
        for d in find(objects, "Deployment")
        if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] != "worker"
        for container in d["spec"]["template"]["spec"]["containers"]
    ]
    assert others
    assert all(image.startswith(f"{TEST_IMAGE}:") for image in others)
