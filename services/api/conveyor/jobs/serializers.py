"""The job resource's input and output shapes."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conveyor.core.serializers import (
    FieldsOnceSerializer,
    JsonBooleanField,
    JsonStringField,
    StrictInputSerializer,
    StrictQuerySerializer,
)
from conveyor.jobs.models import AdvertisedTask, Job, JobAttempt
from conveyor.jobs.representation import JOB_FIELDS, job_representation
from conveyor.jobs.selectors import LABEL_KEY, advertised_tasks
from conveyor.jobs.states import LEASED_STATES, JobState
from conveyor.jobs.types import MAX_ATTEMPTS_CEILING, JobType, queue_rate, type_rate
from conveyor.webhooks.selectors import job_deliveries
from conveyor.webhooks.serializers import WebhookDeliveryOutput
from conveyor.webhooks.validation import MAX_URL_LENGTH, validate_webhook_url

#: A Django project's own tasks (conveyor/jobtypes/django_task.py): the job type whose
#: attempts' tracebacks the API shows, as their TaskResult.errors carry them (other types'
#: are for operators), and whose advertised tasks GET /v1/job-types lists (docs/django.md).
DJANGO_TASK_TYPE = "django.task"
MAX_LABELS = 20
MAX_DELAY_SECONDS = 366 * 24 * 3600
MAX_BATCH_JOBS = 1000


# C0 controls (tab and newline included), DEL and C1 controls: a label is shown in lists,
# logs and the admin, where an escape sequence or a line break would forge output.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_labels(value: dict[str, str]) -> None:
    if len(value) > MAX_LABELS:
        raise serializers.ValidationError(f"At most {MAX_LABELS} labels.")
    # fullmatch: the pattern's $ would let a trailing newline through.
    bad = [k for k in value if not LABEL_KEY.fullmatch(k)]
    if bad:
        shown = ", ".join(sorted(CONTROL_CHARACTERS.sub("\ufffd", k) for k in bad))
        raise serializers.ValidationError(
            f"Label keys must be 1-63 letters, digits, '.', '_', '/' or '-', starting and "
            f"ending with a letter or digit: {shown}."
        )
    controlled = {
        key: ["Control characters (U+0000-U+001F, U+007F-U+009F) are not allowed."]
        for key, text in value.items()
        if CONTROL_CHARACTERS.search(text)
    }
    if controlled:
        raise serializers.ValidationError(controlled)


class JobCreateInput(StrictInputSerializer):
    type = serializers.CharField(max_length=100)
    params = serializers.DictField(required=False, default=dict)
    queue = serializers.CharField(max_length=100, required=False)
    priority = serializers.IntegerField(min_value=0, max_value=9, default=5)
    run_at = serializers.DateTimeField(required=False)
    delay_seconds = serializers.FloatField(min_value=0, max_value=MAX_DELAY_SECONDS, required=False)
    max_attempts = serializers.IntegerField(
        min_value=1, max_value=MAX_ATTEMPTS_CEILING, required=False
    )
    timeout_seconds = serializers.IntegerField(min_value=1, required=False)
    labels = serializers.DictField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=dict,
        validators=[validate_labels],
    )
    webhook_url = serializers.CharField(
        max_length=MAX_URL_LENGTH,
        required=False,
        validators=[validate_webhook_url],
        help_text="http(s) URL conveyor POSTs the job to, signed, when it ends (docs/webhooks.md)",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "run_at" in attrs and "delay_seconds" in attrs:
            raise serializers.ValidationError(
                {"delay_seconds": ["Give run_at or delay_seconds, not both."]}
            )
        return attrs


def submission_of(validated: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """The keyword arguments of ``job_create`` / ``prepare_job`` for a validated
    submission: ``delay_seconds`` becomes ``run_at``."""
    fields = dict(validated)
    delay = fields.pop("delay_seconds", None)
    if delay is not None:
        fields["run_at"] = (now or timezone.now()) + timedelta(seconds=delay)
    return fields


class JobBatchInput(StrictInputSerializer):
    # Each item is validated as a JobCreateInput by jobs/batch.py, with its index.
    jobs = serializers.ListField(
        child=serializers.JSONField(), min_length=1, max_length=MAX_BATCH_JOBS
    )


class ProgressOutput(serializers.Serializer[Any]):
    percent = serializers.FloatField(allow_null=True)
    message = serializers.CharField()


class ErrorOutput(serializers.Serializer[Any]):
    type = serializers.CharField()
    message = serializers.CharField()


class AttemptOutput(serializers.ModelSerializer[JobAttempt]):
    class Meta:
        model = JobAttempt
        fields = (
            "number",
            "worker",
            "started_at",
            "finished_at",
            "outcome",
            "error_type",
            "error_message",
            "error_path",
            "error_traceback",
        )
        extra_kwargs = {
            "error_path": {"help_text": "The exception's class as a module path."},
            "error_traceback": {
                "help_text": "The attempt's traceback, for django.task jobs only (the "
                "client's own code, as Django's TaskResult shows it); empty for the "
                "other job types, whose tracebacks are for operators."
            },
        }

    def to_representation(self, instance: JobAttempt) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.context.get("show_tracebacks", False):
            data["error_traceback"] = ""
        return data


# Describes the job's shape for the OpenAPI schema; the values come from
# ``job_representation``, the one rendering the webhook bodies share.
class JobOutput(FieldsOnceSerializer, serializers.ModelSerializer[Job]):
    progress = ProgressOutput(read_only=True)
    error = ErrorOutput(read_only=True, allow_null=True)

    class Meta:
        model = Job
        fields: tuple[str, ...] = JOB_FIELDS

    def to_representation(self, instance: Job) -> dict[str, Any]:
        return job_representation(instance)


class JobDetailOutput(JobOutput):
    worker = serializers.SerializerMethodField(
        help_text="The worker running the job's current attempt; empty when none runs."
    )
    attempt_history = AttemptOutput(many=True, source="attempt_records")
    webhook_deliveries = serializers.SerializerMethodField()

    class Meta(JobOutput.Meta):
        fields = (*JobOutput.Meta.fields, "worker", "attempt_history", "webhook_deliveries")

    def get_worker(self, job: Job) -> str:
        return job.lease_owner if job.state in LEASED_STATES else ""

    def to_representation(self, instance: Job) -> dict[str, Any]:
        return {
            **job_representation(instance),
            "worker": self.get_worker(instance),
            "attempt_history": AttemptOutput(
                instance.attempt_records.all(),
                many=True,
                context={"show_tracebacks": instance.type == DJANGO_TASK_TYPE},
            ).data,
            "webhook_deliveries": self.get_webhook_deliveries(instance),
        }

    @extend_schema_field(WebhookDeliveryOutput(many=True))
    def get_webhook_deliveries(self, job: Job) -> list[dict[str, Any]]:
        return WebhookDeliveryOutput(job_deliveries(job=job), many=True).data  # type: ignore[return-value]


# A comma-separated filter: names, none of them blank. The API checks the pattern the
# schema shows (ASCII whitespace around a name is dropped). The character classes are
# spelt out, so every regex engine reads them alike; no NUL (PostgreSQL refuses it).
SPACE = " \t\n\r\f\v"
SPACE_CLASS = r" \t\n\r\f\v"
NAME = rf"[^,\x00]*[^,{SPACE_CLASS}\x00][^,\x00]*"
NAMES = rf"^{NAME}(,{NAME})*$"
STATE = rf"[{SPACE_CLASS}]*({'|'.join(JobState.values)})[{SPACE_CLASS}]*"
STATES = rf"^{STATE}(,{STATE})*$"
LABEL_FILTER = rf"{LABEL_KEY.pattern.rstrip('$')}:[^\x00]*$"


def _names(value: str) -> list[str]:
    """A comma-separated filter's names (the field's pattern made sure there is one)."""
    return [name.strip(SPACE) for name in value.split(",")]


def _filter(pattern: str, help_text: str) -> serializers.RegexField:
    return serializers.RegexField(
        pattern,
        required=False,
        trim_whitespace=False,
        help_text=help_text,
        error_messages={"invalid": f"Give names separated by commas, none blank ({pattern})."},
    )


class JobListQuery(StrictQuerySerializer):
    allowed_extra = ("cursor", "limit")

    state = serializers.RegexField(
        STATES,
        required=False,
        trim_whitespace=False,
        help_text="comma-separated states",
        error_messages={
            "invalid": f"Give states separated by commas, of {', '.join(JobState.values)}."
        },
    )
    type = _filter(NAMES, "comma-separated job types")
    queue = _filter(NAMES, "comma-separated queues")
    label = serializers.ListField(  # type: ignore[assignment]  # the query name, not Field.label
        child=serializers.RegexField(
            LABEL_FILTER,
            trim_whitespace=False,
            error_messages={"invalid": "A label filter is key:value, the key a label key."},
        ),
        required=False,
        help_text="key:value; repeat for several (all must match)",
    )
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)

    def validate_type(self, value: str) -> list[str]:
        return _names(value)

    def validate_queue(self, value: str) -> list[str]:
        return _names(value)

    def validate_state(self, value: str) -> list[str]:
        return _names(value)

    def validate_label(self, value: list[str]) -> dict[str, str]:
        return dict(item.partition(":")[::2] for item in value)


class JobBatchOutput(serializers.Serializer[Any]):
    jobs = JobOutput(many=True)


# Shown as the number it is; its maximum, a setting, is added by jobs/openapi.py.
@extend_schema_field({"type": "number", "minimum": 0, "exclusiveMinimum": True})
class WaitSecondsField(serializers.CharField):
    """Text, parsed by ``JobDetailQuery``: a FloatField would take "wait=" as absent."""


class JobDetailQuery(StrictQuerySerializer):
    wait = WaitSecondsField(
        required=False,
        allow_blank=True,
        help_text="long-poll: answer once the job is final, or after this many seconds "
        "(0 < wait <= CONVEYOR_LONG_POLL_MAX_SECONDS, 30 by default), with the job as it is "
        "then; or at once, with the header Conveyor-Wait-Shortened: true, when the API "
        "process already holds its limit of long-polls (CONVEYOR_LONG_POLL_MAX_PER_PROCESS)",
    )

    def validate_wait(self, value: str) -> timedelta:
        ceiling = settings.CONVEYOR_LONG_POLL_MAX.total_seconds()
        try:
            seconds = float(value)
        except ValueError:
            seconds = float("nan")
        if not 0 < seconds <= ceiling:
            raise serializers.ValidationError(
                f"wait is a number of seconds above 0 and at most {ceiling:g}."
            )
        return timedelta(seconds=seconds)


class AdvertisedTaskOutput(serializers.ModelSerializer[AdvertisedTask]):
    task = serializers.CharField(source="path", help_text="The task's module path.")

    class Meta:
        model = AdvertisedTask
        fields = (
            "task",
            "queue",
            "description",
            "params_schema",
            "positional",
            "takes_context",
            "worker",
            "advertised_at",
        )
        extra_kwargs = {
            "params_schema": {
                "help_text": "JSON Schema of the arguments by name, from the signature."
            },
            "positional": {"help_text": "The names positional arguments (args) bind to."},
        }


class JobSubmitQuery(StrictQuerySerializer):
    wait = WaitSecondsField(
        required=False,
        allow_blank=True,
        help_text="submit and wait: answer once the job is final, or after this many seconds "
        "(0 < wait <= CONVEYOR_LONG_POLL_MAX_SECONDS, 30 by default), with the job as it is "
        "then; or at once, with the header Conveyor-Wait-Shortened: true, when the API "
        "process already holds its limit of long-polls (CONVEYOR_LONG_POLL_MAX_PER_PROCESS)",
    )

    def validate_wait(self, value: str) -> timedelta:
        return JobDetailQuery().validate_wait(value)


class JobTypeOutput(serializers.Serializer[JobType]):
    name = serializers.CharField()
    description = serializers.CharField()
    queue = serializers.CharField()
    params_schema = serializers.SerializerMethodField()
    retry = serializers.SerializerMethodField()
    time_limit_seconds = serializers.SerializerMethodField()
    rate_limit = serializers.SerializerMethodField(
        help_text="Most starts of this job type across all workers, e.g. 10/s; null: none."
    )
    queue_rate_limit = serializers.SerializerMethodField(
        help_text="The limit of the job type's queue, which also applies; null: none."
    )
    tasks = serializers.SerializerMethodField(
        help_text="django.task: the Django tasks workers advertised (a job must name one); "
        "null for other job types."
    )

    def get_params_schema(self, spec: JobType) -> dict[str, Any]:
        return spec.params_schema()

    def get_retry(self, spec: JobType) -> dict[str, Any]:
        policy = spec.retry
        return {
            "max_attempts": policy.max_attempts,
            "backoff_seconds": policy.backoff.total_seconds(),
            "factor": policy.factor,
            "backoff_max_seconds": policy.backoff_max.total_seconds(),
            "retry_on": [e.__name__ for e in policy.retry_on],
        }

    def get_time_limit_seconds(self, spec: JobType) -> int:
        return int(spec.time_limit.total_seconds())

    def get_rate_limit(self, spec: JobType) -> str | None:
        rate = type_rate(spec)
        return str(rate) if rate is not None else None

    @extend_schema_field(AdvertisedTaskOutput(many=True, allow_null=True))
    def get_tasks(self, spec: JobType) -> list[dict[str, Any]] | None:
        if spec.name != DJANGO_TASK_TYPE:
            return None
        return AdvertisedTaskOutput(advertised_tasks(), many=True).data  # type: ignore[return-value]

    def get_queue_rate_limit(self, spec: JobType) -> str | None:
        rate = queue_rate(spec.queue)
        return str(rate) if rate is not None else None


class JobBulkInput(StrictInputSerializer):
    """Which of the client's jobs a bulk action takes: ``GET /v1/jobs``'s filters, as JSON
    (lists rather than comma-separated text), at least one given."""

    FILTERS = ("state", "type", "queue", "label", "created_after", "created_before")

    state = serializers.ListField(
        child=serializers.ChoiceField(choices=JobState.values),
        required=False,
        allow_empty=False,
        min_length=1,
        help_text="any of these states",
    )
    type = serializers.ListField(
        child=JsonStringField(max_length=100),
        required=False,
        allow_empty=False,
        min_length=1,
        help_text="any of these job types",
    )
    queue = serializers.ListField(
        child=JsonStringField(max_length=100),
        required=False,
        allow_empty=False,
        min_length=1,
        help_text="on any of these queues",
    )
    label = serializers.ListField(  # type: ignore[assignment]  # the field name, not Field.label
        child=serializers.RegexField(
            LABEL_FILTER,
            trim_whitespace=False,
            error_messages={"invalid": "A label filter is key:value, the key a label key."},
        ),
        required=False,
        allow_empty=False,
        min_length=1,
        help_text="key:value; several must all match",
    )
    created_after = serializers.DateTimeField(required=False)
    created_before = serializers.DateTimeField(required=False)
    dry_run = JsonBooleanField(
        default=False, help_text="true: only count the jobs the action would take"
    )

    def validate_label(self, value: list[str]) -> dict[str, str]:
        return dict(item.partition(":")[::2] for item in value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(name in attrs for name in self.FILTERS):
            raise serializers.ValidationError(
                {
                    "state": [
                        "Give at least one filter (state, type, queue, label, created_after, "
                        "created_before); to take all your unfinished jobs, name their states."
                    ]
                }
            )
        return attrs


class JobBulkOutput(serializers.Serializer[Any]):
    count = serializers.IntegerField(
        help_text="jobs acted on; with dry_run, the jobs the action would take"
    )
    dry_run = serializers.BooleanField()
