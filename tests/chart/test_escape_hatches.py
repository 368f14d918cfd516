"""The escape hatches: what the closed schema lets a cluster's owner add to the pods.

Each value is rendered both ways: set, it reaches the pod (or the Service); unset, the
chart's own render stays as it was. Worker pools take them from workers.defaults, and a
pool's own value replaces the default's whole (a map is not merged key by key).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from tests.chart.conftest import Render, require_tool
from tests.chart.objects import find
from tools.helm import Obj

FLOWER = {"enabled": True, "existingSecret": "flower-auth"}
ENV = [
    {"name": "HTTPS_PROXY", "value": "http://proxy.internal:3128"},
    {"name": "TEAM_TOKEN", "valueFrom": {"secretKeyRef": {"name": "team", "key": "token"}}},
]
ENV_FROM = [{"secretRef": {"name": "team-settings"}}]
VOLUMES = [{"name": "ca", "configMap": {"name": "corporate-ca"}}]
MOUNTS = [{"name": "ca", "mountPath": "/etc/ssl/corporate", "readOnly": True}]
PROBES = {
    "liveness": {
        "initialDelaySeconds": 30,
        "periodSeconds": 40,
        "timeoutSeconds": 9,
        "failureThreshold": 6,
    },
    "readiness": {
        "initialDelaySeconds": 5,
        "periodSeconds": 15,
        "timeoutSeconds": 8,
        "failureThreshold": 4,
    },
}


def _hatches() -> dict[str, Any]:
    return {
        "podLabels": {"team": "jobs"},
        "podAnnotations": {"example.com/owner": "jobs"},
        "priorityClassName": "conveyor-high",
        "nodeSelector": {"pool": "general"},
        "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "arch", "operator": "In", "values": ["x"]}]}
                    ]
                }
            }
        },
        "extraEnv": ENV,
        "extraEnvFrom": ENV_FROM,
        "extraVolumes": VOLUMES,
        "extraVolumeMounts": MOUNTS,
    }


def every_hatch() -> dict[str, Any]:
    """Every hatch set on every workload (tests/chart/test_chart.py's matrix renders it)."""
    return {
        "api": {**_hatches(), "probes": PROBES, "service": {"annotations": {"a.example/b": "c"}}},
        "workers": {"defaults": {**_hatches(), "probes": PROBES}},
        "beat": _hatches(),
        "flower": {**FLOWER, **_hatches()},
    }


def _templates(objects: list[Obj]) -> dict[str, Obj]:
    """Deployment name -> its pod template."""
    return {d["metadata"]["name"]: d["spec"]["template"] for d in find(objects, "Deployment")}


def _main(template: Obj) -> Obj:
    container: Obj = template["spec"]["containers"][0]
    return container


@pytest.fixture(scope="module")
def hatched(render: Render) -> dict[str, Obj]:
    return _templates(render(every_hatch()))


@pytest.fixture(scope="module")
def plain(render: Render) -> dict[str, Obj]:
    return _templates(render({"flower": FLOWER}))


WORKLOADS = ["conveyor-api", "conveyor-worker-default", "conveyor-beat", "conveyor-flower"]


@pytest.mark.parametrize("name", WORKLOADS)
def test_pod_labels_and_annotations(
    hatched: dict[str, Obj], plain: dict[str, Obj], name: str
) -> None:
    metadata = hatched[name]["metadata"]
    assert metadata["labels"]["team"] == "jobs"
    assert metadata["annotations"]["example.com/owner"] == "jobs"
    assert "checksum/config" in metadata["annotations"]
    assert "team" not in plain[name]["metadata"]["labels"]
    assert set(plain[name]["metadata"]["annotations"]) == {"checksum/config"}


def test_pod_labels_may_not_replace_the_charts_labels(render: Render) -> None:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    import helm_python

    # given chart labels in the api's podLabels and in a pool's
    values = {
        "api": {"podLabels": {"app.kubernetes.io/component": "other"}},
        "workers": {"pools": {"default": {"podLabels": {"conveyor.dev/pool": "other"}}}},
    }
    # then both are refused, at once
    with pytest.raises(helm_python.HelmRenderError) as error:
        render(values)
    assert "api.podLabels.app.kubernetes.io/component is a label the chart sets" in str(error.value)
    assert "workers.pools.default.podLabels.conveyor.dev/pool is a label" in str(error.value)


@pytest.mark.parametrize("name", WORKLOADS)
def test_scheduling(hatched: dict[str, Obj], plain: dict[str, Obj], name: str) -> None:
    spec = hatched[name]["spec"]
    hatches = _hatches()
    assert spec["priorityClassName"] == "conveyor-high"
    assert spec["nodeSelector"] == hatches["nodeSelector"]
    assert spec["tolerations"] == hatches["tolerations"]
    assert spec["affinity"] == hatches["affinity"]
    for key in ("priorityClassName", "nodeSelector", "tolerations"):
        assert key not in plain[name]["spec"], (name, key)


@pytest.mark.parametrize("name", WORKLOADS)
def test_extra_env_and_env_from_follow_the_charts(
    hatched: dict[str, Obj], plain: dict[str, Obj], name: str
) -> None:
    container = _main(hatched[name])
    assert container["env"][-2:] == ENV
    assert container["envFrom"][0]["configMapRef"]["name"] == "conveyor-config"
    assert container["envFrom"][1:] == ENV_FROM
    assert _main(plain[name])["env"] == container["env"][:-2]
    assert len(_main(plain[name])["envFrom"]) == 1
    # the wait for migrations is the chart's own: it gets none of them
    init = hatched[name]["spec"]["initContainers"][0]
    assert not any(e["name"] == "HTTPS_PROXY" for e in init["env"])


@pytest.mark.parametrize("name", WORKLOADS)
def test_extra_volumes_are_mounted_in_the_main_container(
    hatched: dict[str, Obj], plain: dict[str, Obj], name: str
) -> None:
    spec = hatched[name]["spec"]
    assert spec["volumes"][-1:] == VOLUMES
    assert _main(hatched[name])["volumeMounts"][-1:] == MOUNTS
    assert spec["volumes"][:-1] == plain[name]["spec"]["volumes"]
    assert {m["mountPath"] for m in _main(plain[name])["volumeMounts"]} == {
        "/tmp",
        "/var/lib/conveyor",
    }


def test_service_annotations_both_ways(render: Render) -> None:
    annotations = {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}
    (service,) = [
        s
        for s in find(render({"api": {"service": {"annotations": annotations}}}), "Service")
        if s["metadata"]["name"] == "conveyor-api"
    ]
    assert service["metadata"]["annotations"] == annotations
    (plain,) = find(render(), "Service", "conveyor-api")
    assert "annotations" not in plain["metadata"]


@pytest.mark.parametrize("name", ["conveyor-api", "conveyor-worker-default"])
def test_probe_timing_both_ways(render: Render, name: str) -> None:
    tuned = _main(
        _templates(
            render({"api": {"probes": PROBES}, "workers": {"defaults": {"probes": PROBES}}})
        )[name]
    )
    for probe, timing in (
        ("livenessProbe", PROBES["liveness"]),
        ("readinessProbe", PROBES["readiness"]),
    ):
        assert {k: tuned[probe][k] for k in timing} == timing, probe
    default = _main(_templates(render())[name])
    expected = {
        "conveyor-api": (
            {
                "initialDelaySeconds": 10,
                "periodSeconds": 20,
                "timeoutSeconds": 5,
                "failureThreshold": 3,
            },
            {"periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 3},
        ),
        "conveyor-worker-default": (
            {"periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 3},
            {"periodSeconds": 30, "timeoutSeconds": 5, "failureThreshold": 2},
        ),
    }[name]
    for probe, timing in zip(("livenessProbe", "readinessProbe"), expected, strict=True):
        got = {k: v for k, v in default[probe].items() if k not in {"httpGet", "exec"}}
        assert got == timing, probe
    # the check itself is the chart's
    assert tuned["livenessProbe"].get("httpGet") == default["livenessProbe"].get("httpGet")
    assert tuned["livenessProbe"].get("exec") == default["livenessProbe"].get("exec")


def test_a_pools_value_replaces_the_defaults_whole(render: Render) -> None:
    # given defaults for every pool and a pool with values of its own
    values = {
        "workers": {
            "defaults": _hatches(),
            "pools": {
                "default": {},
                "gpu": {
                    "queues": ["gpu"],
                    "podLabels": {"accelerator": "gpu"},
                    "nodeSelector": {"gpu": "true"},
                    "extraEnv": [{"name": "CUDA_VISIBLE_DEVICES", "value": "0"}],
                    "probes": {"liveness": {"periodSeconds": 60}},
                },
            },
        }
    }
    templates = _templates(render(values))
    gpu, default = templates["conveyor-worker-gpu"], templates["conveyor-worker-default"]

    # then the pool's maps and lists replace the defaults', not merge with them
    assert "team" not in gpu["metadata"]["labels"]
    assert gpu["metadata"]["labels"]["accelerator"] == "gpu"
    assert gpu["spec"]["nodeSelector"] == {"gpu": "true"}
    assert [e["name"] for e in _main(gpu)["env"]][-1] == "CUDA_VISIBLE_DEVICES"
    assert not any(e["name"] == "HTTPS_PROXY" for e in _main(gpu)["env"])
    # what it does not set comes from the defaults; probes merge field by field
    assert gpu["spec"]["priorityClassName"] == "conveyor-high"
    assert gpu["spec"]["volumes"][-1:] == VOLUMES
    assert _main(gpu)["livenessProbe"]["periodSeconds"] == 60
    assert _main(gpu)["livenessProbe"]["failureThreshold"] == 3
    # and the other pool keeps the defaults
    assert default["metadata"]["labels"]["team"] == "jobs"
    assert default["spec"]["nodeSelector"] == {"pool": "general"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"api": {"extraEnv": [{"value": "x"}]}}, "name"),
        ({"api": {"extraEnv": [{"name": "X", "valu": "x"}]}}, "valu"),
        ({"workers": {"pools": {"default": {"extraVolumeMounts": [{"name": "x"}]}}}}, "mountPath"),
        ({"beat": {"podLabels": {"team": 1}}}, "team"),
        ({"api": {"probes": {"liveness": {"periodSeconds": 0}}}}, "periodSeconds"),
        ({"flower": {"probes": {}}}, "probes"),
    ],
)
def test_malformed_hatches_are_refused(render: Render, values: dict[str, Any], field: str) -> None:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")
    import helm_python

    with pytest.raises(helm_python.HelmValuesError) as error:
        render(values)
    assert field in str(error.value)
