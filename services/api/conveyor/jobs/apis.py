"""The job resource over HTTP: thin classes that parse, call a service, render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conveyor.clients.authentication import client_of
from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import JOBS_READ, JOBS_WRITE
from conveyor.core.openapi import CURSOR_PARAMETERS, listed, paginated
from conveyor.core.pagination import CreatedCursorPagination
from conveyor.core.view_hop import rendered_here
from conveyor.jobs import batch, bulk, idempotency, longpoll, quotas, selectors, services
from conveyor.jobs.models import Job
from conveyor.jobs.serializers import (
    JobBatchInput,
    JobBatchOutput,
    JobBulkInput,
    JobBulkOutput,
    JobCreateInput,
    JobDetailOutput,
    JobDetailQuery,
    JobListQuery,
    JobOutput,
    JobSubmitQuery,
    JobTypeOutput,
    submission_of,
)
from conveyor.jobs.states import RETRYABLE_STATES
from conveyor.jobs.types import all_job_types


class JobCollectionApi(APIView):
    """``POST /v1/jobs`` submits a job; ``GET /v1/jobs`` lists the client's jobs."""

    required_scopes = {"GET": JOBS_READ, "POST": JOBS_WRITE}

    @extend_schema(
        request=JobCreateInput,
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                str,
                OpenApiParameter.HEADER,
                description="same key and body: the same job (200); another body: 409",
            ),
            JobSubmitQuery,
        ],
        responses={201: JobOutput, 200: JobOutput},
        operation_id="jobs_create",
    )
    def post(self, request: Request) -> Response:
        query = JobSubmitQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        client = client_of(request)
        key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
        headers: dict[str, str] = {}
        if key is None:
            job, created = _submit(client, request.data), True
        else:
            job, created = idempotency.submit_once(
                client=client,
                key=key,
                digest=idempotency.body_hash(request.data),
                create=lambda: _submit(client, request.data),
            )
            if not created:
                headers["Idempotent-Replayed"] = "true"
        headers["Location"] = f"/v1/jobs/{job.id}"
        status = 201 if created else 200
        response = Response(JobOutput(job).data, status=status, headers=headers)
        wait = query.validated_data.get("wait")
        if wait is None or job.is_final:
            return response

        def answer() -> Response:
            # After the wait (the async view's, urls.py): the job as it is then.
            waited = selectors.job_get(client=client, job_id=job.pk)
            again = Response(JobOutput(waited).data, status=status, headers=headers)
            return self.finalize_response(request, again)

        def answer_from(final: Job) -> Response:
            # The same answer from the final row the worker's notification carried, on
            # the event loop: no database, rendered here (longpoll.ask_to_wait).
            again = Response(JobOutput(final).data, status=status, headers=headers)
            return rendered_here(request._request, self.finalize_response(request, again))

        return longpoll.ask_to_wait(
            response, job_id=job.pk, timeout=wait, answer=answer, answer_from=answer_from
        )

    @extend_schema(
        parameters=[JobListQuery, *CURSOR_PARAMETERS],
        responses={200: paginated(JobOutput(many=True), "JobPage")},
        operation_id="jobs_list",
    )
    def get(self, request: Request) -> Response:
        query = JobListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        q: dict[str, Any] = query.validated_data
        filters = selectors.JobFilters(
            states=q.get("state", []),
            types=q.get("type", []),
            queues=q.get("queue", []),
            labels=q.get("label", {}),
            created_after=q.get("created_after"),
            created_before=q.get("created_before"),
        )
        jobs = selectors.job_list(client=client_of(request), filters=filters)
        paginator = CreatedCursorPagination()
        page = paginator.paginate_queryset(jobs, request, view=self)
        return paginator.get_paginated_response(JobOutput(page, many=True).data)


class JobBatchCreateApi(APIView):
    """``POST /v1/jobs/batch``: up to 1,000 jobs in one transaction, all or nothing."""

    required_scopes = {"POST": JOBS_WRITE}

    @extend_schema(
        request=JobBatchInput, responses={201: JobBatchOutput}, operation_id="jobs_batch_create"
    )
    def post(self, request: Request) -> Response:
        data = JobBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        jobs = batch.jobs_create_batch(client=client_of(request), items=data.validated_data["jobs"])
        return Response({"jobs": JobOutput(jobs, many=True).data}, status=201)


