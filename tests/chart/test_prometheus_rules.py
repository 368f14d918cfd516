"""The PrometheusRule the chart renders is checked and run by Prometheus' own promtool.

`promtool check rules` validates the rendered groups; `promtool test rules` feeds them
series (this release's namespace and another one) and asserts which alerts fire, with
which labels and annotations, and that they stay quiet otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import Render, require_tool
from tests.chart.objects import find

NAMESPACE = "jobs"  # not the chart's default, so a hard-coded namespace would show
OTHER = "elsewhere"


def series(name: str, values: str, **labels: str) -> dict[str, str]:
    selector = ",".join(f'{k}="{v}"' for k, v in {"namespace": NAMESPACE, **labels}.items())
    return {"series": f"{name}{{{selector}}}", "values": values}


def alert(labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {"exp_labels": {"namespace": NAMESPACE, **labels}, "exp_annotations": annotations}


OLDEST: dict[str, Any] = {
    "interval": "1m",
    "input_series": [
        series("conveyor_queue_oldest_waiting_seconds", "700x20", queue="slow", instance="a"),
        series("conveyor_queue_oldest_waiting_seconds", "700x20", queue="slow", instance="b"),
        series("conveyor_queue_oldest_waiting_seconds", "100x20", queue="fast", instance="a"),
        series("conveyor_queue_oldest_waiting_seconds", "900x20", namespace=OTHER, queue="slow"),
    ],
    "alert_rule_test": [
        {"eval_time": "4m", "alertname": "ConveyorQueueOldestWaitingTooOld", "exp_alerts": []},
        {
            "eval_time": "10m",
            "alertname": "ConveyorQueueOldestWaitingTooOld",
            "exp_alerts": [
                alert(
                    {"severity": "warning", "queue": "slow"},
                    {
                        "summary": "A job has waited more than 10 minutes in a conveyor queue.",
                        "description": (
                            f"The oldest queued job of queue slow in {NAMESPACE} has waited "
                            "11m 40s: its pool is at its maximum replicas, cannot start pods, "
                            "or is too slow for the load."
                        ),
                    },
                )
            ],
        },
    ],
}
NOT_CONSUMED: dict[str, Any] = {
    "interval": "1m",
    "input_series": [
        series("conveyor_queue_waiting", "5x40", queue="stuck"),
        series("conveyor_jobs_started_total", "3x40", queue="stuck", instance="w"),
        series("conveyor_queue_waiting", "5x40", queue="busy"),
        series("conveyor_jobs_started_total", "0+10x40", queue="busy", instance="w"),
        series("conveyor_queue_waiting", "0x40", queue="empty"),
        series("conveyor_queue_waiting", "5x40", namespace=OTHER, queue="stuck"),
    ],
    "alert_rule_test": [
        {"eval_time": "8m", "alertname": "ConveyorQueueNotConsumed", "exp_alerts": []},
        {
            "eval_time": "20m",
            "alertname": "ConveyorQueueNotConsumed",
            "exp_alerts": [
                alert(
                    {"severity": "critical", "queue": "stuck"},
                    {
                        "summary": "No worker consumes a conveyor queue that has jobs waiting.",
                        "description": (
                            f"Queue stuck in {NAMESPACE} has 5 job(s) waiting and no worker "
                            "started one in 5 minutes. Check that a pool lists the queue, that "
                            "its ScaledObject is active, and the workers' logs."
                        ),
                    },
                )
            ],
        },
    ],
}
FINISHED = "conveyor_jobs_finished_total"
FAILURES: dict[str, Any] = {
    "interval": "1m",
    "input_series": [
        # half of 10 jobs a minute fail: fires
        series(FINISHED, "0+5x60", queue="q", type="t", state="failed"),
        series(FINISHED, "0+5x60", queue="q", type="t", state="succeeded"),
        # none fail: quiet
        series(FINISHED, "0x60", queue="ok", type="t", state="failed"),
        series(FINISHED, "0+10x60", queue="ok", type="t", state="succeeded"),
        # all fail, but fewer than 10 ended in 15 minutes: quiet
        series(FINISHED, "0+0.2x60", queue="quiet", type="t", state="failed"),
        # another release's failures: quiet
        series(FINISHED, "0+5x60", namespace=OTHER, queue="q", type="t", state="failed"),
    ],
    "alert_rule_test": [
        {"eval_time": "5m", "alertname": "ConveyorJobFailureRatioHigh", "exp_alerts": []},
        {
            "eval_time": "30m",
            "alertname": "ConveyorJobFailureRatioHigh",
            "exp_alerts": [
                alert(
                    {"severity": "warning", "queue": "q", "type": "t"},
                    {
                        "summary": "Many conveyor jobs fail.",
                        "description": (
                            f"50% of the t jobs on queue q in {NAMESPACE} that ended in the "
                            "last 15 minutes failed. See their errors with "
                            "GET /v1/jobs?state=failed."
                        ),
                    },
                )
            ],
        },
    ],
}
LOST: dict[str, Any] = {
    "interval": "1m",
    "input_series": [
        series("conveyor_job_attempts_total", "0 0 0 0 0 1 1 1 1 1", queue="q", outcome="lost"),
        series("conveyor_job_attempts_total", "0+10x10", queue="q", outcome="succeeded"),
        series("conveyor_job_attempts_total", "0+1x10", namespace=OTHER, queue="q", outcome="lost"),
    ],
    "alert_rule_test": [
        {"eval_time": "3m", "alertname": "ConveyorAttemptsLost", "exp_alerts": []},
        {
            "eval_time": "9m",
            "alertname": "ConveyorAttemptsLost",
            "exp_alerts": [
                alert(
                    {"severity": "info", "queue": "q"},
                    {
                        "summary": "conveyor attempts lost their lease.",
                        "description": (
                            f"1 attempt(s) on queue q in {NAMESPACE} lost their "
                            "lease in 15 minutes; their jobs ran again."
                        ),
                    },
                )
            ],
        },
    ],
}


def promtool() -> str:
    binary = shutil.which("promtool")
    require_tool(binary is not None, "promtool (apt-get install prometheus)")
    assert binary
    return binary


@pytest.fixture(scope="module")
def rule_file(render: Render, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered PrometheusRule's groups, as a Prometheus rule file."""
    objects = render({"monitoring": {"prometheusRule": {"enabled": True}}}, namespace=NAMESPACE)
    (rule,) = find(objects, "PrometheusRule")
    path = tmp_path_factory.mktemp("rules") / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_rendered_rules_carry_no_template_left(rule_file: Path) -> None:
    text = rule_file.read_text()
    assert "{{ ." not in text, "a Helm template reached the rules unrendered"
    assert "{{`" not in text
    assert f'namespace=\\"{NAMESPACE}\\"' in text or f'namespace="{NAMESPACE}"' in text


def test_promtool_check_rules(rule_file: Path) -> None:
    result = run("check", "rules", rule_file.name, cwd=rule_file.parent)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_promtool_test(rule_file: Path) -> None:
    groups = yaml.safe_load(rule_file.read_text())["groups"]
    alerts = {r["alert"] for g in groups for r in g["rules"] if "alert" in r}
    tested = {
        t["alertname"]
        for case in (OLDEST, NOT_CONSUMED, FAILURES, LOST)
        for t in case["alert_rule_test"]
    }
    assert alerts == tested


@pytest.mark.parametrize(
    "case",
    [OLDEST, NOT_CONSUMED, FAILURES, LOST],
    ids=["oldest-waiting", "not-consumed", "failure-ratio", "attempts-lost"],
)
def test_promtool_test_rules(rule_file: Path, case: dict[str, Any], tmp_path: Path) -> None:
    shutil.copy(rule_file, tmp_path / "rules.yml")
    spec = {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": [case]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(spec, sort_keys=False))
    result = run("test", "rules", "test.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
