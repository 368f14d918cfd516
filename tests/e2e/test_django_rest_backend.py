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
    with Platform.running("redis") as running:
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
    [error] = result.errors
    assert error.exception_class_path == "FlakyError"
    assert "the first attempt fails" in error.traceback


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
    # when a client submits a django.task job naming something that is not a task
    job = rest_platform.submit({"type": "django.task", "params": {"task": path, "args": [1]}})
    # then it fails at its first attempt, without a retry, saying why
    done = rest_platform.wait_final(job["id"])
    assert (done["state"], done["attempts"]) == ("failed", 1)
    assert says in done["error"]["message"]
