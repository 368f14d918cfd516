"""KEDA's and the HPA's arithmetic, against the worked example in keda-scaling.md."""

from __future__ import annotations

import math

import pytest

from tools.autoscale import scaledobject
from tools.autoscale.chart import fixture_path
from tools.autoscale.rules import (
    Behavior,
    Hpa,
    Keda,
    Policy,
    Sample,
    ScalingRules,
    metric_proposal,
    scale_down_limit,
    scale_up_limit,
)

DEFAULT = Behavior()


def proposal(metric: float, target: float = 1, replicas: int = 1, kind: str = "AverageValue"):
    return metric_proposal(
        metric=metric,
        target=target,
        metric_type=kind,
        spec_replicas=replicas,
        status_replicas=replicas,
        ready_replicas=replicas,
        behavior=DEFAULT,
    )


class TestWorkedExample:
    """Concurrency 16, targetQueryValue 1, poll 5 s, cooldown 30 s, 100 tasks from idle."""

    def test_from_idle_to_seven_then_back_to_zero(self) -> None:
        # given: KEDA and its HPA for min 0, max 10, default behavior
        keda = Keda(min_replicas=0, cooldown_period=30, created_at=0)
        hpa = Hpa(min_replicas=1, max_replicas=10, behavior=DEFAULT)
        query = math.ceil(100 / 16)
        assert query == 7

        # when KEDA's first poll sees the query
        decision = keda.poll(now=5, replicas=0, metrics=[query], activations=[0])
        # then it activates the target: 0 -> 1 (its own write, not an HPA event)
        assert decision.active
        assert decision.replicas == 1

        # when the next HPA sync proposes ceil(7/1) = 7
        first = hpa.sync(
            now=10,
            spec_replicas=1,
            status_replicas=1,
            ready_replicas=1,
            proposals=[proposal(query, replicas=1)],
        )
        # then the scale-up limit max(1+4, 2) = 5 caps it
        assert first.raw == 7
        assert first.desired == 5

        # while that +4 event is inside the 15 s period, the limit stays 5
        held = hpa.sync(
            now=24,
            spec_replicas=5,
            status_replicas=5,
            ready_replicas=5,
            proposals=[proposal(query, replicas=5)],
        )
        assert held.desired == 5

        # once it is older than 15 s, the limit is max(5+4, 10) = 10 >= 7
        grown = hpa.sync(
            now=25.5,
            spec_replicas=5,
            status_replicas=5,
            ready_replicas=5,
            proposals=[proposal(query, replicas=5)],
        )
        assert grown.desired == 7

        # as tasks finish, scale-down takes the highest recommendation of the last 300 s
        falling = hpa.sync(
            now=100,
            spec_replicas=7,
            status_replicas=7,
            ready_replicas=7,
            proposals=[proposal(2, replicas=7)],
        )
        assert falling.desired == 7
        after_window = hpa.sync(
            now=400,
            spec_replicas=7,
            status_replicas=7,
            ready_replicas=7,
            proposals=[proposal(2, replicas=7)],
        )
        assert after_window.desired == 2

        # when queued+running is 0, KEDA waits the 30 s cooldown, then writes 0
        keda.poll(now=500, replicas=2, metrics=[1], activations=[0])
        assert keda.poll(now=505, replicas=2, metrics=[0], activations=[0]).replicas == 2
        assert keda.poll(now=530, replicas=2, metrics=[0], activations=[0]).replicas == 2
        assert keda.poll(now=530.5, replicas=2, metrics=[0], activations=[0]).replicas == 0


class TestProposal:
    def test_average_value_is_ceil_of_metric_over_target(self) -> None:
        assert proposal(100, target=4, replicas=1) == 25

    def test_within_the_tolerance_keeps_the_status_replicas(self) -> None:
        # ratio 43 / (4 * 10) = 1.075: inside 10 %
        assert proposal(43, target=4, replicas=10) == 10
        # ratio 45 / 40 = 1.125: outside
        assert proposal(45, target=4, replicas=10) == 12

    def test_per_direction_tolerance(self) -> None:
        loose = Behavior(
            scale_up=ScalingRules(0, policies=DEFAULT.scale_up.policies, tolerance=0.5),
            scale_down=DEFAULT.scale_down,
        )
        got = metric_proposal(
            metric=56,
            target=4,
            metric_type="AverageValue",
            spec_replicas=10,
            status_replicas=10,
            ready_replicas=10,
            behavior=loose,
        )
        assert got == 10

    def test_zero_metric_from_zero_replicas(self) -> None:
        assert proposal(0, target=4, replicas=0) == 0

    def test_value_metric(self) -> None:
        # from zero: ceil(ratio)
        assert proposal(9, target=4, replicas=0, kind="Value") == 3
        # else ceil(ratio * ready)
        assert proposal(9, target=4, replicas=2, kind="Value") == 5
        # within tolerance: keep R
        assert proposal(4.2, target=4, replicas=3, kind="Value") == 3


