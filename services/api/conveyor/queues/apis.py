"""The queue resource over HTTP: counts for operators and for KEDA's metrics-api scaler.

The counts cover every client's jobs (a queue is shared); the ``queues:read`` scope guards
them. They are at most ``CONVEYOR_QUEUE_STATS_TTL_SECONDS`` old.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conveyor.clients.scopes import QUEUES_READ
from conveyor.core.errors import NotFound
from conveyor.core.openapi import listed
from conveyor.queues import selectors
from conveyor.queues.serializers import QueueMetricsOutput, QueueOutput


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
