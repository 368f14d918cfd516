"""The workflow resource's input and output shapes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conveyor.core.serializers import StrictInputSerializer
from conveyor.jobs.representation import instant, job_representation
from conveyor.jobs.serializers import MAX_BATCH_JOBS, JobCreateInput, JobOutput, validate_labels
from conveyor.workflows.models import STEP_NAME, OnDependencyFailure, Workflow, WorkflowState
from conveyor.workflows.selectors import WorkflowView


def validate_step_name(value: str) -> None:
    if not STEP_NAME.fullmatch(value):
        raise serializers.ValidationError(
            "1-100 letters, digits, '.', '_' or '-', starting with a letter or digit."
        )


class WorkflowJobInput(JobCreateInput):
    """One job of a workflow: a job submission, with its id in the request and the ids of
    the jobs it waits for."""

    id = serializers.CharField(
        max_length=100,
        validators=[validate_step_name],
        help_text="The job's id in this request: its name in the workflow.",
    )
    depends_on = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        default=list,
        max_length=MAX_BATCH_JOBS,
        help_text="Ids (in this request) of the jobs this one waits for; it is queued "
        "once they have all succeeded.",
    )
    on_dependency_failure = serializers.ChoiceField(
        choices=OnDependencyFailure.choices,
        default=OnDependencyFailure.CANCEL,
        help_text="cancel: a dependency that fails or is cancelled cancels this job; "
        "run: it runs once every dependency has ended, the failure in its input.",
    )
    results_param = serializers.CharField(
        max_length=100,
        required=False,
        default="",
        help_text="The param that receives the dependencies' outcomes when the job is "
        'released: {id: {"state": "succeeded", "result": ...} or {"state": "failed", '
        '"error": {"type", "message"}}}; validated with the other params then.',
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["depends_on"] and ("run_at" in attrs or "delay_seconds" in attrs):
            raise serializers.ValidationError(
                {
                    "run_at": [
                        "A job with depends_on is queued when they succeed; only jobs "
                        "without depends_on take run_at or delay_seconds."
                    ]
                }
            )
        if attrs["results_param"] and not attrs["depends_on"]:
            raise serializers.ValidationError(
                {"results_param": ["Give depends_on: the results are theirs."]}
            )
        if attrs["results_param"] and attrs["results_param"] in attrs["params"]:
            raise serializers.ValidationError(
                {"results_param": ["The params already hold this key; the results go there."]}
            )
        return attrs


@extend_schema_field(WorkflowJobInput)
class WorkflowJobField(serializers.JSONField):
    """One job of ``jobs``: any JSON here, validated as a ``WorkflowJobInput`` by
    ``services.workflow_create`` with its index; typed per job type in the OpenAPI
    (``workflows/openapi.py``)."""


class WorkflowCreateInput(StrictInputSerializer):
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    labels = serializers.DictField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=dict,
        validators=[validate_labels],
    )
    # Each item is validated as a WorkflowJobInput by services.workflow_create, with its
    # index, so a client fixes every item in one round.
    jobs = serializers.ListField(
        child=WorkflowJobField(),
        min_length=1,
        max_length=MAX_BATCH_JOBS,
        help_text="The workflow's jobs: a DAG by their depends_on.",
    )


class WorkflowStepOutput(serializers.Serializer[Any]):
    id = serializers.CharField(help_text="The job's id in the workflow request.")
    depends_on = serializers.ListField(child=serializers.CharField())
    on_dependency_failure = serializers.ChoiceField(choices=OnDependencyFailure.choices)
    results_param = serializers.CharField()
    job = JobOutput()


class WorkflowOutput(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    name = serializers.CharField()
    labels = serializers.DictField(child=serializers.CharField())
    state = serializers.ChoiceField(choices=WorkflowState.choices)
    job_states = serializers.DictField(
        child=serializers.IntegerField(), help_text="How many of its jobs are in each state."
    )
    created_at = serializers.DateTimeField()
    cancel_requested_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    jobs = serializers.SerializerMethodField()

    def to_representation(self, instance: WorkflowView) -> dict[str, Any]:
        workflow: Workflow = instance.workflow
        return {
            "id": str(workflow.id),
            "name": workflow.name,
            "labels": workflow.labels,
            "state": workflow.state,
            "job_states": instance.job_states(),
            "created_at": instant(workflow.created_at),
            "cancel_requested_at": instant(workflow.cancel_requested_at),
            "finished_at": instant(workflow.finished_at),
            "jobs": [
                {
                    "id": step.name,
                    "depends_on": instance.depends_on.get(step.job_id, []),
                    "on_dependency_failure": step.on_dependency_failure,
                    "results_param": step.results_param,
                    "job": job_representation(instance.jobs[step.job_id]),
                }
                for step in instance.steps
            ],
        }

    @extend_schema_field(WorkflowStepOutput(many=True))
    def get_jobs(self, instance: WorkflowView) -> list[dict[str, Any]]:
        return self.to_representation(instance)["jobs"]  # type: ignore[no-any-return]