class TestRateLimits:
    def test_scale_up_pods_and_percent_policies_select_max(self) -> None:
        rules = DEFAULT.scale_up
        assert scale_up_limit(1, [], [], rules, now=0) == 5
        assert scale_up_limit(10, [], [], rules, now=0) == 20
        # 4 added 10 s ago: the period started at 6
        assert scale_up_limit(10, [Sample(-10, 4)], [], rules, now=0) == 12

    def test_select_min_and_disabled(self) -> None:
        policies = (Policy("Pods", 4, 15), Policy("Percent", 100, 15))
        assert scale_up_limit(10, [], [], ScalingRules(0, "Min", policies), now=0) == 14
        assert scale_up_limit(10, [], [], ScalingRules(0, "Disabled", policies), now=0) == 10

    def test_scale_down_percent_truncates(self) -> None:
        rules = ScalingRules(0, policies=(Policy("Percent", 50, 60),))
        assert scale_down_limit(5, [], [], rules, now=0) == 2  # int(5 * 0.5)
        # default 100 %: unlimited
        assert scale_down_limit(7, [], [], DEFAULT.scale_down, now=0) == 0

    def test_scale_down_pods_policy_limits_the_hpa(self) -> None:
        behavior = Behavior(
            scale_up=DEFAULT.scale_up,
            scale_down=ScalingRules(0, policies=(Policy("Pods", 1, 30),)),
        )
        hpa = Hpa(min_replicas=1, max_replicas=10, behavior=behavior)
        step = hpa.sync(now=0, spec_replicas=6, status_replicas=6, ready_replicas=6, proposals=[1])
        assert step.desired == 5
        again = hpa.sync(
            now=10, spec_replicas=5, status_replicas=5, ready_replicas=5, proposals=[1]
        )
        assert again.desired == 5  # one pod per 30 s
        later = hpa.sync(
            now=31, spec_replicas=5, status_replicas=5, ready_replicas=5, proposals=[1]
        )
        assert later.desired == 4


class TestHpaBounds:
    def test_disabled_at_zero(self) -> None:
        hpa = Hpa(min_replicas=1, max_replicas=10)
        assert (
            hpa.sync(
                now=0, spec_replicas=0, status_replicas=0, ready_replicas=0, proposals=[9]
            ).desired
            == 0
        )

    def test_never_below_one_nor_above_max(self) -> None:
        hpa = Hpa(
            min_replicas=1,
            max_replicas=3,
            behavior=Behavior(
                scale_up=DEFAULT.scale_up,
                scale_down=ScalingRules(0, policies=DEFAULT.scale_down.policies),
            ),
        )
        assert (
            hpa.sync(
                now=0, spec_replicas=2, status_replicas=2, ready_replicas=2, proposals=[0]
            ).desired
            == 1
        )
        assert (
            hpa.sync(
                now=100, spec_replicas=2, status_replicas=2, ready_replicas=2, proposals=[50]
            ).desired
            == 3
        )

    def test_scale_up_stabilization_window_takes_the_lowest(self) -> None:
        behavior = Behavior(
            scale_up=ScalingRules(30, policies=DEFAULT.scale_up.policies),
            scale_down=DEFAULT.scale_down,
        )
        hpa = Hpa(min_replicas=1, max_replicas=10, behavior=behavior)
        hpa.sync(now=0, spec_replicas=2, status_replicas=2, ready_replicas=2, proposals=[2])
        # a spike to 6 within 30 s of a recommendation of 2 does not scale up yet
        assert (
            hpa.sync(
                now=10, spec_replicas=2, status_replicas=2, ready_replicas=2, proposals=[6]
            ).desired
            == 2
        )
        assert (
            hpa.sync(
                now=31, spec_replicas=2, status_replicas=2, ready_replicas=2, proposals=[6]
            ).desired
            == 6
        )


class TestKeda:
    def test_activation_is_strictly_greater(self) -> None:
        keda = Keda(min_replicas=0, cooldown_period=10, created_at=0)
        assert keda.poll(now=1, replicas=0, metrics=[2], activations=[2]).replicas == 0
        assert keda.poll(now=2, replicas=0, metrics=[2.5], activations=[2]).replicas == 1

    def test_min_above_zero_is_restored_and_never_cooled_to_zero(self) -> None:
        keda = Keda(min_replicas=2, cooldown_period=10, created_at=0)
        assert keda.poll(now=1, replicas=0, metrics=[5], activations=[0]).replicas == 2
        assert keda.poll(now=100, replicas=2, metrics=[0], activations=[0]).replicas == 2
        assert keda.poll(now=101, replicas=1, metrics=[0], activations=[0]).replicas == 2

    def test_initial_cooldown_when_never_active(self) -> None:
        keda = Keda(min_replicas=0, cooldown_period=10, created_at=0, initial_cooldown_period=20)
        assert keda.poll(now=15, replicas=3, metrics=[0], activations=[0]).replicas == 3
        assert keda.poll(now=21, replicas=3, metrics=[0], activations=[0]).replicas == 0

    def test_scaler_error_keeps_the_replicas(self) -> None:
        keda = Keda(min_replicas=0, cooldown_period=0, created_at=0)
        assert keda.poll(now=100, replicas=3, metrics=None, activations=[0]).replicas == 3


@pytest.mark.parametrize("trigger", ["prometheus", "metrics-api"])
def test_the_charts_scaledobject_is_read_with_defaults(trigger: str) -> None:
    scaled = scaledobject.load(fixture_path(trigger), name="conveyor-worker-burst")
    assert (scaled.min_replicas, scaled.max_replicas) == (0, 6)
    assert (scaled.polling_interval, scaled.cooldown_period) == (1, 10)
    assert scaled.hpa_min_replicas == 1
    # the chart sets the scale-down window; the rest is the HPA's defaults
    assert scaled.behavior.scale_down.stabilization_window_seconds == 10
    assert scaled.behavior.scale_down.policies == (Policy("Percent", 100, 15),)
    assert scaled.behavior.scale_up == DEFAULT.scale_up
    (only,) = scaled.triggers
    assert (only.type, only.target, only.activation, only.metric_type) == (
        trigger,
        4,
        0,
        "AverageValue",
    )
    if trigger == "prometheus":
        assert only.metadata["query"] == (
            'sum(max by (queue) (conveyor_queue_backlog{namespace="conveyor-test",queue=~"burst"}))'
        )
    else:
        assert only.metadata["valueLocation"] == "backlog"
        assert only.url.endswith("/v1/queues/burst/metrics")
