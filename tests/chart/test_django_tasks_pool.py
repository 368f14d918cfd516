"""docs/django.md's values: a pool of its own runs a Django project's tasks with the
project's settings module, beside a default pool left with conveyor's system queue."""

from __future__ import annotations

from typing import Any

import yaml

from tests.chart.conftest import Render
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
    assert shop["image"].startswith("registry.example.com/shop:")
    # and conveyor's system queue stays on a pool with conveyor's settings
    default = workers["default"]
    assert default["args"][default["args"].index("-Q") + 1] == "conveyor"
    assert "DJANGO_SETTINGS_MODULE" not in _env(default)
