"""What an operator sees of a running platform: one trace per job across the API and the
worker (exported over OTLP/HTTP to a real receiver), JSON log lines with the job's
fields, the process_* metrics of every process, long-polls in their own histogram.

One platform (gunicorn with 2 processes, a prefork worker, beat), booted with
OTEL_EXPORTER_OTLP_ENDPOINT and LOG_FORMAT=json, serves every test of this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kombu import Queue

from tests import shared_services as services
from tests.e2e.httpserver import Target
from tests.e2e.otlp import Receiver, Span, start_receiver
from tests.e2e.platform import Platform
from tests.procs import free_port, wait_until

RUN_SPAN = "conveyor.job.run"


@dataclass
class Observed:
    platform: Platform
    receiver: Receiver
    worker_port: int


@pytest.fixture(scope="module")
def observed() -> Iterator[Observed]:
    services.require("postgres")
    services.require("redis")
    receiver = start_receiver()
    worker_port = free_port()
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # export within 0.2 s, not 5 s
        "LOG_FORMAT": "json",
        "CONVEYOR_WORKER_METRICS_PORT": str(worker_port),
        # a message the broker lost is published again within a few seconds
        "CONVEYOR_RECONCILE_INTERVAL_SECONDS": "1",
        "CONVEYOR_REPUBLISH_AFTER_SECONDS": "1",
        # a batch's jobs go out as one bundle (conveyor_worker/bundles.py)
        "CONVEYOR_BUNDLE_SPREAD": "1",
    }
    try:
        with Platform.running("redis", extra_env=env, worker_concurrency=2) as platform:
            yield Observed(platform, receiver, worker_port)
    finally:
        receiver.stop()


def submission_span(receiver: Receiver, job_id: str) -> Span:
    """The API's server span of the request that submitted the job."""
    found = wait_until(
        lambda: [
            s
            for s in receiver.found("POST v1/jobs", **{"conveyor.job.id": job_id})
            if s.service == "conveyor-api"
        ],
        timeout=30,
        message=f"the API's span of job {job_id}",
    )
    assert isinstance(found, list)
    assert len(found) == 1, found
    span: Span = found[0]
    return span


def run_span(receiver: Receiver, job_id: str) -> Span:
    found = wait_until(
        lambda: receiver.found(RUN_SPAN, **{"conveyor.job.id": job_id}),
        timeout=30,
        message=f"the worker's run span of job {job_id}",
    )
    assert isinstance(found, list)
    assert len(found) == 1, found
    span: Span = found[0]
    return span


def test_a_job_runs_in_the_trace_of_its_submission(observed: Observed) -> None:
    platform, receiver = observed.platform, observed.receiver
    # when
    job = platform.submit({"type": "demo.sleep", "params": {"seconds": 0.1, "steps": 1}})
    assert platform.wait_final(job["id"])["state"] == "succeeded"

    # then: the worker's run span is a child of the API's request span, in one trace
    submitted = submission_span(receiver, job["id"])
    ran = run_span(receiver, job["id"])
    assert ran.service == "conveyor-worker"
    assert ran.trace_id == submitted.trace_id
    assert ran.parent_span_id == submitted.span_id
    assert ran.attributes["conveyor.job.type"] == "demo.sleep"
    assert ran.attributes["conveyor.job.attempt"] == 1
    assert ran.attributes["conveyor.job.outcome"] == "succeeded"
    # linked to the span Celery's instrumentation made for the message
    assert ran.links, ran
    # and the official instrumentations' spans are in it: the API's insert and publish
    for name in ("INSERT", "apply_async/conveyor.execute_job"):
        found = receiver.found(name)
        assert any(s.trace_id == submitted.trace_id for s in found), (name, found)


def test_a_republished_job_still_runs_in_its_trace(observed: Observed) -> None:
    platform, receiver = observed.platform, observed.receiver
    # given: a job whose message the broker lost (on a queue no worker consumes yet)
    job = platform.submit({"type": "demo.noop", "queue": "idle"})
    sender = platform.celery()
    # conveyor's Redis queues are a list per priority step (components/celery.py)
    sender.conf.broker_transport_options = {
        **platform.broker.transport_options,
        "priority_steps": list(range(10)),
    }
    with sender.connection_for_write() as connection:
        purged = Queue("idle")(connection.default_channel).purge()
    assert purged == 1

    # when the reconciler publishes it again and a worker of that queue runs it
    platform.start_worker("idle-worker", concurrency=1, queues="idle")
    try:
        assert platform.wait_final(job["id"])["state"] == "succeeded"
    finally:
        platform.procs["idle-worker"].stop()

    # then its run is still in the trace of its submission
    assert run_span(receiver, job["id"]).trace_id == submission_span(receiver, job["id"]).trace_id


