"""config.logFormat (LOG_FORMAT) and otel.* (OTEL_*: traces, off by default), each both
ways; with traces on, the api and workers may reach the OTLP receiver through their
NetworkPolicies, and no other pod gains egress."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.conftest import Render
from tests.chart.objects import find
from tools.helm import Obj

ENDPOINT = "http://otel-collector.monitoring:4318"


def config_data(objects: list[Obj]) -> dict[str, str]:
    (config,) = [c for c in find(objects, "ConfigMap") if "LOG_LEVEL" in c.get("data", {})]
    data: dict[str, str] = config["data"]
    return data


def egress_ports(objects: list[Obj], component: str) -> list[list[Any]]:
    """The egress rules (their ``to`` peers) of the NetworkPolicy of ``component``, by port."""
    rules = []
    for policy in find(objects, "NetworkPolicy"):
        selector = policy["spec"]["podSelector"]["matchLabels"]
        if selector.get("app.kubernetes.io/component") != component:
            continue
        for rule in policy["spec"].get("egress", []):
            if any(port.get("port") == 4318 for port in rule.get("ports", [])):
                rules.append(rule.get("to", []))
    return rules


def test_logs_are_text_and_traces_off_by_default(render: Render) -> None:
    objects = render()

    data = config_data(objects)
    assert data["LOG_FORMAT"] == "text"
    assert not [name for name in data if name.startswith("OTEL_")]
    assert egress_ports(objects, "api") == []


def test_log_format_json(render: Render) -> None:
    assert config_data(render({"config": {"logFormat": "json"}}))["LOG_FORMAT"] == "json"


def test_log_format_refuses_what_the_api_would_refuse(render: Render) -> None:
    import helm_python

    with pytest.raises(helm_python.HelmValuesError):
        render({"config": {"logFormat": "xml"}})


def test_an_otel_endpoint_turns_traces_on(render: Render) -> None:
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
    objects = render(
        {
            "otel": {
                "endpoint": ENDPOINT,
                "sampler": "parentbased_traceidratio",
                "samplerArg": "0.25",
                "resourceAttributes": {"deployment.environment": "prod", "team": "jobs"},
                "egressTo": [peer],
            }
        }
    )

    data = config_data(objects)
    assert data["OTEL_EXPORTER_OTLP_ENDPOINT"] == ENDPOINT
    assert data["OTEL_TRACES_EXPORTER"] == "otlp"
    assert data["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert data["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert data["OTEL_TRACES_SAMPLER_ARG"] == "0.25"
    assert data["OTEL_RESOURCE_ATTRIBUTES"] == "deployment.environment=prod,team=jobs"
    # the exporting pods reach the receiver's port on the peers named; beat exports nothing
    assert egress_ports(objects, "api") == [[peer]]
    assert egress_ports(objects, "worker") == [[peer]]
    assert egress_ports(objects, "beat") == []


def test_an_endpoint_without_a_port_uses_its_schemes(render: Render) -> None:
    objects = render({"otel": {"endpoint": "https://otlp.example.com"}})

    (policy,) = [
        p
        for p in find(objects, "NetworkPolicy")
        if p["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == "api"
    ]
    assert {"ports": [{"port": 443, "protocol": "TCP"}]} in policy["spec"]["egress"]


@pytest.mark.parametrize("endpoint", ["otel-collector:4318", "http://", "http://a b"])
def test_a_malformed_endpoint_is_refused(render: Render, endpoint: str) -> None:
    import helm_python

    with pytest.raises(helm_python.HelmValuesError):
        render({"otel": {"endpoint": endpoint}})


def test_otlp_headers_come_from_a_secret(render: Render) -> None:
    objects = render({"otel": {"endpoint": ENDPOINT, "headersSecret": "otel-token"}})

    for component in ("api", "worker"):
        (deployment,) = [
            d
            for d in find(objects, "Deployment")
            if d["metadata"]["labels"]["app.kubernetes.io/component"] == component
        ]
        (container,) = [
            c
            for c in deployment["spec"]["template"]["spec"]["containers"]
            if c["name"] == component
        ]
        (header,) = [e for e in container["env"] if e["name"] == "OTEL_EXPORTER_OTLP_HEADERS"]
        assert header["valueFrom"]["secretKeyRef"] == {"name": "otel-token", "key": "headers"}
    # never in the ConfigMap
    assert "OTEL_EXPORTER_OTLP_HEADERS" not in config_data(objects)
    # and without an endpoint, nothing
    plain = render({"otel": {"headersSecret": "otel-token"}})
    assert "OTEL_EXPORTER_OTLP_HEADERS" not in str(find(plain, "Deployment"))
