"""conveyor's task messages, built by Celery once per shape and then only filled in.

``app.send_task`` routes the message, builds its headers (a ``repr`` of its arguments
among them), merges the retry policy and fires the publish signals on every call: about
0.26 ms of a 0.37 ms publish here, on every submission. conveyor's own messages differ
only by their id and arguments within one shape (task, queue, priority, time limits), so
Celery builds the first message of a shape, as it would send it, and the next ones copy
it with their own id and arguments: the same headers, properties and routing, the same
declaration of the queue (``x-max-priority`` on RabbitMQ), the same retry policy.

Where something listens to Celery's publish signals (OpenTelemetry's instrumentation
puts its trace context in the headers there), every message goes through
``app.send_task`` as before: the signals then run for each one.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from celery import signals
from celery.utils.saferepr import saferepr
from kombu import Connection, Producer
from kombu.utils.uuid import uuid

from conveyor.config.celery import app


@dataclass(frozen=True)
class Shape:
    """What the messages of one template share."""

    task: str
    queue: str
    priority: int | None = None
    soft_time_limit: int | None = None
    time_limit: int | None = None

    def options(self) -> dict[str, Any]:
        """``send_task``'s routing and limit options for this shape."""
        options: dict[str, Any] = {"queue": self.queue}
        if self.priority is not None:
            options["priority"] = self.priority
        if self.soft_time_limit is not None:
            options["soft_time_limit"] = self.soft_time_limit
        if self.time_limit is not None:
            options["time_limit"] = self.time_limit
        return options


@dataclass(frozen=True)
class Template:
    """One message as Celery built it, less what each message has of its own."""

    headers: dict[str, Any]
    #: The body's third part (callbacks, errbacks, chain, chord): all None here.
    embed: dict[str, Any]
    #: ``Producer.publish``'s keyword arguments but the headers, the message's ids and
    #: what to declare.
    publish: dict[str, Any]
    #: The queue (and exchange) to declare before publishing, and their cache keys.
    declare: tuple[Any, ...]
    declared_as: tuple[int, ...]

    def to_declare(self, producer: Producer) -> tuple[Any, ...]:
        """What ``producer``'s connection has yet to declare. kombu would bind (copy) each
        entity to the channel before finding it in the same cache, on every message."""
        connection = producer.connection
        declared = connection.declared_entities if connection is not None else None
        if declared is not None and all(ident in declared for ident in self.declared_as):
            return ()
        return self.declare


class _Recorder:
    """Stands in for a producer while Celery builds a message: keeps what it would send."""

    connection = SimpleNamespace(_reraise_as_library_errors=nullcontext)

    def __init__(self) -> None:
        self.sent: tuple[Any, dict[str, Any]] | None = None

    def publish(self, body: Any, **kwargs: Any) -> None:
        self.sent = (body, kwargs)


# Per shape. The retry policy is the same for every message
# (publishing.PUBLISH_RETRY_POLICY), so it is not in the key. A forked process starts
# without them: the origin header names the process.
_templates: dict[Shape, Template] = {}
#: Templates kept at most: a job's timeout is the client's to choose, so shapes are not
#: few; past this many, the oldest is dropped (a template is a few hundred bytes).
MAX_TEMPLATES = 1024


def signals_connected() -> bool:
    """Whether something listens to the publish signals: then Celery sends each message."""
    return bool(signals.before_task_publish.receivers or signals.after_task_publish.receivers)


def send_task(
    shape: Shape,
    args: list[Any],
    *,
    connection: Connection | None = None,
    producer: Producer | None = None,
    **options: Any,
) -> None:
    """Publish one message of ``shape`` with ``args``, as ``app.send_task`` would, through
    ``producer``, or one on ``connection``, or one from the app's pool. ``options`` are
    ``send_task``'s others (the retry policy), the same for every message of a shape."""
    if signals_connected():
        app.send_task(
            shape.task,
            args=args,
            connection=connection,
            producer=producer,
            **shape.options(),
            **options,
        )
        return
    found = template_of(shape, options)
    if connection is not None:
        producer = app.amqp.Producer(connection, auto_declare=False)
    with (
        app.producer_or_acquire(producer) as chosen,
        chosen.connection._reraise_as_library_errors(),
    ):
        _publish(chosen, found, args)


def template_of(shape: Shape, options: dict[str, Any]) -> Template:
    """The kept template of ``shape``, built by Celery the first time (no broker needed)."""
    found = _templates.get(shape)
    if found is None:
        while len(_templates) >= MAX_TEMPLATES:
            # The oldest first (dicts keep their order); another thread may have taken it.
            _templates.pop(next(iter(_templates)), None)
        found = _templates[shape] = _build(shape, options)
    return found


def _build(shape: Shape, options: dict[str, Any]) -> Template:
    recorder = _Recorder()
    app.send_task(
        shape.task,
        args=[],
        producer=recorder,  # type: ignore[arg-type]  # stands in for one
        **shape.options(),
        **options,
    )
    if recorder.sent is None:
        raise RuntimeError(f"Celery built no message for {shape.task}")
    body, publish = recorder.sent
    publish = dict(publish)
    headers = dict(publish.pop("headers"))
    # Built inside a worker's task (the reconciler), Celery names that task as the
    # parent: not the parent of the messages that will copy this one.
    headers["parent_id"] = None
    for own in ("correlation_id", "reply_to"):
        publish.pop(own, None)
    declare = tuple(publish.pop("declare", None) or ())
    _args, _kwargs, embed = body
    return Template(
        headers=headers,
        embed=dict(embed),
        publish=publish,
        declare=declare,
        declared_as=tuple(hash(entity) for entity in declare),
    )


def _publish(producer: Producer, template: Template, args: list[Any]) -> None:
    task_id = uuid()
    headers = dict(template.headers)
    headers["id"] = headers["root_id"] = task_id
    headers["argsrepr"] = saferepr(args, app.amqp.argsrepr_maxsize)
    producer.publish(
        (args, {}, template.embed),
        headers=headers,
        correlation_id=task_id,
        reply_to=app.thread_oid,
        declare=template.to_declare(producer),
        **template.publish,
    )


def forget_templates() -> None:
    """Drop every template (a forked process; a test that changes the broker)."""
    _templates.clear()


os.register_at_fork(after_in_child=forget_templates)
