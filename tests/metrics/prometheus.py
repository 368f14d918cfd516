"""A real Prometheus (Debian's ``prometheus`` package) scraping real conveyor processes.

Under ``CI=true`` a missing binary is installed with apt-get; elsewhere the tests that need
it are skipped with the command to run.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests import shared_services as services
from tests.procs import Proc, free_port, wait_until

NAMESPACE = "conveyor-test"


def prometheus_binary() -> str:
    """The path of ``prometheus``; installs it under CI=true, skips the test elsewhere."""
    found = shutil.which("prometheus")
    if found:
        return found
    if services.IN_CI:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "prometheus"],
            check=True,
            capture_output=True,
            timeout=600,
        )
        found = shutil.which("prometheus")
        if found:
            return found
        pytest.fail("CI=true and apt-get installed no prometheus binary", pytrace=False)
    pytest.skip("prometheus is not installed (apt-get install -y prometheus)")


@dataclass(frozen=True)
class Target:
    job: str
    address: str  # host:port
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Prometheus:
    url: str
    proc: Proc
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))

    def query(self, promql: str) -> list[dict[str, Any]]:
        """An instant query through the HTTP API: the result vector."""
        response = self.http.get(f"{self.url}/api/v1/query", params={"query": promql})
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        assert body["data"]["resultType"] == "vector", body
        return list(body["data"]["result"])

    def value(self, promql: str) -> float | None:
        """The single value of ``promql``; None when the vector is empty."""
        result = self.query(promql)
        if not result:
            return None
        assert len(result) == 1, result
        return float(result[0]["value"][1])

    def wait_value(self, promql: str, expected: float, timeout: float = 30) -> float:
        """Wait until ``promql`` evaluates to ``expected``; fails with the last value seen."""
        seen: list[float | None] = []

        def check() -> bool:
            seen.append(self.value(promql))
            return seen[-1] == expected

        try:
            wait_until(check, timeout=timeout, interval=0.25, message=f"{promql} == {expected}")
        except TimeoutError as exc:
            raise AssertionError(f"{exc}; last value {seen[-1:]}") from None
        return expected

    def targets_up(self) -> bool:
        response = self.http.get(f"{self.url}/api/v1/targets")
        active = response.json()["data"]["activeTargets"]
        return bool(active) and all(t["health"] == "up" for t in active)


def scrape_config(targets: Sequence[Target], rule_files: Sequence[Path] = ()) -> dict[str, Any]:
    jobs: dict[str, list[Target]] = {}
    for target in targets:
        jobs.setdefault(target.job, []).append(target)
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(p) for p in rule_files],
        "scrape_configs": [
            {
                "job_name": job,
                "scrape_interval": "1s",
                "static_configs": [
                    # Each target gets the namespace label kubernetes_sd relabelling would add.
                    {"targets": [t.address], "labels": {"namespace": NAMESPACE, **t.labels}}
                    for t in members
                ],
            }
            for job, members in jobs.items()
        ],
    }


@contextmanager
def running_prometheus(
    targets: Sequence[Target], rule_files: Sequence[Path] = ()
) -> Iterator[Prometheus]:
    binary = prometheus_binary()
    work = Path(tempfile.mkdtemp(prefix="conveyor-prometheus-"))
    config = work / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(targets, rule_files)))
    port = free_port()
    proc = Proc(
        "prometheus",
        [
            binary,
            f"--config.file={config}",
            f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={work / 'data'}",
            "--storage.tsdb.retention.time=1h",
            "--log.level=warn",
        ],
        {"PATH": "/usr/bin:/bin"},
        work / "prometheus.log",
    ).start()
    prometheus = Prometheus(url=f"http://127.0.0.1:{port}", proc=proc)
    try:
        wait_until(
            lambda: prometheus.http.get(f"{prometheus.url}/-/ready").status_code == 200,
            timeout=60,
            message="Prometheus to be ready",
        )
        wait_until(prometheus.targets_up, timeout=60, message="every scrape target to be up")
        yield prometheus
    finally:
        proc.stop(timeout=20)
        prometheus.http.close()
        shutil.rmtree(work, ignore_errors=True)
