"""Contains all the data models used in inputs/outputs"""

from .advertised_task_output import AdvertisedTaskOutput
from .attempt_output import AttemptOutput
from .cron_input_request import CronInputRequest
from .cron_output import CronOutput
from .error_output import ErrorOutput
from .field_error import FieldError
from .job_batch_input_request import JobBatchInputRequest
from .job_batch_output import JobBatchOutput
from .job_bulk_input_request import JobBulkInputRequest
from .job_bulk_input_state_enum import JobBulkInputStateEnum
from .job_bulk_output import JobBulkOutput
from .job_detail_output import JobDetailOutput
from .job_output import JobOutput
from .job_page import JobPage
from .job_params_demo_cpu import JobParamsDemoCpu
from .job_params_demo_fanout import JobParamsDemoFanout
from .job_params_demo_gather import JobParamsDemoGather
from .job_params_demo_gather_inputs import JobParamsDemoGatherInputs
from .job_params_demo_gather_inputs_additional_property import (
    JobParamsDemoGatherInputsAdditionalProperty,
)
from .job_params_demo_noop import JobParamsDemoNoop
from .job_params_demo_sleep import JobParamsDemoSleep
from .job_params_django_task import JobParamsDjangoTask
from .job_params_django_task_kwargs import JobParamsDjangoTaskKwargs
from .job_params_http_request import JobParamsHttpRequest
from .job_params_http_request_body_type_1 import JobParamsHttpRequestBodyType1
from .job_params_http_request_headers import JobParamsHttpRequestHeaders
from .job_params_http_request_method import JobParamsHttpRequestMethod
from .job_params_workflow_start import JobParamsWorkflowStart
from .job_params_workflow_start_jobs_item import JobParamsWorkflowStartJobsItem
from .job_state_enum import JobStateEnum
from .job_submission_demo_cpu import JobSubmissionDemoCpu
from .job_submission_demo_cpu_labels import JobSubmissionDemoCpuLabels
from .job_submission_demo_cpu_type import JobSubmissionDemoCpuType
from .job_submission_demo_fanout import JobSubmissionDemoFanout
from .job_submission_demo_fanout_labels import JobSubmissionDemoFanoutLabels
from .job_submission_demo_fanout_type import JobSubmissionDemoFanoutType
from .job_submission_demo_gather import JobSubmissionDemoGather
from .job_submission_demo_gather_labels import JobSubmissionDemoGatherLabels
from .job_submission_demo_gather_type import JobSubmissionDemoGatherType
from .job_submission_demo_noop import JobSubmissionDemoNoop
from .job_submission_demo_noop_labels import JobSubmissionDemoNoopLabels
from .job_submission_demo_noop_type import JobSubmissionDemoNoopType
from .job_submission_demo_sleep import JobSubmissionDemoSleep
from .job_submission_demo_sleep_labels import JobSubmissionDemoSleepLabels
from .job_submission_demo_sleep_type import JobSubmissionDemoSleepType
from .job_submission_django_task import JobSubmissionDjangoTask
from .job_submission_django_task_labels import JobSubmissionDjangoTaskLabels
from .job_submission_django_task_type import JobSubmissionDjangoTaskType
from .job_submission_http_request import JobSubmissionHttpRequest
from .job_submission_http_request_labels import JobSubmissionHttpRequestLabels
from .job_submission_http_request_type import JobSubmissionHttpRequestType
from .job_submission_workflow_start import JobSubmissionWorkflowStart
from .job_submission_workflow_start_labels import JobSubmissionWorkflowStartLabels
from .job_submission_workflow_start_type import JobSubmissionWorkflowStartType
from .job_template_output import JobTemplateOutput
from .job_template_output_labels import JobTemplateOutputLabels
from .job_template_output_params import JobTemplateOutputParams
from .job_type_list import JobTypeList
from .job_type_output import JobTypeOutput
from .job_type_output_params_schema import JobTypeOutputParamsSchema
from .job_type_output_retry import JobTypeOutputRetry
from .on_dependency_failure_enum import OnDependencyFailureEnum
from .outcome_enum import OutcomeEnum
from .patched_schedule_update_input_request import PatchedScheduleUpdateInputRequest
from .problem import Problem
from .progress_output import ProgressOutput
from .queue_list import QueueList
from .queue_metrics_output import QueueMetricsOutput
from .queue_output import QueueOutput
from .schedule_create_input_request import ScheduleCreateInputRequest
from .schedule_job_demo_cpu import ScheduleJobDemoCpu
from .schedule_job_demo_cpu_labels import ScheduleJobDemoCpuLabels
from .schedule_job_demo_cpu_type import ScheduleJobDemoCpuType
from .schedule_job_demo_fanout import ScheduleJobDemoFanout
from .schedule_job_demo_fanout_labels import ScheduleJobDemoFanoutLabels
from .schedule_job_demo_fanout_type import ScheduleJobDemoFanoutType
from .schedule_job_demo_gather import ScheduleJobDemoGather
from .schedule_job_demo_gather_labels import ScheduleJobDemoGatherLabels
from .schedule_job_demo_gather_type import ScheduleJobDemoGatherType
from .schedule_job_demo_noop import ScheduleJobDemoNoop
from .schedule_job_demo_noop_labels import ScheduleJobDemoNoopLabels
from .schedule_job_demo_noop_type import ScheduleJobDemoNoopType
from .schedule_job_demo_sleep import ScheduleJobDemoSleep
from .schedule_job_demo_sleep_labels import ScheduleJobDemoSleepLabels
from .schedule_job_demo_sleep_type import ScheduleJobDemoSleepType
from .schedule_job_django_task import ScheduleJobDjangoTask
from .schedule_job_django_task_labels import ScheduleJobDjangoTaskLabels
from .schedule_job_django_task_type import ScheduleJobDjangoTaskType
from .schedule_job_http_request import ScheduleJobHttpRequest
from .schedule_job_http_request_labels import ScheduleJobHttpRequestLabels
from .schedule_job_http_request_type import ScheduleJobHttpRequestType
from .schedule_job_workflow_start import ScheduleJobWorkflowStart
from .schedule_job_workflow_start_labels import ScheduleJobWorkflowStartLabels
from .schedule_job_workflow_start_type import ScheduleJobWorkflowStartType
from .schedule_output import ScheduleOutput
from .schedule_page import SchedulePage
from .webhook_attempt_output import WebhookAttemptOutput
from .webhook_delivery_output import WebhookDeliveryOutput
from .webhook_delivery_output_state_enum import WebhookDeliveryOutputStateEnum
from .worker_list import WorkerList
from .worker_output import WorkerOutput
from .workflow_create_input_request import WorkflowCreateInputRequest
from .workflow_create_input_request_labels import WorkflowCreateInputRequestLabels
from .workflow_job_demo_cpu import WorkflowJobDemoCpu
from .workflow_job_demo_cpu_labels import WorkflowJobDemoCpuLabels
from .workflow_job_demo_cpu_type import WorkflowJobDemoCpuType
from .workflow_job_demo_fanout import WorkflowJobDemoFanout
from .workflow_job_demo_fanout_labels import WorkflowJobDemoFanoutLabels
from .workflow_job_demo_fanout_type import WorkflowJobDemoFanoutType
from .workflow_job_demo_gather import WorkflowJobDemoGather
from .workflow_job_demo_gather_labels import WorkflowJobDemoGatherLabels
from .workflow_job_demo_gather_type import WorkflowJobDemoGatherType
from .workflow_job_demo_noop import WorkflowJobDemoNoop
from .workflow_job_demo_noop_labels import WorkflowJobDemoNoopLabels
from .workflow_job_demo_noop_type import WorkflowJobDemoNoopType
from .workflow_job_demo_sleep import WorkflowJobDemoSleep
from .workflow_job_demo_sleep_labels import WorkflowJobDemoSleepLabels
from .workflow_job_demo_sleep_type import WorkflowJobDemoSleepType
from .workflow_job_django_task import WorkflowJobDjangoTask
from .workflow_job_django_task_labels import WorkflowJobDjangoTaskLabels
from .workflow_job_django_task_type import WorkflowJobDjangoTaskType
from .workflow_job_http_request import WorkflowJobHttpRequest
from .workflow_job_http_request_labels import WorkflowJobHttpRequestLabels
from .workflow_job_http_request_type import WorkflowJobHttpRequestType
from .workflow_job_workflow_start import WorkflowJobWorkflowStart
from .workflow_job_workflow_start_labels import WorkflowJobWorkflowStartLabels
from .workflow_job_workflow_start_type import WorkflowJobWorkflowStartType
from .workflow_output import WorkflowOutput
from .workflow_output_job_states import WorkflowOutputJobStates
from .workflow_output_labels import WorkflowOutputLabels
from .workflow_output_state_enum import WorkflowOutputStateEnum
from .workflow_step_output import WorkflowStepOutput

