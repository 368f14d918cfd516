"""KEDA's and the HPA's scaling arithmetic, written out to be checked line by line.

Sources (see ../shared/notes/keda-scaling.md): KEDA's ``scale_scaledobjects.go`` (activation,
scale from and to zero, cooldown), Kubernetes' ``replica_calculator.go`` (the proposal per
External metric, tolerance) and ``horizontal.go`` (stabilization windows, rate-limit
policies), with the autoscaling/v2 defaults. Times are seconds on any monotonic clock,
passed in, so the rules are pure and testable.

Where this differs from a cluster, on purpose: an HPA without ``behavior`` is treated as
having the default behavior (the chart always sets one); a scaler error makes both loops
keep the replicas (no ``fallback``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

# --horizontal-pod-autoscaler-tolerance
DEFAULT_TOLERANCE = 0.1
# The HPA's default sync period (--horizontal-pod-autoscaler-sync-period).
DEFAULT_HPA_SYNC_SECONDS = 15.0


@dataclass(frozen=True)
class Policy:
    type: str  # "Pods" or "Percent"
    value: int
    period_seconds: float


@dataclass(frozen=True)
class ScalingRules:
    stabilization_window_seconds: float
    select_policy: str = "Max"  # "Max", "Min" or "Disabled"
    policies: tuple[Policy, ...] = ()
    tolerance: float | None = None  # per direction (k8s 1.33+); None: the global 0.1


SCALE_UP_DEFAULT = ScalingRules(
    stabilization_window_seconds=0,
    policies=(Policy("Pods", 4, 15), Policy("Percent", 100, 15)),
)
SCALE_DOWN_DEFAULT = ScalingRules(
    # --horizontal-pod-autoscaler-downscale-stabilization
    stabilization_window_seconds=300,
    policies=(Policy("Percent", 100, 15),),
)


@dataclass(frozen=True)
class Behavior:
    scale_up: ScalingRules = SCALE_UP_DEFAULT
    scale_down: ScalingRules = SCALE_DOWN_DEFAULT


# ---- the HPA's proposal for one External metric (replica_calculator.go) ---------------


def within_tolerance(ratio: float, behavior: Behavior) -> bool:
    up = behavior.scale_up.tolerance
    down = behavior.scale_down.tolerance
    up = DEFAULT_TOLERANCE if up is None else up
    down = DEFAULT_TOLERANCE if down is None else down
    return (1.0 - down) <= ratio <= (1.0 + up)


def metric_proposal(
    *,
    metric: float,
    target: float,
    metric_type: str,
    spec_replicas: int,
    status_replicas: int,
    ready_replicas: int,
    behavior: Behavior,
) -> int:
    """The replicas one trigger asks for.

    AverageValue (KEDA's default): ``ratio = m / (t * R_status)``; inside the tolerance
    keep ``R_status``, else ``ceil(m / t)``. Value: ``ratio = m / t``; from zero
    ``ceil(ratio)``; inside the tolerance keep R; else ``ceil(ratio * R_ready)``.
    """
    if metric_type == "AverageValue":
        denominator = target * status_replicas
        ratio = math.inf if denominator == 0 else metric / denominator
        if metric == 0 and denominator == 0:
            ratio = math.nan  # 0/0: never within the tolerance, as in Go
        if within_tolerance(ratio, behavior):
            return status_replicas
        return math.ceil(metric / target)
    if metric_type == "Value":
        ratio = metric / target
        if spec_replicas == 0:
            return math.ceil(ratio)
        if within_tolerance(ratio, behavior):
            return spec_replicas
        return math.ceil(ratio * ready_replicas)
    raise ValueError(f"metricType {metric_type!r} is not supported")


# ---- the HPA's normalization: stabilization and rate limits (horizontal.go) -----------


@dataclass(frozen=True)
class Sample:
    at: float
    value: int


def _change_in_period(events: list[Sample], period: float, now: float) -> int:
    cutoff = now - period
    return sum(e.value for e in events if e.at > cutoff)


def scale_up_limit(
    current: int, up: list[Sample], down: list[Sample], rules: ScalingRules, now: float
) -> int:
    """calculateScaleUpLimitWithScalingRules."""
    if rules.select_policy == "Disabled":
        return current
    pick = min if rules.select_policy == "Min" else max
    result: int | None = None
    for policy in rules.policies:
        start = (
            current
            - _change_in_period(up, policy.period_seconds, now)
            + _change_in_period(down, policy.period_seconds, now)
        )
        if policy.type == "Pods":
            proposed = start + policy.value
        else:
            proposed = math.ceil(start * (1 + policy.value / 100))
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


def scale_down_limit(
    current: int, up: list[Sample], down: list[Sample], rules: ScalingRules, now: float
) -> int:
    """calculateScaleDownLimitWithBehaviors."""
    if rules.select_policy == "Disabled":
        return current
    pick = max if rules.select_policy == "Min" else min
    result: int | None = None
    for policy in rules.policies:
        start = (
            current
            - _change_in_period(up, policy.period_seconds, now)
            + _change_in_period(down, policy.period_seconds, now)
        )
        if policy.type == "Pods":
            proposed = start - policy.value
        else:
            proposed = int(start * (1 - policy.value / 100))  # Go's int32(): truncation
        result = proposed if result is None else pick(result, proposed)
    return current if result is None else result


@dataclass
class HpaDecision:
    raw: int | None  # the metrics' proposal (None: not computed)
    stabilized: int | None
    desired: int
    reason: str


@dataclass
class Hpa:
    """The HorizontalPodAutoscaler KEDA creates for a ScaledObject: its state and sync."""

    min_replicas: int  # max(ScaledObject min, 1)
    max_replicas: int
    behavior: Behavior = field(default_factory=Behavior)
    recommendations: list[Sample] = field(default_factory=list)
    up_events: list[Sample] = field(default_factory=list)
    down_events: list[Sample] = field(default_factory=list)

    def sync(
        self,
        *,
        now: float,
        spec_replicas: int,
        status_replicas: int,
        ready_replicas: int,
        proposals: list[int] | None,
    ) -> HpaDecision:
        """One reconcile: the replicas the HPA writes (``spec_replicas`` when it writes none).

        ``proposals`` are the per-trigger ``metric_proposal`` values; None when the metrics
        could not be read (the HPA then leaves the scale alone).
        """
        if spec_replicas == 0:
            return HpaDecision(None, None, 0, "scaling is disabled while replicas are 0")
        if spec_replicas > self.max_replicas:
            desired, reason, raw, stabilized = self.max_replicas, "above max", None, None
        elif spec_replicas < self.min_replicas:
            desired, reason, raw, stabilized = self.min_replicas, "below min", None, None
        elif not proposals:
            return HpaDecision(None, None, spec_replicas, "metrics unavailable")
        else:
            raw = max(proposals)
            stabilized = self._stabilize(now, spec_replicas, raw)
            desired, reason = self._rate_limit(now, spec_replicas, stabilized)
        if desired != spec_replicas:
            self._store_event(now, spec_replicas, desired)
        return HpaDecision(raw, stabilized, desired, reason)

    def _stabilize(self, now: float, current: int, raw: int) -> int:
        """stabilizeRecommendationWithBehaviors: rise to the lowest recent recommendation
        (scale-up window), fall only to the highest (scale-down window)."""
        up_cutoff = now - self.behavior.scale_up.stabilization_window_seconds
        down_cutoff = now - self.behavior.scale_down.stabilization_window_seconds
        up_rec = raw
        down_rec = raw
        for rec in self.recommendations:
            if rec.at > up_cutoff:
                up_rec = min(rec.value, up_rec)
            if rec.at > down_cutoff:
                down_rec = max(rec.value, down_rec)
        recommendation = current
        if recommendation < up_rec:
            recommendation = up_rec
        if recommendation > down_rec:
            recommendation = down_rec
        # Keep only samples some window still looks at, then record this one.
        oldest = min(up_cutoff, down_cutoff)
        self.recommendations = [r for r in self.recommendations if r.at >= oldest]
        self.recommendations.append(Sample(now, raw))
        return recommendation

    def _rate_limit(self, now: float, current: int, desired: int) -> tuple[int, str]:
        """convertDesiredReplicasWithBehaviorRate."""
        if desired > current:
            limit = scale_up_limit(
                current, self.up_events, self.down_events, self.behavior.scale_up, now
            )
            limit = max(limit, current)
            allowed = min(self.max_replicas, limit)
            if desired > allowed:
                return allowed, "scale-up limited"
        elif desired < current:
            limit = scale_down_limit(
                current, self.up_events, self.down_events, self.behavior.scale_down, now
            )
            limit = min(limit, current)
            allowed = max(self.min_replicas, limit)
            if desired < allowed:
                return allowed, "scale-down limited"
        return desired, "within range"

    def _store_event(self, now: float, current: int, desired: int) -> None:
        longest = max(
            (
                p.period_seconds
                for r in (self.behavior.scale_up, self.behavior.scale_down)
                for p in r.policies
            ),
            default=0.0,
        )
        self.up_events = [e for e in self.up_events if e.at > now - longest]
        self.down_events = [e for e in self.down_events if e.at > now - longest]
        if desired > current:
            self.up_events.append(Sample(now, desired - current))
        else:
            self.down_events.append(Sample(now, current - desired))


# ---- KEDA's operator loop (scale_scaledobjects.go) ------------------------------------


@dataclass
class KedaDecision:
    active: bool
    replicas: int  # what the scale target should have after this poll
    reason: str


@dataclass
class Keda:
    """KEDA's part: activation, 0 → max(min, 1), and back to zero after the cooldown."""

    min_replicas: int
    cooldown_period: float
    created_at: float
    initial_cooldown_period: float = 0.0
    idle_replicas: int | None = None
    last_active_at: float | None = None

    def poll(
        self, *, now: float, replicas: int, metrics: list[float] | None, activations: list[float]
    ) -> KedaDecision:
        """``metrics`` per trigger (None: a scaler error), with each trigger's activation."""
        if metrics is None:
            return KedaDecision(False, replicas, "scaler error: replicas kept")
        active = any(m > a for m, a in zip(metrics, activations, strict=True))
        idle = self.idle_replicas
        if active:
            self.last_active_at = now
            if replicas == 0 or (idle is not None and replicas < self.min_replicas):
                return KedaDecision(True, max(self.min_replicas, 1), "activated")
            return KedaDecision(True, replicas, "active: the HPA scales")
        if (self.min_replicas == 0 and replicas > 0) or (idle is not None and replicas > idle):
            if self.last_active_at is not None:
                cooled = now > self.last_active_at + self.cooldown_period
            else:
                cooled = now > self.created_at + self.initial_cooldown_period
            if cooled:
                target = idle if idle is not None else 0
                return KedaDecision(False, target, "cooldown over: scaled to zero")
            return KedaDecision(False, replicas, "inactive, cooling down")
        if replicas < self.min_replicas:
            return KedaDecision(False, self.min_replicas, "below min")
        return KedaDecision(False, replicas, "inactive")
