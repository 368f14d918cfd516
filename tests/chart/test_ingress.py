"""The Ingress routes the v1 resources; the admin, the dashboard, the API docs and /metrics
only when asked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find
from tools.helm import Obj

INGRESS = {
    "api": {"ingress": {"enabled": True, "host": "jobs.example.com", "tlsSecret": "jobs-tls"}}
}
JOB = "0b8f6a3e-3f4e-4c1c-9a57-0c8f0f0e1b2a"
# what each expose* value adds (a request path each)
EXPOSED = {
    "exposeDocs": ["/v1/docs", "/v1/schema", "/static/drf_spectacular_sidecar/swagger-ui.css"],
    "exposeAdmin": ["/admin/", "/admin/jobs/job/", "/static/admin/css/base.css"],
    "exposeDashboard": ["/dashboard/", "/dashboard/jobs/", "/static/dashboard/dashboard.js"],
}
NEVER = ["/healthz", "/readyz", "/", "/v1", "/v1/docsx", "/metricsx", "/metrics"]


def ingress(render: Render, **expose: Any) -> Obj:
    values: dict[str, Any] = {"api": {"ingress": {**INGRESS["api"]["ingress"], **expose}}}
    (found,) = find(render(values), "Ingress")
    return found


def routed(ingress: Obj, path: str) -> bool:
    """Whether the Ingress sends a request for ``path`` to the API (Kubernetes' rules: Exact
    is the whole path; Prefix matches whole path segments)."""
    for rule in ingress["spec"]["rules"]:
        for entry in rule["http"]["paths"]:
            prefix, kind = entry["path"], entry["pathType"]
            if kind == "Exact" and path == prefix:
                return True
            if kind == "Prefix":
                segments = [s for s in prefix.split("/") if s]
                if [s for s in path.split("/") if s][: len(segments)] == segments:
                    return True
            if kind not in {"Exact", "Prefix"}:
                raise AssertionError(f"pathType {kind} has no defined matching")
    return False


def v1_resource_paths() -> list[str]:
    """A request path for every route of the API's URLconf under /v1, but docs and schema."""
    from django.urls import URLPattern, URLResolver, get_resolver

    examples = {
        "<uuid:job_id>": JOB,
        "<uuid:schedule_id>": JOB,
        "<uuid:workflow_id>": JOB,
        "<str:name>": "default",
    }
    paths: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("v1/"):
                for placeholder, example in examples.items():
                    route = route.replace(placeholder, example)
                assert "<" not in route, f"no example value for {route}"
                paths.append("/" + route)

    walk(get_resolver().url_patterns, "")
    return [p for p in paths if p not in {"/v1/docs", "/v1/schema"}]


def test_every_v1_resource_is_routed(render: Render) -> None:
    resources = v1_resource_paths()
    assert "/v1/jobs" in resources
    assert f"/v1/jobs/{JOB}/cancel" in resources
    default = ingress(render)
    for path in resources:
        assert routed(default, path), path


def test_admin_docs_and_metrics_are_not_routed_by_default(render: Render) -> None:
    default = ingress(render)
    for path in [p for paths in EXPOSED.values() for p in paths] + NEVER:
        assert not routed(default, path), path


@pytest.mark.parametrize("flag", list(EXPOSED))
def test_each_expose_value_routes_its_paths_only(render: Render, flag: str) -> None:
    on = ingress(render, **{flag: True})
    for path in EXPOSED[flag]:
        assert routed(on, path), (flag, path)
    others = [p for f, paths in EXPOSED.items() if f != flag for p in paths]
    for path in [p for p in others if not p.startswith("/static/")] + NEVER:
        assert not routed(on, path), (flag, path)
    assert not routed(ingress(render, **{flag: False}), EXPOSED[flag][0])


def test_paths_replace_the_v1_resources_and_expose_values_still_add(render: Render) -> None:
    # given only the jobs routed from outside, and the docs asked for
    only_jobs = ingress(render, paths=["/v1/jobs"], exposeDocs=True)
    # then jobs and the docs are routed, the other v1 resources and the rest are not
    assert routed(only_jobs, f"/v1/jobs/{JOB}/cancel")
    assert routed(only_jobs, "/v1/docs")
    for path in ["/v1/queues/default/metrics", "/v1/schedules", "/admin/", "/metrics", *NEVER]:
        assert not routed(only_jobs, path), path


@pytest.mark.parametrize("path", ["/", "/healthz", "/readyz/"])
def test_paths_never_route_the_health_checks(render: Render, path: str) -> None:
    with pytest.raises(Exception, match=r"api.ingress.paths must not route .*health checks"):
        ingress(render, paths=["/v1/jobs", path])


def test_the_class_name_is_passed_when_set(render: Render) -> None:
    assert ingress(render, className="nginx")["spec"]["ingressClassName"] == "nginx"
    assert "ingressClassName" not in ingress(render)["spec"]
