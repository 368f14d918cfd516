"""``POST /jobs``: validate a tiny serializer, ``.delay()`` the task, answer 201.

``POST /jobs/batch``: validate every item, then send them all as one Celery ``group``
(one producer, one connection), answer 201 with their ids.
"""

from __future__ import annotations

from typing import Any, cast

from celery import group
from celery.result import GroupResult
from django.http import HttpRequest, JsonResponse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.baseline.celery_app import noop

MAX_BATCH = 1000


class SubmitInput(serializers.Serializer[dict[str, object]]):
    type = serializers.CharField(max_length=100)
    params = serializers.DictField(required=False, default=dict)


class BatchInput(serializers.Serializer[dict[str, object]]):
    jobs = serializers.ListField(child=SubmitInput(), allow_empty=False, max_length=MAX_BATCH)


class SubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        message = noop.delay(fields["type"], fields["params"])
        return Response({"id": message.id, "type": fields["type"]}, status=201)


class BatchSubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        items: list[dict[str, Any]] = data.validated_data["jobs"]
        sent = cast(
            GroupResult, group(noop.s(item["type"], item["params"]) for item in items).apply_async()
        )
        return Response({"ids": [result.id for result in sent.results or []]}, status=201)


def readyz(_request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ready"})