def test_the_jobs_of_a_bundle_run_in_the_trace_of_their_batch(observed: Observed) -> None:
    platform, receiver = observed.platform, observed.receiver
    # when a batch's 3 jobs are published as one bundle and run
    response = platform.http.post(
        f"{platform.base_url}/v1/jobs/batch",
        json={"jobs": [{"type": "demo.noop"}] * 3},
        headers=platform.headers(),
    )
    assert response.status_code == 201, response.text
    ids = [job["id"] for job in response.json()["jobs"]]
    for job_id in ids:
        assert platform.wait_final(job_id)["state"] == "succeeded"

    # then each job's run span is a child of the batch request's span
    bundles = wait_until(
        lambda: receiver.found("run/conveyor.execute_bundle"), timeout=30, message="the bundle"
    )
    assert isinstance(bundles, list)
    (bundle,) = bundles
    found = wait_until(
        lambda: [s for s in receiver.found("POST v1/jobs/batch") if s.service == "conveyor-api"],
        timeout=30,
        message="the batch request's span",
    )
    assert isinstance(found, list)
    (request,) = found
    for job_id in ids:
        ran = run_span(receiver, job_id)
        assert (ran.trace_id, ran.parent_span_id) == (request.trace_id, request.span_id)
        assert ran.attributes["conveyor.job.outcome"] == "succeeded"
        assert (bundle.trace_id, bundle.span_id) in ran.links


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for row in text.splitlines():
        if row.startswith("{"):
            lines.append(json.loads(row))
    return lines


def test_log_lines_are_json_with_the_jobs_fields(observed: Observed, target: Target) -> None:
    platform = observed.platform
    # when a job logs while it runs (http.request logs its answer's status)
    job = platform.submit({"type": "http.request", "params": {"url": f"{target.url}/status/200"}})
    assert platform.wait_final(job["id"])["state"] == "succeeded"

    # then the worker's line carries the job's fields, and the trace's ids
    def logged() -> list[dict[str, Any]]:
        text = platform.procs["worker"].log_path.read_text(errors="replace")
        return [line for line in json_lines(text) if line.get("job_id") == job["id"]]

    found = wait_until(logged, timeout=10, message="the job's log line")
    assert isinstance(found, list)
    line = next(line for line in found if "/status/200" in line["message"])
    assert line["job_type"] == "http.request"
    assert line["attempt"] == 1
    assert line["worker"].startswith("worker@")
    assert line["level"] == "INFO"
    assert len(line["trace_id"]) == 32
    # and the API's log is JSON too, one object per line, gunicorn's own lines included
    api = json_lines(platform.procs["api"].log_path.read_text(errors="replace"))
    assert any(line["message"].startswith("Booting worker") for line in api), api


def samples(text: str, name: str) -> dict[str, float]:
    found = {}
    for row in text.splitlines():
        if row.startswith(f"{name}{{"):
            labels, value = row.rsplit(" ", 1)
            found[labels] = float(value)
    return found


def pids_of(found: dict[str, float]) -> set[str]:
    return {labels.split('pid="')[1].split('"')[0] for labels in found}


def test_process_metrics_of_every_api_and_worker_process(observed: Observed) -> None:
    platform = observed.platform
    api = platform.http.get(f"{platform.base_url}/metrics").text
    worker = platform.http.get(f"http://127.0.0.1:{observed.worker_port}/metrics").text

    # the API: gunicorn's master and its 2 workers
    api_memory = samples(api, "process_resident_memory_bytes")
    assert str(platform.procs["api"].pid) in pids_of(api_memory)
    assert len(api_memory) == 3, api_memory
    assert all(value > 0 for value in api_memory.values())
    # the worker: its main process and its 2 pool processes
    worker_cpu = samples(worker, "process_cpu_seconds_total")
    assert str(platform.procs["worker"].pid) in pids_of(worker_cpu)
    assert len(worker_cpu) == 3, worker_cpu


def test_long_polls_have_their_own_histogram(observed: Observed) -> None:
    platform = observed.platform
    route = 'method="GET",route="v1/jobs/<uuid:job_id>"'  # multiprocess mode sorts labels

    def count(name: str) -> float:
        text = platform.http.get(f"{platform.base_url}/metrics").text
        return samples(text, name).get(f"{name}{{{route}}}", 0.0)

    long_polls_before = count("conveyor_http_long_poll_duration_seconds_count")
    requests_before = count("conveyor_http_request_duration_seconds_count")
    # when a long-poll waits for a job that does not end (no worker consumes its queue)
    job = platform.submit({"type": "demo.noop", "queue": "idle"})
    answer = platform.http.get(
        f"{platform.base_url}/v1/jobs/{job['id']}?wait=1", headers=platform.headers()
    )
    assert answer.json()["state"] == "queued"
    assert "Conveyor-Wait-Shortened" not in answer.headers

    # then it is counted as a long-poll, not as a request's latency
    assert count("conveyor_http_long_poll_duration_seconds_count") == long_polls_before + 1
    assert count("conveyor_http_request_duration_seconds_count") == requests_before
