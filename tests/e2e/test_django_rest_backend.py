"""Django's Tasks framework on conveyor over REST (``ConveyorRestBackend``): ``enqueue`` is
``POST /v1/jobs``, ``get_result`` is ``GET /v1/jobs/{id}``, against a live platform whose
worker runs the tests' tasks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conveyor.djangotasks.compat import (
    InvalidTask,
    TaskResult,
    TaskResultDoesNotExist,
    TaskResultStatus,
)
from conveyor.djangotasks.rest_backend import ConveyorUnavailableError
from tests import shared_services as services
from tests.djangotasks.tasks import add, flaky
from tests.e2e.platform import Platform
from tests.procs import free_port, wait_until


def rest_tasks(url: str, key: str) -> dict[str, Any]:
    return {
        "default": {
            "BACKEND": "conveyor.djangotasks.rest_backend.ConveyorRestBackend",
            # "nowhere" passes Django's check, and conveyor refuses it
            "QUEUES": ["default", "nowhere"],
            "OPTIONS": {"URL": url, "API_KEY": key, "TIMEOUT": 5},
        }
    }


@pytest.fixture(scope="module")
def rest_platform() -> Iterator[Platform]:
    """One broker is enough: the backend speaks HTTP."""
    services.require("postgres")
    services.require("redis")
    # its worker advertises the tests' tasks at start (they are in no installed app)
    with Platform.running(
        "redis", extra_env={"CONVEYOR_TASK_MODULES": "tests.djangotasks.tasks"}
    ) as running:
        yield running


@pytest.fixture
def over_rest(rest_platform: Platform, settings: Any) -> Platform:
    import django_tasks.signals  # noqa: F401  (resets the backends when TASKS changes)

    settings.TASKS = rest_tasks(rest_platform.base_url, rest_platform.keys["alice"])
    return rest_platform


def finished(result: TaskResult[..., Any], timeout: float = 90) -> TaskResult[..., Any]:
    def done() -> bool:
        result.refresh()
        return result.is_finished

    wait_until(done, timeout=timeout, interval=0.3, message=f"task result {result.id}")
    return result


def test_enqueue_posts_a_job_and_get_result_reads_it(over_rest: Platform) -> None:
    # when a task is enqueued over REST
    result = add.enqueue(20, 22)
    # then it is a job of the API key's client
    job = over_rest.get(result.id)
    assert (job["type"], job["params"]["task"], job["params"]["args"]) == (
        "django.task",
        "tests.djangotasks.tasks.add",
        [20, 22],
    )
    # and once run, its result is the task's return value, read back over REST
    finished(result)
    assert result.status == TaskResultStatus.SUCCESSFUL, over_rest.logs()
    assert result.return_value == 42
    assert result.attempts == 1
    assert result.enqueued_at is not None
    assert result.finished_at is not None
    assert add.get_result(result.id).return_value == 42


def test_a_retried_task_shows_its_attempts_and_last_error(over_rest: Platform) -> None:
    result = flaky.enqueue("over rest")
    finished(result)
    assert result.status == TaskResultStatus.SUCCESSFUL, over_rest.logs()
    assert result.return_value == {"label": "over rest", "attempt": 2, "result_id": result.id}
    assert result.attempts == 2
    # as the in-process backend reads it: the exception's path and traceback, the workers
    [error] = result.errors
    assert error.exception_class_path == "tests.djangotasks.tasks.FlakyError"
    assert "Traceback" in error.traceback
    assert "the first attempt fails" in error.traceback
    assert len(result.worker_ids) == 2
    assert all(worker.startswith("worker@") for worker in result.worker_ids), result.worker_ids
    assert result.started_at is not None
    assert result.last_attempted_at is not None
    assert result.started_at < result.last_attempted_at


def test_priority_and_run_after_reach_the_job(over_rest: Platform) -> None:
    run_after = timezone.now() + timedelta(minutes=10)
    result = add.using(priority=100, run_after=run_after).enqueue(1, 1)
    job = over_rest.get(result.id)
    assert (job["state"], job["priority"]) == ("scheduled", 9)
    assert result.status == TaskResultStatus.READY
    assert result.task.run_after == run_after
    assert result.task.priority == 100


def test_conveyor_refusing_a_task_is_a_clear_error(over_rest: Platform) -> None:
    before = over_rest.job_count()
    with pytest.raises(InvalidTask, match=r"Unknown queue 'nowhere'"):
        add.using(queue_name="nowhere").enqueue(1, 2)
    with pytest.raises(TypeError, match=r"args\[0\] of task tests.djangotasks.tasks.add"):
        add.enqueue(timezone.now(), 2)  # type: ignore[arg-type]
    assert over_rest.job_count() == before


def test_an_unknown_result_does_not_exist(over_rest: Platform) -> None:
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result("00000000-0000-0000-0000-000000000000")
    # a job of another type is no task result
    other = over_rest.submit({"type": "demo.noop"})
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result(other["id"])


def test_an_unreachable_api_is_a_clear_error(over_rest: Platform, settings: Any) -> None:
    settings.TASKS = rest_tasks(f"http://127.0.0.1:{free_port()}", "cvk_x")
    with pytest.raises(ConveyorUnavailableError, match=r"cannot reach conveyor's API at"):
        add.enqueue(1, 2)


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("tests.djangotasks.tasks.not_a_task", "is a function, not a task"),
        ("os.system", "not a task"),
        ("tests.djangotasks.no_such_module.f", "no task at"),
    ],
)
def test_a_job_naming_no_task_fails_without_running(
    rest_platform: Platform, path: str, says: str
) -> None:
    # given a stale advertisement (a task since removed from the project's code)
    rest_platform.sql(
        "INSERT INTO jobs_advertisedtask (path, queue, description, params_schema, "
        "positional, var_positional, takes_context, worker, advertised_at) VALUES "
        "(%s, 'default', '', '{}', '[]', true, false, 'gone', now()) "
        "ON CONFLICT DO NOTHING RETURNING path",
        path,
    )
    # when a client submits a django.task job naming something that is not a task
    job = rest_platform.submit({"type": "django.task", "params": {"task": path, "args": [1]}})
    # then it fails at its first attempt, without a retry, saying why
    done = rest_platform.wait_final(job["id"])
    assert (done["state"], done["attempts"]) == ("failed", 1)
    assert says in done["error"]["message"]


def test_a_task_no_worker_advertised_is_refused(rest_platform: Platform) -> None:
    response = rest_platform.http.post(
        f"{rest_platform.base_url}/v1/jobs",
        json={"type": "django.task", "params": {"task": "tests.djangotasks.tasks.nothing"}},
        headers=rest_platform.headers(),
    )
    assert response.status_code == 400, response.text
    [problem] = response.json()["errors"]
    assert problem["field"] == "params.task"
    assert "No worker advertised task 'tests.djangotasks.tasks.nothing'" in problem["message"]


def test_the_workers_tasks_are_listed_with_their_argument_schema(rest_platform: Platform) -> None:
    response = rest_platform.http.get(
        f"{rest_platform.base_url}/v1/job-types", headers=rest_platform.headers()
    )
    assert response.status_code == 200, response.text
    by_name = {t["name"]: t for t in response.json()["results"]}
    assert by_name["demo.noop"]["tasks"] is None
    tasks = {t["task"]: t for t in by_name["django.task"]["tasks"]}
    assert tasks["tests.djangotasks.tasks.add"]["params_schema"] == {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
        "additionalProperties": False,
    }
    # the context is not an argument
    flaky = tasks["tests.djangotasks.tasks.flaky"]
    assert (flaky["positional"], flaky["takes_context"]) == (["label"], True)
    assert flaky["params_schema"]["properties"] == {"label": {"type": "string"}}
    # what the worker advertised (not the stale rows other tests insert)
    advertised = {path for path, t in tasks.items() if t["worker"] != "gone"}
    assert advertised == {f"tests.djangotasks.tasks.{n}" for n in ("add", "flaky", "multiply")}


def test_arguments_that_do_not_fit_the_annotations_are_refused(over_rest: Platform) -> None:
    before = over_rest.job_count()
    with pytest.raises(ValueError, match=r"params.args\[1\]: argument 'b'") as refused:
        add.enqueue(1, "two")  # type: ignore[arg-type]
    assert isinstance(refused.value, InvalidTask)
    assert over_rest.job_count() == before
