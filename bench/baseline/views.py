"""``POST /jobs``: validate a tiny serializer, ``.delay()`` the task, answer 201."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.baseline.celery_app import noop


class SubmitInput(serializers.Serializer[dict[str, object]]):
    type = serializers.CharField(max_length=100)
    params = serializers.DictField(required=False, default=dict)


class SubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        message = noop.delay(fields["type"], fields["params"])
        return Response({"id": message.id, "type": fields["type"]}, status=201)


def readyz(_request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ready"})
