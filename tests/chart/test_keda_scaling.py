"""The pools' ScaledObjects: never silently idle, never frozen, KEDA's knobs passed through.

Every ScaledObject here is checked against KEDA's CRD schema (tests/chart/schemas/keda).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find
from tests.chart.test_chart import crd_validators
from tools import helm
from tools.helm import Obj

METRICS_API = {
    "workers": {"defaults": {"autoscaling": {"trigger": "metrics-api"}}},
    "keda": {"metricsApi": {"existingSecret": "conveyor-keda"}},
}


def scaled_objects(render: Render, values: dict[str, Any] | None = None) -> dict[str, Obj]:
    """The ScaledObjects by pool, each valid for KEDA's CRD."""
    objects = render(values, api_versions=helm.CRD_APIS)
    validator = crd_validators()[("keda.sh/v1alpha1", "ScaledObject")]
    found = {}
    for scaled in find(objects, "ScaledObject"):
        errors = [e.message for e in validator.iter_errors(scaled)]
        assert not errors, (scaled["metadata"]["name"], errors)
        found[scaled["metadata"]["labels"]["conveyor.dev/pool"]] = scaled
    return found


def _refused(render: Render, values: dict[str, Any]) -> str:
    import helm_python

    with pytest.raises(helm_python.HelmRenderError) as error:
        render(values, api_versions=helm.CRD_APIS)
    return str(error.value)


# ---- an empty metric is an error, and errors fall back -------------------------------


def test_prometheus_trigger_reads_an_empty_result_as_an_error(render: Render) -> None:
    # KEDA's default (ignoreNullValues true) reads "nothing scraped" as a backlog of 0
    for scaled in scaled_objects(render).values():
        for trigger in scaled["spec"]["triggers"]:
            assert trigger["type"] == "prometheus"
            assert trigger["metadata"]["ignoreNullValues"] == "false"


@pytest.mark.parametrize("values", [{}, METRICS_API], ids=["prometheus", "metrics-api"])
def test_every_scaledobject_has_a_fallback_by_default(
    render: Render, values: dict[str, Any]
) -> None:
    for scaled in scaled_objects(render, values).values():
        fallback = scaled["spec"]["fallback"]
        assert fallback == {"failureThreshold": 3, "replicas": 1}
        # KEDA serves the fallback only to AverageValue metrics, its default metricType
        assert all(
            t.get("metricType", "AverageValue") == "AverageValue"
            for t in scaled["spec"]["triggers"]
        )


def test_the_prometheus_trigger_is_refused_without_a_service_monitor(render: Render) -> None:
    message = _refused(render, {"monitoring": {"serviceMonitor": {"enabled": False}}})
    assert "workers.pools.default uses the prometheus trigger" in message
    assert "no ServiceMonitor scrapes the API's conveyor_queue_backlog" in message
    assert "monitoring.serviceMonitor.enabled=false" in message


def test_the_metrics_api_trigger_needs_no_service_monitor(render: Render) -> None:
    values = {**METRICS_API, "monitoring": {"serviceMonitor": {"enabled": False}}}
    assert scaled_objects(render, values)


def test_a_fallback_above_max_replicas_is_refused(render: Render) -> None:
    values = {
        "workers": {"defaults": {"autoscaling": {"maxReplicas": 2, "fallback": {"replicas": 3}}}}
    }
    message = _refused(render, values)
    assert "workers.pools.default.autoscaling.fallback.replicas=3 is above maxReplicas=2" in message


# ---- KEDA's own settings, per pool ---------------------------------------------------


def test_fallback_and_polling_settings_pass_through_per_pool(render: Render) -> None:
    values = {
        "workers": {
            "pools": {
                "default": {},
                "burst": {
                    "queues": ["burst"],
                    "autoscaling": {
                        "pollingInterval": 5,
                        "initialCooldownPeriod": 120,
                        "fallback": {
                            "failureThreshold": 6,
                            "replicas": 4,
                            "behavior": "currentReplicasIfHigher",
                        },
                    },
                },
            }
        }
    }
    scaled = scaled_objects(render, values)
    burst, default = scaled["burst"]["spec"], scaled["default"]["spec"]
    assert burst["pollingInterval"] == 5
    assert burst["initialCooldownPeriod"] == 120
    assert burst["fallback"] == {
        "failureThreshold": 6,
        "replicas": 4,
        "behavior": "currentReplicasIfHigher",
    }
    assert default["pollingInterval"] == 15
    assert "initialCooldownPeriod" not in default
    assert default["fallback"] == {"failureThreshold": 3, "replicas": 1}


