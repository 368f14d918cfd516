"""The ScaledObject and grace period the chart renders for the scenario's pool.

The pool's values are the chart's, with the time constants compressed (polling 1 s,
cooldown and scale-down stabilization 10 s, grace 10 s) so the scenario fits in a test.
Without the Helm engine (``helm-python-sdk``), the same render kept in ``fixtures/`` is
used (refresh it with ``python -m tools.autoscale.chart``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools import helm
from tools.autoscale import scaledobject
from tools.autoscale.scaledobject import ScaledObject

FIXTURES = Path(__file__).parent / "fixtures"
NAMESPACE = "conveyor-test"
POOL = "burst"
CONCURRENCY = 4
MAX_REPLICAS = 6


def pool_values(trigger: str) -> dict[str, Any]:
    return {
        "image": {"repository": "localhost/conveyor"},  # `make image`'s; never pulled here
        "keda": {"metricsApi": {"existingSecret": "conveyor-keda"}},
        "workers": {
            "pools": {
                "default": {},  # the system queue's pool
                POOL: {
                    "queues": [POOL],
                    "concurrency": CONCURRENCY,
                    # demo.sleep jobs of at most 5 s; grace = 5 + 5 s.
                    "maxJobSeconds": 5,
                    "terminationMarginSeconds": 5,
                    "autoscaling": {
                        "trigger": trigger,
                        "minReplicas": 0,
                        "maxReplicas": MAX_REPLICAS,
                        "pollingInterval": 1,
                        "cooldownPeriod": 10,
                        "scaleDownStabilizationSeconds": 10,
                    },
                },
            }
        },
    }


def render(trigger: str) -> list[dict[str, Any]]:
    """The chart's objects for the scenario's values (Helm's own engine)."""
    return helm.render(
        pool_values(trigger), name="conveyor", namespace=NAMESPACE, api_versions=helm.CRD_APIS
    )


def _pool_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    name = f"conveyor-worker-{POOL}"
    return [
        o
        for o in objects
        if o["metadata"]["name"] == name and o["kind"] in {"ScaledObject", "Deployment"}
    ]


def fixture_path(trigger: str) -> Path:
    return FIXTURES / f"scaledobject-{trigger}.yaml"


def pool_objects(trigger: str) -> list[dict[str, Any]]:
    try:
        return _pool_objects(render(trigger))
    except ImportError:
        return list(yaml.safe_load_all(fixture_path(trigger).read_text()))


def scaled_pool(trigger: str) -> tuple[ScaledObject, float]:
    """The pool's ScaledObject and its pods' terminationGracePeriodSeconds."""
    objects = pool_objects(trigger)
    scaled = scaledobject.load(yaml.safe_dump_all(objects), name=f"conveyor-worker-{POOL}")
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    grace = float(deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"])
    return scaled, grace


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for trigger in ("prometheus", "metrics-api"):
        objects = _pool_objects(render(trigger))
        for o in objects:  # keep what the controller reads
            if o["kind"] == "Deployment":
                pod = o["spec"]["template"]["spec"]
                o["spec"] = {
                    "template": {
                        "spec": {
                            "terminationGracePeriodSeconds": pod["terminationGracePeriodSeconds"]
                        }
                    }
                }
        text = "# Rendered by `python -m tools.autoscale.chart` from deploy/helm/conveyor.\n"
        fixture_path(trigger).write_text(text + yaml.safe_dump_all(objects, sort_keys=False))


if __name__ == "__main__":
    main()
