"""Worker pools are exactly the ones listed: renamed, added or dropped as written.

Helm merges a user's maps into the chart's, so a default pool written in values.yaml
could never be renamed away (three pools rendered, two on the system queue) and a pool's
resources inherited the defaults' limits. The chart therefore keeps the default pool out
of values.yaml, and a pool's resources replace the defaults' whole.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find
from tools.helm import Obj


def _pools(objects: list[Obj]) -> dict[str, Obj]:
    """Pool name -> its worker container."""
    return {
        d["spec"]["template"]["metadata"]["labels"]["conveyor.dev/pool"]: d["spec"]["template"][
            "spec"
        ]["containers"][0]
        for d in find(objects, "Deployment")
        if d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == "worker"
    }


def _queues(container: Obj) -> list[str]:
    args = container["args"]
    return str(args[args.index("-Q") + 1]).split(",")


def _min_replicas(objects: list[Obj], pool: str) -> int:
    return int(
        find(objects, "ScaledObject", f"conveyor-worker-{pool}")[0]["spec"]["minReplicaCount"]
    )


def test_by_default_one_pool_serves_the_default_and_system_queues(render: Render) -> None:
    objects = render()
    pools = _pools(objects)
    assert list(pools) == ["default"]
    assert _queues(pools["default"]) == ["default", "conveyor"]
    assert _min_replicas(objects, "default") == 1


@pytest.mark.parametrize(
    "pools",
    [
        {"main": {"queues": ["default", "conveyor"], "autoscaling": {"minReplicas": 1}}},
        {
            "default": None,
            "main": {"queues": ["default", "conveyor"], "autoscaling": {"minReplicas": 1}},
        },
    ],
    ids=["renamed", "default-null"],
)
def test_a_renamed_default_pool_is_gone(render: Render, pools: dict[str, Any]) -> None:
    # when the operator lists a pool under another name
    objects = render({"workers": {"pools": pools}})
    # then only that pool runs, and one pool consumes the system queue
    found = _pools(objects)
    assert list(found) == ["main"]
    assert [n for n, c in found.items() if "conveyor" in _queues(c)] == ["main"]
    assert not find(objects, "ScaledObject", "conveyor-worker-default")
    assert not find(objects, "PodDisruptionBudget", "conveyor-worker-default")


def test_a_pool_added_beside_default_keeps_the_default(render: Render) -> None:
    objects = render({"workers": {"pools": {"default": {}, "http": {"queues": ["http"]}}}})
    found = _pools(objects)
    assert sorted(found) == ["default", "http"]
    assert _queues(found["default"]) == ["default", "conveyor"]
    assert _queues(found["http"]) == ["http"]
    assert _min_replicas(objects, "http") == 0


def test_setting_one_key_of_the_default_pool_keeps_the_rest(render: Render) -> None:
    # --set workers.pools.default.concurrency=8
    objects = render({"workers": {"pools": {"default": {"concurrency": 8}}}})
    container = _pools(objects)["default"]
    assert _queues(container) == ["default", "conveyor"]
    assert container["args"][container["args"].index("-c") + 1] == "8"
    assert _min_replicas(objects, "default") == 1


def test_the_default_pool_follows_the_system_queue(render: Render) -> None:
    objects = render({"config": {"systemQueue": "ops"}})
    assert _queues(_pools(objects)["default"]) == ["default", "ops"]


def test_dropping_every_system_queue_consumer_is_refused(render: Render) -> None:
    with pytest.raises(Exception, match="no worker pool serves the system queue"):
        render({"workers": {"pools": {"http": {"queues": ["http"]}}}})


def test_a_pools_resources_replace_the_defaults(render: Render) -> None:
    # given a pool with its own requests and a memory limit only
    own = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
    objects = render(
        {"workers": {"pools": {"default": {}, "small": {"queues": ["s"], "resources": own}}}}
    )
    # then it gets exactly those (no cpu "2" limit inherited); the others keep the defaults
    pools = _pools(objects)
    assert pools["small"]["resources"] == own
    assert pools["default"]["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