def test_advanced_passes_through_and_merges_with_the_charts_behavior(render: Render) -> None:
    scale_up = {
        "stabilizationWindowSeconds": 0,
        "policies": [{"type": "Pods", "value": 8, "periodSeconds": 15}],
    }
    modifiers = {"formula": "backlog", "target": "4", "metricType": "AverageValue"}
    values = {
        "workers": {
            "pools": {
                "default": {},
                "burst": {
                    "queues": ["burst"],
                    "autoscaling": {
                        "advanced": {
                            "horizontalPodAutoscalerConfig": {"behavior": {"scaleUp": scale_up}},
                            "scalingModifiers": modifiers,
                            "restoreToOriginalReplicaCount": True,
                        }
                    },
                },
                "slow": {
                    "queues": ["slow"],
                    "autoscaling": {
                        "advanced": {
                            "horizontalPodAutoscalerConfig": {
                                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 900}}
                            }
                        }
                    },
                },
            }
        }
    }
    scaled = scaled_objects(render, values)
    burst = scaled["burst"]["spec"]["advanced"]
    assert burst["horizontalPodAutoscalerConfig"]["behavior"] == {
        "scaleUp": scale_up,
        "scaleDown": {"stabilizationWindowSeconds": 300},  # the chart's, kept
    }
    assert burst["scalingModifiers"] == modifiers
    assert burst["restoreToOriginalReplicaCount"] is True
    slow = scaled["slow"]["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"]
    assert slow == {"scaleDown": {"stabilizationWindowSeconds": 900}}  # the pool's wins
    default = scaled["default"]["spec"]["advanced"]
    assert default == {
        "horizontalPodAutoscalerConfig": {
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}}
        }
    }


# ---- triggers only for queues with a backlog the API serves --------------------------


def _metrics_api_queues(scaled: Obj) -> list[str]:
    urls = [t["metadata"]["url"] for t in scaled["spec"]["triggers"]]
    return [re.fullmatch(r".*/v1/queues/([^/]+)/metrics", url).group(1) for url in urls]  # type: ignore[union-attr]


def test_no_metrics_api_trigger_for_the_system_queue(render: Render) -> None:
    # the default pool serves [default, conveyor]; GET /v1/queues/conveyor/metrics is a 404,
    # and one erroring metric stops the HPA from scaling down
    default = scaled_objects(render, METRICS_API)["default"]
    assert _metrics_api_queues(default) == ["default"]


def test_every_metrics_api_trigger_reads_a_queue_the_api_serves(render: Render) -> None:
    from conveyor.jobs.services import allowed_queues

    # the job types' queues (and CONVEYOR_EXTRA_QUEUES): GET /v1/queues/<name>/metrics
    # answers 200 for these, 404 for any other
    served = allowed_queues()
    for pool, scaled in scaled_objects(render, METRICS_API).items():
        queues = _metrics_api_queues(scaled)
        assert queues, pool
        assert set(queues) <= served, (pool, set(queues) - served)


def test_the_prometheus_query_leaves_out_the_system_queue(render: Render) -> None:
    query = scaled_objects(render)["default"]["spec"]["triggers"][0]["metadata"]["query"]
    assert 'queue=~"default"' in query


def test_an_autoscaled_pool_serving_only_the_system_queue_is_refused(render: Render) -> None:
    values = {
        "workers": {
            "pools": {
                "default": {"queues": ["default"], "autoscaling": {"minReplicas": 0}},
                "system": {"queues": ["conveyor"], "autoscaling": {"minReplicas": 1}},
            }
        }
    }
    message = _refused(render, values)
    assert "workers.pools.system is autoscaled but serves only the system queue" in message
    fixed = {
        "workers": {
            "pools": {
                **values["workers"]["pools"],
                "system": {"queues": ["conveyor"], "autoscaling": {"enabled": False}},
            }
        }
    }
    assert set(scaled_objects(render, fixed)) == {"default"}
