"""The chart tests' one way in: ``render(values) -> objects`` through Helm's real engine.

A missing tool (helm-python-sdk, kubernetes-validate, checkov, hadolint) skips the tests
that need it with a one-line reason, except under ``CI=true``, where it fails them.

The chart has no default image (none is published), so every render here gets
``TEST_IMAGE`` unless its values name an ``image.repository`` themselves (an empty one
included: tests/chart/test_image.py renders without one).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.shared_services import IN_CI
from tools import helm

Render = Callable[..., list[helm.Obj]]
# Where the chart tests' image lives (the chart itself has no default).
TEST_IMAGE = "registry.example.com/conveyor"


def with_image(values: dict[str, Any] | None = None) -> dict[str, Any]:
    """``values`` with image.repository set to ``TEST_IMAGE`` unless they set it."""
    values = dict(values or {})
    image = dict(values.get("image") or {})
    image.setdefault("repository", TEST_IMAGE)
    values["image"] = image
    return values


def require_tool(available: bool, what: str) -> None:
    if available:
        return
    message = f"{what} is not installed (pip install -e '.[dev]')"
    if IN_CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


def checkov_binary() -> str | None:
    """checkov pins packaging<24, which pytest 9 cannot share: it lives in its own venv."""
    configured = os.environ.get("CHECKOV")
    candidates = [
        configured,
        str(Path.home() / ".cache" / "conveyor-tools" / "checkov" / "bin" / "checkov"),
        shutil.which("checkov"),
    ]
    return next((c for c in candidates if c and Path(c).is_file()), None)


@pytest.fixture(scope="session")
def render() -> Render:
    require_tool(importlib.util.find_spec("helm_python") is not None, "helm-python-sdk")

    def _render(values: dict[str, Any] | None = None, **kwargs: Any) -> list[helm.Obj]:
        # A cluster with KEDA and prometheus-operator, as most tests model; a test of a
        # bare cluster passes api_versions=() (tests/chart/test_capabilities.py).
        kwargs.setdefault("api_versions", helm.CRD_APIS)
        return helm.render(with_image(values), **kwargs)

    return _render
