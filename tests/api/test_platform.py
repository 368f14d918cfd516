"""The endpoints around the API: health, readiness, metrics, schema, docs, unknown URLs."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest
import yaml
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from conveyor.config.celery import app
from conveyor.core import health
from tests import shared_services as services
from tests.api.problems import problem_of
from tests.procs import free_port


def test_healthz_answers_without_authentication(anonymous: APIClient) -> None:
    response = anonymous.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.fixture
def fresh_broker_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """readyz caches the broker check for a moment; each test starts without it."""
    monkeypatch.setattr(health, "_broker", health._BrokerCheck())


@pytest.fixture
def unreachable_broker(fresh_broker_check: None) -> Iterator[None]:
    """Point the API's broker connection at a port nothing listens on."""
    app.conf.update(broker_write_url="redis://127.0.0.1:1/0")
    try:
        yield
    finally:
        app.conf.update(broker_write_url=None)


@pytest.mark.usefixtures("fresh_broker_check")
def test_readyz_checks_the_database_and_the_broker(anonymous: APIClient) -> None:
    # given
    services.require("redis")

    # when
    response = anonymous.get("/readyz")

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.usefixtures("unreachable_broker")
def test_readyz_stays_ready_and_reports_the_broker_down(anonymous: APIClient) -> None:
    # when
    response = anonymous.get("/readyz")

    # then: ready (submissions are stored, the reconciler publishes them later), saying
    # the broker is down
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "broker unavailable"  # not the error's text


@pytest.fixture
def silent_broker(fresh_broker_check: None) -> Iterator[None]:
    """A broker address that accepts connections and never answers (a hung broker, or a
    proxy whose broker is gone)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        app.conf.update(broker_write_url=f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
        try:
            yield
        finally:
            app.conf.update(broker_write_url=None)


@pytest.mark.timeout(60)  # without a bound on the broker check, the request never ends
@pytest.mark.usefixtures("silent_broker")
def test_readyz_answers_while_the_broker_never_answers(anonymous: APIClient) -> None:
    # when
    response = anonymous.get("/readyz")

    # then: ready, the broker check given up on
    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"].startswith("broker unavailable")


@pytest.mark.timeout(60)  # without a connect timeout, libpq waits for the database forever
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_broker_check")
def test_readyz_is_a_503_problem_while_the_database_never_answers(
    anonymous: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the API's database at an address that accepts connections and never answers
    services.require("redis")
    assert connection.vendor == "postgresql"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
        monkeypatch.setitem(connection.settings_dict, "PORT", str(listener.getsockname()[1]))
        connection.close()

        # when
        response = anonymous.get("/readyz")

    # then: not ready, the connect given up on (after DATABASE_CONNECT_TIMEOUT, 5 s)
    problem = problem_of(response, 503)
    assert problem["checks"]["database"] == "database unavailable"  # not the error's text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fresh_broker_check")
def test_readyz_is_a_503_problem_while_the_database_is_down(
    anonymous: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the API's database at an address nothing serves
    services.require("redis")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(free_port()))
    connection.close()

    # when
    response = anonymous.get("/readyz")

    # then: not ready, saying why; liveness is unaffected
    problem = problem_of(response, 503)
    assert problem["checks"]["database"] == "database unavailable"  # not the error's text
    assert problem["checks"]["broker"] == "ok"
    assert "database unavailable" in problem["detail"]
    assert anonymous.get("/healthz").status_code == 200


def test_readyz_asks_the_broker_at_most_once_per_check_time(
    anonymous: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: no broker check made yet, and a check time longer than the test
    services.require("redis")
    monkeypatch.setattr(health, "_broker", health._BrokerCheck(checked_at=float("-inf")))
    monkeypatch.setattr(health, "BROKER_CHECK_TTL_SECONDS", 3600.0)
    assert anonymous.get("/readyz").status_code == 200

    # when: the broker becomes unreachable, and readyz is asked within, then after, that time
    app.conf.update(broker_write_url="redis://127.0.0.1:1/0")
    try:
        within = anonymous.get("/readyz")
        monkeypatch.setattr(health, "BROKER_CHECK_TTL_SECONDS", 0.0)
        after = anonymous.get("/readyz")
    finally:
        app.conf.update(broker_write_url=None)

    # then: the first answer is the cached check's; the second checked the broker again
    assert within.json()["checks"]["broker"] == "ok"
    assert after.json()["checks"]["broker"].startswith("broker unavailable")


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_database_is_a_503_that_says_when_to_retry(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: the API's database connection lost, its server at an address nothing serves
    monkeypatch.setitem(connection.settings_dict, "PORT", str(free_port()))
    connection.close()

    # when: an authenticated request needs the database
    response = api.get("/v1/jobs")

    # then: a 503 problem telling the client to retry shortly
    problem = problem_of(response, 503)
    assert problem["type"] == "https://conveyor.dev/problems/database-unavailable"
    assert response["Retry-After"] == "2"


def test_metrics_are_prometheus_text(anonymous: APIClient) -> None:
    response = anonymous.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"# TYPE " in response.content


def test_schema_is_openapi_with_the_job_endpoints(anonymous: APIClient) -> None:
    # when
    response = anonymous.get("/v1/schema")

    # then: drf-spectacular answers YAML by default, JSON when asked
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/v1/jobs",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/cancel",
        "/v1/jobs/{job_id}/retry",
        "/v1/job-types",
    } <= set(schema["paths"])
    assert set(schema["paths"]["/v1/jobs"]) >= {"get", "post"}
    assert "ApiKey" in schema["components"]["securitySchemes"]


def test_schema_as_json(anonymous: APIClient) -> None:
    response = anonymous.get("/v1/schema", {"format": "json"})

    assert response.status_code == 200, response.content
    assert "/v1/jobs" in json.loads(response.content)["paths"]


def test_docs_are_an_html_page_pointing_at_the_schema(anonymous: APIClient) -> None:
    response = Client().get("/v1/docs")

    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger" in response.content.lower()
    # The page's own script is a URL, not inline (the Content-Security-Policy allows no
    # inline script); it points the UI at the schema.
    assert b'<script src="/v1/docs?script="></script>' in response.content
    assert b"/v1/schema" in Client().get("/v1/docs?script=").content


@pytest.mark.parametrize("path", ["/nope", "/v1/nope", "/v1/jobs/not-a-uuid/cancel"])
def test_an_unknown_url_is_a_404_problem(anonymous: APIClient, path: str) -> None:
    problem = problem_of(anonymous.get(path), 404)

    assert problem["instance"] == path


def test_a_method_the_endpoint_lacks_is_a_405_problem(api: APIClient) -> None:
    problem_of(api.delete("/v1/jobs"), 405)


def test_the_api_root_shows_the_way_on(anonymous: APIClient) -> None:
    # when a reader opens the first URL make run prints, without a key
    response = anonymous.get("/v1/")

    # then it answers with the resources, the schema and the docs, each of which answers
    assert response.status_code == 200, response.content
    links = response.json()["links"]
    assert set(links) == {"jobs", "job_types", "queues", "workers", "schedules", "schema", "docs"}
    assert anonymous.get(links["schema"]).status_code == 200
    assert anonymous.get(links["jobs"]).status_code == 401
