"""Django's Tasks framework on conveyor, in process: ``task.enqueue()`` makes a conveyor
job (published once the transaction commits), a real worker runs it, ``get_result`` reads
it back as a ``TaskResult``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db import transaction
from django.utils import timezone

from conveyor.core.broker import queue_depth
from conveyor.djangotasks.backend import ConveyorBackend
from conveyor.djangotasks.compat import (
    InvalidTask,
    TaskResult,
    TaskResultDoesNotExist,
    TaskResultStatus,
    task_enqueued,
)
from conveyor.jobs.models import AdvertisedTask, Job
from tests.djangotasks.tasks import FlakyError, add, flaky, multiply
from tests.procs import Proc, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def finished(result: TaskResult[..., Any], timeout: float = 60) -> TaskResult[..., Any]:
    """The result once its task finished (refreshed from conveyor until then)."""

    def done() -> bool:
        result.refresh()
        return result.is_finished

    wait_until(done, timeout=timeout, interval=0.2, message=f"task result {result.id} to finish")
    return result


def test_a_task_runs_on_a_worker_and_returns_its_value(tasks_on_conveyor: Proc) -> None:
    # when a task is enqueued
    result = add.enqueue(2, 3)
    # then it is a conveyor job, ready to run
    assert result.status in {TaskResultStatus.READY, TaskResultStatus.RUNNING}
    job = Job.objects.get(pk=result.id)
    assert (job.type, job.params["task"], job.params["args"]) == (
        "django.task",
        "tests.djangotasks.tasks.add",
        [2, 3],
    )
    # and once a worker ran it, its result is the task's return value
    finished(result)
    again = add.get_result(result.id)
    assert again.status == TaskResultStatus.SUCCESSFUL, tasks_on_conveyor.log_tail()
    assert again.return_value == 5
    assert (again.args, again.kwargs, again.errors, again.attempts) == ([2, 3], {}, [], 1)
    assert again.enqueued_at is not None
    assert again.started_at is not None
    assert again.finished_at is not None
    assert again.last_attempted_at == again.started_at
    assert again.enqueued_at <= again.started_at <= again.finished_at
    assert again.worker_ids[0].startswith("djangotasks@")


def test_a_failed_attempt_is_retried_and_its_error_kept(tasks_on_conveyor: Proc) -> None:
    # when a task that fails on its first attempt is enqueued
    result = flaky.enqueue("welcome")
    # then conveyor retries it, and it succeeds on the second attempt
    finished(result, timeout=90)
    assert result.status == TaskResultStatus.SUCCESSFUL, tasks_on_conveyor.log_tail()
    # with the context it ran with (attempt number, result id)
    assert result.return_value == {"label": "welcome", "attempt": 2, "result_id": result.id}
    assert result.attempts == 2
    assert len(result.worker_ids) == 2
    # and the first attempt's error, with its exception's path and traceback
    [error] = result.errors
    assert error.exception_class_path == "tests.djangotasks.tasks.FlakyError"
    assert error.exception_class is FlakyError
    assert "welcome: the first attempt fails" in error.traceback
    assert "Traceback" in error.traceback


def test_enqueue_in_a_transaction_publishes_at_its_commit(tasks_on_conveyor: Proc) -> None:
    parked = add.using(queue_name="parked")  # no worker consumes it: messages stay
    assert queue_depth("parked") == 0
    with transaction.atomic():
        result = parked.enqueue(1, 1)
        # nothing is published while the transaction is open
        assert queue_depth("parked") == 0
    # the commit publishes the job's message
    wait_until(lambda: queue_depth("parked") == 1, timeout=10, message="the message")
    assert Job.objects.get(pk=result.id).state == "queued"


def test_a_rolled_back_enqueue_leaves_nothing(tasks_on_conveyor: Proc) -> None:
    parked = add.using(queue_name="parked")
    assert queue_depth("parked") == 0
    enqueued: list[str] = []

    def view() -> None:
        with transaction.atomic():
            enqueued.append(parked.enqueue(1, 2).id)
            raise RuntimeError("the view failed")

    # when a transaction that enqueued a task rolls back
    with pytest.raises(RuntimeError):
        view()
    # then there is no job, and no message: a task enqueued after it is the only one
    assert not Job.objects.filter(pk=enqueued[0]).exists()
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result(enqueued[0])
    parked.enqueue(3, 4)
    assert queue_depth("parked") == 1
    assert Job.objects.count() == 1


def test_priority_maps_onto_conveyors(tasks_on_conveyor: Proc) -> None:
    parked = add.using(queue_name="parked")
    results = {p: parked.using(priority=p).enqueue(0, 0) for p in (-100, -10, 0, 50, 100)}
    priorities = {p: Job.objects.get(pk=r.id).priority for p, r in results.items()}
    assert priorities == {-100: 0, -10: 5, 0: 5, 50: 7, 100: 9}
    # and the result shows the task's own priority
    assert add.get_result(results[100].id).task.priority == 100


def test_queue_name_is_the_jobs_queue(tasks_on_conveyor: Proc) -> None:
    result = add.using(queue_name="low").enqueue(5, 5)
    assert Job.objects.get(pk=result.id).queue == "low"
    finished(result)
    assert result.status == TaskResultStatus.SUCCESSFUL, tasks_on_conveyor.log_tail()
    assert result.return_value == 10
    assert result.task.queue_name == "low"


def test_run_after_waits_until_it_is_due(tasks_on_conveyor: Proc) -> None:
    run_after = timezone.now() + timedelta(seconds=3)
    # when a task is enqueued to run later
    result = add.using(run_after=run_after).enqueue(1, 2)
    # then it waits, scheduled, until then
    job = Job.objects.get(pk=result.id)
    assert (job.state, job.run_at) == ("scheduled", run_after)
    waiting = result.status
    assert waiting == TaskResultStatus.READY
    # and runs once due
    finished(result)
    assert result.status == TaskResultStatus.SUCCESSFUL, tasks_on_conveyor.log_tail()
    assert result.started_at is not None
    assert result.started_at >= run_after
    assert result.task.run_after == run_after


@pytest.mark.parametrize(
    ("args", "kwargs", "named"),
    [
        ((timezone.now(), 1), {}, "args[0]"),
        ((1,), {"b": object()}, "kwargs['b']"),
        ((float("nan"), 1), {}, "args[0]"),
    ],
)
def test_arguments_that_are_not_json_are_refused(
    tasks_on_conveyor: Proc, args: tuple[Any, ...], kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises(TypeError, match=r"is not JSON") as refused:
        add.enqueue(*args, **kwargs)
    assert named in str(refused.value)
    assert "tests.djangotasks.tasks.add" in str(refused.value)
    assert Job.objects.count() == 0


def test_an_unknown_result_id_does_not_exist(tasks_on_conveyor: Proc) -> None:
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result("not-a-uuid")
    with pytest.raises(TaskResultDoesNotExist):
        add.get_result("00000000-0000-0000-0000-000000000000")


def test_aenqueue_and_aget_result_work_from_async_code(tasks_on_conveyor: Proc) -> None:
    async def view() -> TaskResult[..., Any]:
        enqueued = await add.aenqueue(7, 8)
        return await add.aget_result(enqueued.id)

    result = async_to_sync(view)()
    assert Job.objects.get(pk=result.id).params["args"] == [7, 8]
    finished(result)
    assert result.return_value == 15


def test_a_coroutine_task_runs_on_the_worker(tasks_on_conveyor: Proc) -> None:
    result = finished(multiply.enqueue(6, 7))
    assert result.status == TaskResultStatus.SUCCESSFUL, tasks_on_conveyor.log_tail()
    assert result.return_value == 42


@pytest.mark.parametrize(
    ("enqueue", "says"),
    [
        (lambda: add.enqueue(1), "missing a required argument: 'b'"),  # type: ignore[call-arg]
        (lambda: add.enqueue(1, 2, 3), "too many positional arguments"),  # type: ignore[call-arg]
        (lambda: add.enqueue(1, 2, c=3), "unexpected keyword argument 'c'"),  # type: ignore[call-arg]
        (lambda: flaky.enqueue(), "missing a required argument: 'label'"),  # type: ignore[call-arg]
    ],
    ids=["missing", "too-many", "unexpected", "context-not-counted"],
)
def test_arguments_that_do_not_fit_the_signature_are_refused(
    tasks_on_conveyor: Proc, enqueue: Any, says: str
) -> None:
    with pytest.raises(TypeError, match=r"cannot take these arguments") as refused:
        enqueue()
    assert says in str(refused.value)
    assert Job.objects.count() == 0


def test_arguments_that_do_not_fit_the_annotations_are_refused(tasks_on_conveyor: Proc) -> None:
    # when an argument does not fit its annotation (b: int)
    with pytest.raises(ValueError, match=r"params\.args\[1\]: argument 'b'") as refused:
        add.enqueue(1, "two")  # type: ignore[arg-type]
    # then Django's InvalidTask (a ValueError too) names it, and no job is made
    assert isinstance(refused.value, InvalidTask)
    assert "'two' is not of type 'integer'" in str(refused.value)
    with pytest.raises(ValueError, match=r"params\.kwargs\.b: argument 'b'"):
        add.enqueue(1, b=[2])  # type: ignore[arg-type]
    assert Job.objects.count() == 0


def test_a_task_no_worker_advertised_is_refused(tasks_on_conveyor: Proc) -> None:
    # given a task no worker advertised (a project deploying it before its workers)
    AdvertisedTask.objects.filter(path="tests.djangotasks.tasks.add").delete()
    # then enqueueing it is refused, saying so, rather than waiting for no worker
    with pytest.raises(InvalidTask, match=r"No worker advertised task") as refused:
        add.enqueue(1, 2)
    assert not isinstance(refused.value, ValueError)
    assert Job.objects.count() == 0


def test_a_queue_outside_the_backends_queues_is_refused(tasks_on_conveyor: Proc) -> None:
    # Django's own check (QUEUES), before conveyor is asked
    with pytest.raises(InvalidTask, match=r"Queue 'nowhere' is not valid for backend"):
        add.using(queue_name="nowhere")
    assert Job.objects.count() == 0


def test_task_enqueued_is_sent_by_the_backend(tasks_on_conveyor: Proc) -> None:
    received: list[tuple[type, TaskResult[..., Any]]] = []

    def receiver(sender: type, task_result: TaskResult[..., Any], **kwargs: Any) -> None:
        received.append((sender, task_result))

    task_enqueued.connect(receiver)
    try:
        result = add.enqueue(4, 4)
    finally:
        task_enqueued.disconnect(receiver)
    [(sender, sent)] = received
    assert sender is ConveyorBackend
    assert (sent.id, sent.status, sent.args) == (result.id, TaskResultStatus.READY, [4, 4])
