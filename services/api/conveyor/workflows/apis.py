"""The workflow resource over HTTP: thin classes that parse, call a service, render."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conveyor.clients.authentication import client_of
from conveyor.clients.scopes import JOBS_READ, JOBS_WRITE
from conveyor.workflows import selectors, services
from conveyor.workflows.models import Workflow
from conveyor.workflows.serializers import WorkflowCreateInput, WorkflowOutput


def _render(workflow: Workflow, status: int = 200) -> Response:
    view = selectors.workflow_view(workflow=workflow)
    headers = {"Location": f"/v1/workflows/{workflow.id}"} if status == 201 else {}
    return Response(WorkflowOutput(view).data, status=status, headers=headers)


class WorkflowCollectionApi(APIView):
    """``POST /v1/workflows``: a DAG of jobs in one transaction, all or nothing."""

    required_scopes = {"POST": JOBS_WRITE}

    @extend_schema(
        request=WorkflowCreateInput,
        responses={201: WorkflowOutput},
        operation_id="workflows_create",
    )
    def post(self, request: Request) -> Response:
        data = WorkflowCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        workflow = services.workflow_create(
            client=client_of(request),
            items=data.validated_data["jobs"],
            name=data.validated_data["name"],
            labels=data.validated_data["labels"],
        )
        return _render(workflow, status=201)


class WorkflowDetailApi(APIView):
    """``GET /v1/workflows/{id}``: the workflow's state and each of its jobs'."""

    required_scopes = {"GET": JOBS_READ}

    @extend_schema(responses={200: WorkflowOutput}, operation_id="workflows_retrieve")
    def get(self, request: Request, workflow_id: UUID) -> Response:
        return _render(selectors.workflow_get(client=client_of(request), workflow_id=workflow_id))


class WorkflowCancelApi(APIView):
    """``POST /v1/workflows/{id}/cancel``: cancel its jobs that have not ended; 409 if it
    has ended."""

    required_scopes = {"POST": JOBS_WRITE}

    @extend_schema(request=None, responses={200: WorkflowOutput}, operation_id="workflows_cancel")
    def post(self, request: Request, workflow_id: UUID) -> Response:
        workflow = selectors.workflow_get(client=client_of(request), workflow_id=workflow_id)
        return _render(services.workflow_cancel(workflow=workflow))


class WorkflowRetryApi(APIView):
    """``POST /v1/workflows/{id}/retry``: run a failed or cancelled workflow's failed and
    cancelled jobs again; 409 otherwise."""

    required_scopes = {"POST": JOBS_WRITE}

    @extend_schema(request=None, responses={200: WorkflowOutput}, operation_id="workflows_retry")
    def post(self, request: Request, workflow_id: UUID) -> Response:
        workflow = selectors.workflow_get(client=client_of(request), workflow_id=workflow_id)
        return _render(services.workflow_retry(workflow=workflow))
