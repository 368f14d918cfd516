"""A KEDA ScaledObject (keda.sh/v1alpha1) as the controller reads it, with KEDA's and the
HPA's defaults filled in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tools.autoscale.rules import Behavior, Policy, ScalingRules

# KEDA's defaults (scaledobject_types.go).
DEFAULT_POLLING_INTERVAL = 30
DEFAULT_COOLDOWN_PERIOD = 300
DEFAULT_MIN_REPLICAS = 0
DEFAULT_MAX_REPLICAS = 100


@dataclass(frozen=True)
class Trigger:
    type: str  # "prometheus" or "metrics-api"
    metric_type: str  # "AverageValue" (KEDA's default) or "Value"
    target: float  # threshold / targetValue
    activation: float  # activationThreshold / activationTargetValue (default 0)
    metadata: Mapping[str, str]

    @property
    def url(self) -> str:
        """Where the metric is read: Prometheus' address, or the metrics-api URL."""
        key = "serverAddress" if self.type == "prometheus" else "url"
        return self.metadata[key]


@dataclass(frozen=True)
class ScaledObject:
    name: str
    namespace: str
    target: str  # scaleTargetRef.name: the Deployment
    polling_interval: float
    cooldown_period: float
    initial_cooldown_period: float
    min_replicas: int
    max_replicas: int
    idle_replicas: int | None
    triggers: tuple[Trigger, ...]
    behavior: Behavior = field(default_factory=Behavior)

    @property
    def hpa_min_replicas(self) -> int:
        """The HPA KEDA creates never goes below one: zero is KEDA's own business."""
        return max(self.min_replicas, 1)


_TARGET_KEYS = {
    "prometheus": ("threshold", "activationThreshold"),
    "metrics-api": ("targetValue", "activationTargetValue"),
}


def _trigger(raw: Mapping[str, Any]) -> Trigger:
    kind = str(raw["type"])
    if kind not in _TARGET_KEYS:
        raise ValueError(f"trigger type {kind!r} is not supported (prometheus, metrics-api)")
    metadata = {str(k): str(v) for k, v in dict(raw.get("metadata") or {}).items()}
    target_key, activation_key = _TARGET_KEYS[kind]
    metric_type = str(raw.get("metricType", "AverageValue"))
    if metric_type not in {"AverageValue", "Value"}:
        raise ValueError(f"metricType {metric_type!r} is not supported (AverageValue, Value)")
    return Trigger(
        type=kind,
        metric_type=metric_type,
        target=float(metadata[target_key]),
        activation=float(metadata.get(activation_key, "0")),
        metadata=metadata,
    )


def _rules(raw: Mapping[str, Any] | None, default: ScalingRules) -> ScalingRules:
    """The HPA fills every field a direction leaves out with that direction's default."""
    if not raw:
        return default
    policies = tuple(
        Policy(type=str(p["type"]), value=int(p["value"]), period_seconds=float(p["periodSeconds"]))
        for p in raw.get("policies") or ()
    )
    window = raw.get("stabilizationWindowSeconds")
    return ScalingRules(
        stabilization_window_seconds=(
            default.stabilization_window_seconds if window is None else float(window)
        ),
        select_policy=str(raw.get("selectPolicy", default.select_policy)),
        policies=policies or default.policies,
        tolerance=(
            float(raw["tolerance"]) if raw.get("tolerance") is not None else default.tolerance
        ),
    )


def parse(document: Mapping[str, Any]) -> ScaledObject:
    if document.get("kind") != "ScaledObject" or not str(document.get("apiVersion", "")).startswith(
        "keda.sh/"
    ):
        raise ValueError("not a keda.sh ScaledObject")
    meta = document.get("metadata") or {}
    spec = document["spec"]
    behavior_raw = ((spec.get("advanced") or {}).get("horizontalPodAutoscalerConfig") or {}).get(
        "behavior"
    ) or {}
    defaults = Behavior()
    idle = spec.get("idleReplicaCount")
    return ScaledObject(
        name=str(meta.get("name", "")),
        namespace=str(meta.get("namespace", "default")),
        target=str(spec["scaleTargetRef"]["name"]),
        polling_interval=float(spec.get("pollingInterval", DEFAULT_POLLING_INTERVAL)),
        cooldown_period=float(spec.get("cooldownPeriod", DEFAULT_COOLDOWN_PERIOD)),
        initial_cooldown_period=float(spec.get("initialCooldownPeriod", 0)),
        min_replicas=int(spec.get("minReplicaCount", DEFAULT_MIN_REPLICAS)),
        max_replicas=int(spec.get("maxReplicaCount", DEFAULT_MAX_REPLICAS)),
        idle_replicas=None if idle is None else int(idle),
        triggers=tuple(_trigger(t) for t in spec["triggers"]),
        behavior=Behavior(
            scale_up=_rules(behavior_raw.get("scaleUp"), defaults.scale_up),
            scale_down=_rules(behavior_raw.get("scaleDown"), defaults.scale_down),
        ),
    )


def scaled_objects(documents: Iterable[Any]) -> list[ScaledObject]:
    """Every ScaledObject among the documents (a chart render holds many kinds)."""
    return [
        parse(d) for d in documents if isinstance(d, Mapping) and d.get("kind") == "ScaledObject"
    ]


def load(source: Path | str, name: str | None = None) -> ScaledObject:
    """The ScaledObject named ``name`` (or the only one) in a YAML file or text."""
    text = source.read_text() if isinstance(source, Path) else source
    found = scaled_objects(yaml.safe_load_all(text))
    if name is not None:
        found = [s for s in found if s.name == name]
    if len(found) != 1:
        raise ValueError(
            f"expected one ScaledObject{f' named {name!r}' if name else ''}, found {len(found)}"
        )
    return found[0]
