"""The queue resource over HTTP: counts for operators and for KEDA's metrics-api scaler.

The counts cover every client's jobs (a queue is shared); the ``queues:read`` scope guards
them. They are at most ``CONVEYOR_QUEUE_STATS_TTL_SECONDS`` old.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conveyor.clients.scopes import QUEUES_READ, QUEUES_WRITE, WORKERS_READ
from conveyor.core.errors import NotFound
from conveyor.core.openapi import listed
from conveyor.queues import pausing, selectors, workers
from conveyor.queues.serializers import QueueMetricsOutput, QueueOutput, WorkerOutput


class QueueListApi(APIView):
    """``GET /v1/queues``: every queue with its waiting, scheduled, running and backlog."""

    required_scopes = {"GET": QUEUES_READ}

    @extend_schema(
        responses={200: listed(QueueOutput(many=True), "QueueList")}, operation_id="queues_list"
    )
    def get(self, request: Request) -> Response:
        return Response({"results": QueueOutput(selectors.queue_list(), many=True).data})


class QueueMetricsApi(APIView):
    """``GET /v1/queues/{name}/metrics``: ``{"backlog": N, ...}`` for KEDA's metrics-api."""

    required_scopes = {"GET": QUEUES_READ}

    @extend_schema(responses={200: QueueMetricsOutput}, operation_id="queues_metrics")
    def get(self, request: Request, name: str) -> Response:
        queue = selectors.queue_get(name=name)
        if queue is None:
            raise NotFound(f"No queue named {name!r}; GET /v1/queues lists the queues.")
        return Response(QueueMetricsOutput(queue).data)


class QueuePauseApi(APIView):
    """``POST /v1/queues/{name}/pause``: its jobs stay queued, no worker takes one."""

    required_scopes = {"POST": QUEUES_WRITE}

    @extend_schema(request=None, responses={200: QueueOutput}, operation_id="queues_pause")
    def post(self, request: Request, name: str) -> Response:
        pausing.pause_queue(name)
        return Response(QueueOutput(selectors.queue_get(name=name)).data)


class QueueResumeApi(APIView):
    """``POST /v1/queues/{name}/resume``: workers take its jobs again."""

    required_scopes = {"POST": QUEUES_WRITE}

    @extend_schema(request=None, responses={200: QueueOutput}, operation_id="queues_resume")
    def post(self, request: Request, name: str) -> Response:
        pausing.resume_queue(name)
        return Response(QueueOutput(selectors.queue_get(name=name)).data)


class WorkerListApi(APIView):
    """``GET /v1/workers``: the live workers, their queues and the jobs they run now."""

    required_scopes = {"GET": WORKERS_READ}

    @extend_schema(
        responses={200: listed(WorkerOutput(many=True), "WorkerList")},
        operation_id="workers_list",
    )
    def get(self, request: Request) -> Response:
        return Response({"results": WorkerOutput(workers.live_workers(), many=True).data})