__all__ = (
    "AdvertisedTaskOutput",
    "AttemptOutput",
    "CronInputRequest",
    "CronOutput",
    "ErrorOutput",
    "FieldError",
    "JobBatchInputRequest",
    "JobBatchOutput",
    "JobBulkInputRequest",
    "JobBulkInputStateEnum",
    "JobBulkOutput",
    "JobDetailOutput",
    "JobOutput",
    "JobPage",
    "JobParamsDemoCpu",
    "JobParamsDemoFanout",
    "JobParamsDemoGather",
    "JobParamsDemoGatherInputs",
    "JobParamsDemoGatherInputsAdditionalProperty",
    "JobParamsDemoNoop",
    "JobParamsDemoSleep",
    "JobParamsDjangoTask",
    "JobParamsDjangoTaskKwargs",
    "JobParamsHttpRequest",
    "JobParamsHttpRequestBodyType1",
    "JobParamsHttpRequestHeaders",
    "JobParamsHttpRequestMethod",
    "JobParamsWorkflowStart",
    "JobParamsWorkflowStartJobsItem",
    "JobStateEnum",
    "JobSubmissionDemoCpu",
    "JobSubmissionDemoCpuLabels",
    "JobSubmissionDemoCpuType",
    "JobSubmissionDemoFanout",
    "JobSubmissionDemoFanoutLabels",
    "JobSubmissionDemoFanoutType",
    "JobSubmissionDemoGather",
    "JobSubmissionDemoGatherLabels",
    "JobSubmissionDemoGatherType",
    "JobSubmissionDemoNoop",
    "JobSubmissionDemoNoopLabels",
    "JobSubmissionDemoNoopType",
    "JobSubmissionDemoSleep",
    "JobSubmissionDemoSleepLabels",
    "JobSubmissionDemoSleepType",
    "JobSubmissionDjangoTask",
    "JobSubmissionDjangoTaskLabels",
    "JobSubmissionDjangoTaskType",
    "JobSubmissionHttpRequest",
    "JobSubmissionHttpRequestLabels",
    "JobSubmissionHttpRequestType",
    "JobSubmissionWorkflowStart",
    "JobSubmissionWorkflowStartLabels",
    "JobSubmissionWorkflowStartType",
    "JobTemplateOutput",
    "JobTemplateOutputLabels",
    "JobTemplateOutputParams",
    "JobTypeList",
    "JobTypeOutput",
    "JobTypeOutputParamsSchema",
    "JobTypeOutputRetry",
    "OnDependencyFailureEnum",
    "OutcomeEnum",
    "PatchedScheduleUpdateInputRequest",
    "Problem",
    "ProgressOutput",
    "QueueList",
    "QueueMetricsOutput",
    "QueueOutput",
    "ScheduleCreateInputRequest",
    "ScheduleJobDemoCpu",
    "ScheduleJobDemoCpuLabels",
    "ScheduleJobDemoCpuType",
    "ScheduleJobDemoFanout",
    "ScheduleJobDemoFanoutLabels",
    "ScheduleJobDemoFanoutType",
    "ScheduleJobDemoGather",
    "ScheduleJobDemoGatherLabels",
    "ScheduleJobDemoGatherType",
    "ScheduleJobDemoNoop",
    "ScheduleJobDemoNoopLabels",
    "ScheduleJobDemoNoopType",
    "ScheduleJobDemoSleep",
    "ScheduleJobDemoSleepLabels",
    "ScheduleJobDemoSleepType",
    "ScheduleJobDjangoTask",
    "ScheduleJobDjangoTaskLabels",
    "ScheduleJobDjangoTaskType",
    "ScheduleJobHttpRequest",
    "ScheduleJobHttpRequestLabels",
    "ScheduleJobHttpRequestType",
    "ScheduleJobWorkflowStart",
    "ScheduleJobWorkflowStartLabels",
    "ScheduleJobWorkflowStartType",
    "ScheduleOutput",
    "SchedulePage",
    "WebhookAttemptOutput",
    "WebhookDeliveryOutput",
    "WebhookDeliveryOutputStateEnum",
    "WorkerList",
    "WorkerOutput",
    "WorkflowCreateInputRequest",
    "WorkflowCreateInputRequestLabels",
    "WorkflowJobDemoCpu",
    "WorkflowJobDemoCpuLabels",
    "WorkflowJobDemoCpuType",
    "WorkflowJobDemoFanout",
    "WorkflowJobDemoFanoutLabels",
    "WorkflowJobDemoFanoutType",
    "WorkflowJobDemoGather",
    "WorkflowJobDemoGatherLabels",
    "WorkflowJobDemoGatherType",
    "WorkflowJobDemoNoop",
    "WorkflowJobDemoNoopLabels",
    "WorkflowJobDemoNoopType",
    "WorkflowJobDemoSleep",
    "WorkflowJobDemoSleepLabels",
    "WorkflowJobDemoSleepType",
    "WorkflowJobDjangoTask",
    "WorkflowJobDjangoTaskLabels",
    "WorkflowJobDjangoTaskType",
    "WorkflowJobHttpRequest",
    "WorkflowJobHttpRequestLabels",
    "WorkflowJobHttpRequestType",
    "WorkflowJobWorkflowStart",
    "WorkflowJobWorkflowStartLabels",
    "WorkflowJobWorkflowStartType",
    "WorkflowOutput",
    "WorkflowOutputJobStates",
    "WorkflowOutputLabels",
    "WorkflowOutputStateEnum",
    "WorkflowStepOutput",
)
