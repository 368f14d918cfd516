"""Serializers whose fields are built once per class (core/serializers.py).

The shared fields must render each job as its own, and validate each submission as its
own, from any number of threads, exactly as a serializer building its own fields would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rest_framework import serializers

from conveyor.jobs.models import Job
from conveyor.jobs.serializers import JobCreateInput, JobOutput
from tests.factories import JobFactory


class PerInstanceJobOutput(serializers.ModelSerializer[Job]):
    """JobOutput as DRF renders a model by default: fields made for every instance, each
    value rendered by its field (``job_representation`` must give the same)."""

    progress = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = JobOutput.Meta.fields

    def get_progress(self, job: Job) -> dict[str, Any]:
        return {"percent": job.progress_percent, "message": job.progress_message}

    def get_error(self, job: Job) -> dict[str, str] | None:
        return {"type": job.error_type, "message": job.error_message} if job.error_type else None


def jobs(count: int) -> list[Job]:
    return [
        JobFactory.build(type="demo.noop", params={"n": n}, labels={"n": str(n)}, priority=n % 10)
        for n in range(count)
    ]


def test_every_instance_of_a_class_shares_one_set_of_fields() -> None:
    first, second = jobs(2)

    assert JobOutput(first).fields is JobOutput(second).fields


def test_each_job_renders_as_a_serializer_with_its_own_fields_would() -> None:
    for job in jobs(5):
        assert JobOutput(job).data == PerInstanceJobOutput(job).data


def test_a_finished_job_renders_as_drf_renders_its_fields() -> None:
    # given a job with every instant set, a result and an error
    job = JobFactory.build(
        type="demo.noop",
        failed=True,
        result={"partial": [1, 2]},
        progress_percent=42.5,
        progress_message="half",
    )

    # then the plain representation and DRF's field-by-field rendering agree
    assert JobOutput(job).data == PerInstanceJobOutput(job).data


def test_threads_rendering_at_once_each_get_their_own_job() -> None:
    # given many jobs, rendered from eight threads at once
    many = jobs(400)

    def render(job: Job) -> tuple[Any, Any]:
        return JobOutput(job).data["params"], job.params

    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        rendered = list(pool.map(render, many))

    # then every rendering holds its own job's values
    assert all(got == expected for got, expected in rendered)


def test_a_serializer_needing_its_own_binding_builds_its_own_fields() -> None:
    (job,) = jobs(1)
    shared = JobOutput(job).fields

    assert JobOutput(job, context={"request": None}).fields is not shared
    assert JobOutput(job, data={}, partial=True).fields is not shared
    # an update: validators may read the instance through the field's parent
    assert JobOutput(job, data={}).fields is not shared
    assert JobOutput(data={}).fields is shared


class PerInstanceJobCreateInput(JobCreateInput):
    """JobCreateInput with DRF's own per-instance fields."""

    fields = serializers.Serializer.fields


SUBMISSIONS: list[Any] = [
    {"type": "demo.noop"},
    {"type": "demo.sleep", "params": {"seconds": 1}, "priority": 9, "labels": {"a": "b"}},
    {"type": "demo.noop", "priority": 10, "labels": {"-bad": "x"}},
    {"type": "demo.noop", "run_at": "2030-01-01T00:00:00Z", "delay_seconds": 5},
    {"type": "demo.noop", "timeout_seconds": 0, "max_attempts": "many"},
    {"type": "demo.noop", "queue": "x" * 101, "typo": 1},
    {"params": []},
    ["not", "an", "object"],
]


def validated(serializer_class: type[JobCreateInput], body: Any) -> tuple[bool, Any]:
    serializer = serializer_class(data=body)
    valid = serializer.is_valid()
    return valid, serializer.validated_data if valid else serializer.errors


def test_every_submission_validates_as_with_its_own_fields() -> None:
    assert JobCreateInput(data={}).fields is JobCreateInput(data={}).fields
    assert (
        PerInstanceJobCreateInput(data={}).fields is not PerInstanceJobCreateInput(data={}).fields
    )
    for body in SUBMISSIONS:
        assert validated(JobCreateInput, body) == validated(PerInstanceJobCreateInput, body)


def test_threads_validating_at_once_each_get_their_own_answer() -> None:
    # given valid and invalid submissions, validated from eight threads at once
    bodies = SUBMISSIONS * 60
    expected = [validated(PerInstanceJobCreateInput, body) for body in bodies]

    # when
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(lambda body: validated(JobCreateInput, body), bodies))

    # then each got the answer its own body deserves
    assert got == expected
