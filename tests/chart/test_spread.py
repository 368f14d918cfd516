"""The api's and each pool's pods spread over nodes and zones unless told otherwise.

Without it both API replicas may land on one node, and one node's loss takes the API
down. The default is soft (a preferred anti-affinity by node, a ScheduleAnyway spread over
zones), so a one-node cluster still schedules everything; it selects only the stable
selector labels, so an old and a new revision's pods count together during a rollout.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find, pod_specs
from tools.helm import Obj

POOLS = {"workers": {"pools": {"default": {}, "http": {"queues": ["http"]}}}}


def _specs(objects: list[Obj]) -> dict[str, tuple[Obj, Obj]]:
    """Deployment name -> (its selector's matchLabels, its pod spec)."""
    return {
        owner["metadata"]["name"]: (owner["spec"]["selector"]["matchLabels"], spec)
        for owner, spec in pod_specs(objects)
        if owner["kind"] == "Deployment"
    }


def _spread(objects: list[Obj]) -> list[tuple[str, Obj, Obj]]:
    return [
        (name, selector, spec)
        for name, (selector, spec) in _specs(objects).items()
        if selector["app.kubernetes.io/component"] in {"api", "worker"}
    ]


def test_api_and_every_pool_spread_by_default_over_their_own_pods(render: Render) -> None:
    spread = _spread(render(POOLS))
    assert {name for name, _, _ in spread} == {
        "conveyor-api",
        "conveyor-worker-default",
        "conveyor-worker-http",
    }
    for name, selector, spec in spread:
        (preferred,) = spec["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"
        ]
        assert preferred["weight"] == 100, name
        assert preferred["podAffinityTerm"] == {
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchLabels": selector},
        }, name
        assert "requiredDuringSchedulingIgnoredDuringExecution" not in str(spec["affinity"])
        assert spec["topologySpreadConstraints"] == [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector},
            }
        ], name


def test_beat_and_flower_have_no_default_spread(render: Render) -> None:
    specs = _specs(render({"flower": {"enabled": True, "existingSecret": "flower-auth"}}))
    for name in ("conveyor-beat", "conveyor-flower"):
        _, spec = specs[name]
        assert "affinity" not in spec, name
        assert "topologySpreadConstraints" not in spec, name


OWN_AFFINITY = {
    "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {
                "topologyKey": "kubernetes.io/hostname",
                "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "api"}},
            }
        ]
    }
}
OWN_SPREAD = [
    {
        "maxSkew": 2,
        "topologyKey": "kubernetes.io/hostname",
        "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "api"}},
    }
]


@pytest.mark.parametrize(
    "values",
    [
        {"api": {"affinity": OWN_AFFINITY, "topologySpreadConstraints": OWN_SPREAD}},
        {
            "workers": {
                "defaults": {"affinity": OWN_AFFINITY, "topologySpreadConstraints": OWN_SPREAD}
            }
        },
    ],
    ids=["api", "workers.defaults"],
)
def test_the_users_own_replace_the_default_whole(render: Render, values: dict[str, Any]) -> None:
    component = "api" if "api" in values else "worker"
    for name, selector, spec in _spread(render(values)):
        if selector["app.kubernetes.io/component"] != component:
            continue
        assert spec["affinity"] == OWN_AFFINITY, name
        assert spec["topologySpreadConstraints"] == OWN_SPREAD, name


@pytest.mark.parametrize("emptied", ["affinity", "topologySpreadConstraints"])
def test_a_pool_may_return_to_the_default_spread(render: Render, emptied: str) -> None:
    # given defaults with an affinity and a spread of their own, and a pool emptying one
    empty: dict[str, Any] = {"affinity": {}, "topologySpreadConstraints": []}
    values = {
        "workers": {
            "defaults": {"affinity": OWN_AFFINITY, "topologySpreadConstraints": OWN_SPREAD},
            "pools": {"default": {}, "http": {"queues": ["http"], emptied: empty[emptied]}},
        }
    }
    specs = _specs(render(values))
    _, http = specs["conveyor-worker-http"]
    own = {"affinity": OWN_AFFINITY, "topologySpreadConstraints": OWN_SPREAD}
    # then that pool alone gets the chart's default for it (over its own pods)
    assert http[emptied] == _specs(render(POOLS))["conveyor-worker-http"][1][emptied]
    assert http[emptied] != own[emptied]
    # and keeps the defaults' other one; the other pool keeps both
    other = "topologySpreadConstraints" if emptied == "affinity" else "affinity"
    assert http[other] == own[other]
    assert specs["conveyor-worker-default"][1][emptied] == own[emptied]


def test_the_default_spread_selects_no_pod_of_another_workload(render: Render) -> None:
    objects = render(POOLS)
    labels = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in find(objects, "Deployment")
    }
    for name, _, spec in _spread(objects):
        selector = spec["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"]
        selected = {
            other
            for other, pod in labels.items()
            if all(pod.get(k) == v for k, v in selector.items())
        }
        assert selected == {name}
