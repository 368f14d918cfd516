"""The install notes: commands a reader can paste, in order, with or without an ingress."""

from __future__ import annotations

import yaml

from tests.chart.conftest import with_image
from tools import helm


def notes(values: dict[str, object] | None = None) -> str:
    return helm.render_text(with_image(values), api_versions=helm.CRD_APIS)[
        "conveyor/templates/NOTES.txt"
    ]


def test_the_notes_set_the_key_and_the_address_they_then_use() -> None:
    text = notes()

    assert "KEY=$(kubectl" in text
    assert "CONVEYOR=http://localhost:8000" in text
    assert "$CONVEYOR/v1/jobs" in text
    assert "localhost:8000/v1/jobs" not in text


def test_with_an_ingress_the_notes_use_its_host() -> None:
    ingress = {"enabled": True, "host": "jobs.example.com", "tlsSecret": "jobs-tls"}

    text = notes({"api": {"ingress": ingress}})

    assert "CONVEYOR=https://jobs.example.com" in text
    assert "port-forward" not in text
    assert "localhost" not in text
    assert "/v1/docs" not in text  # not routed unless exposeDocs


def test_the_oldest_kubernetes_the_chart_accepts_is_the_oldest_it_is_tested_on() -> None:
    from tests.chart.test_chart import K8S_VERSIONS

    meta = yaml.safe_load((helm.CHART / "Chart.yaml").read_text())
    assert meta["kubeVersion"] == f">={K8S_VERSIONS[0]}-0"