class JobDetailApi(APIView):
    """``GET /v1/jobs/{id}``: the job with its attempt history; ``?wait=N`` long-polls."""

    required_scopes = {"GET": JOBS_READ}

    @extend_schema(
        parameters=[
            JobDetailQuery,
            OpenApiParameter(
                longpoll.SHORTENED_HEADER,
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="true: the wait was cut short, the job answered as it was, "
                "because this API process held its limit of long-polls; ask again",
            ),
        ],
        responses={200: JobDetailOutput},
        operation_id="jobs_retrieve",
    )
    def get(self, request: Request, job_id: UUID) -> Response:
        query = JobDetailQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        wait = query.validated_data.get("wait")
        job = selectors.job_get(client=client_of(request), job_id=job_id)
        response = Response(JobDetailOutput(job).data)
        if wait is None or job.is_final:
            return response
        # The wait itself is the async view's (urls.py): it holds no thread.
        return longpoll.ask_to_wait(response, job_id=job.pk, timeout=wait)


class JobCancelApi(APIView):
    """``POST /v1/jobs/{id}/cancel``: 409 if the job is already final."""

    required_scopes = {"POST": JOBS_WRITE}

    @extend_schema(request=None, responses={200: JobOutput}, operation_id="jobs_cancel")
    def post(self, request: Request, job_id: UUID) -> Response:
        job = selectors.job_get(client=client_of(request), job_id=job_id)
        return Response(JobOutput(services.job_cancel(job=job)).data)


class JobRetryApi(APIView):
    """``POST /v1/jobs/{id}/retry``: run a failed or cancelled job again; 409 otherwise."""

    required_scopes = {"POST": JOBS_WRITE}

    @extend_schema(request=None, responses={200: JobOutput}, operation_id="jobs_retry")
    def post(self, request: Request, job_id: UUID) -> Response:
        job = selectors.job_get(client=client_of(request), job_id=job_id)
        return Response(JobOutput(services.job_retry(job=job)).data)


class JobBulkApi(APIView):
    """A bulk action on the client's jobs a filter matches (``JobBulkInput``)."""

    required_scopes = {"POST": JOBS_WRITE}
    #: The states the action takes a job from (for ``dry_run``'s count).
    takes: frozenset[str] = frozenset()

    def act(self, job_filter: bulk.JobFilter, client: ApiClient) -> int:
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        data = JobBulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        v: dict[str, Any] = data.validated_data
        job_filter = bulk.JobFilter(
            states=tuple(v.get("state", ())),
            types=tuple(v.get("type", ())),
            queues=tuple(v.get("queue", ())),
            labels=tuple(sorted(v.get("label", {}).items())),
            created_after=v.get("created_after"),
            created_before=v.get("created_before"),
        )
        client = client_of(request)
        if v["dry_run"]:
            counts = bulk.count_matching(job_filter, client=client)
            return Response({"count": bulk.count_in(self.takes, counts), "dry_run": True})
        return Response({"count": self.act(job_filter, client), "dry_run": False})


class JobBulkCancelApi(JobBulkApi):
    """``POST /v1/jobs/cancel``: cancel the client's unfinished jobs a filter matches."""

    takes = bulk.CANCELLABLE_STATES

    @extend_schema(
        request=JobBulkInput, responses={200: JobBulkOutput}, operation_id="jobs_bulk_cancel"
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def act(self, job_filter: bulk.JobFilter, client: ApiClient) -> int:
        return bulk.bulk_cancel(job_filter, client=client)


class JobBulkRetryApi(JobBulkApi):
    """``POST /v1/jobs/retry``: run again the client's failed or cancelled jobs a filter
    matches."""

    takes = RETRYABLE_STATES

    @extend_schema(
        request=JobBulkInput, responses={200: JobBulkOutput}, operation_id="jobs_bulk_retry"
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def act(self, job_filter: bulk.JobFilter, client: ApiClient) -> int:
        return bulk.bulk_retry(job_filter, client=client)


class JobTypeListApi(APIView):
    """``GET /v1/job-types``: every job type with its params schema and policies."""

    required_scopes = {"GET": JOBS_READ}

    @extend_schema(
        responses={200: listed(JobTypeOutput(many=True), "JobTypeList")},
        operation_id="job_types_list",
    )
    def get(self, request: Request) -> Response:
        types = JobTypeOutput(all_job_types(), many=True)  # type: ignore[arg-type]
        return Response({"results": types.data})


def _submit(client: ApiClient, body: Any) -> Job:
    data = JobCreateInput(data=body)
    data.is_valid(raise_exception=True)
    quotas.check_unfinished_jobs(client=client, adding=1)
    return services.job_create(client=client, **submission_of(data.validated_data))
