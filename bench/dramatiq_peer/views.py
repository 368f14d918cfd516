"""``POST /jobs``: the Celery baseline's serializer, then ``noop.send()``; 201.

``POST /jobs/batch``: every item validated, then sent as one Dramatiq ``group``.
"""

from __future__ import annotations

from typing import Any

import dramatiq
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.baseline.views import BatchInput, SubmitInput
from bench.dramatiq_peer.app import noop


class SubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = SubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        message = noop.send(fields["type"], fields["params"])
        return Response({"id": message.message_id, "type": fields["type"]}, status=201)


class BatchSubmitApi(APIView):
    def post(self, request: Request) -> Response:
        data = BatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        items: list[dict[str, Any]] = data.validated_data["jobs"]
        messages = [noop.message(item["type"], item["params"]) for item in items]
        dramatiq.group(messages).run()  # type: ignore[no-untyped-call]
        return Response({"ids": [m.message_id for m in messages]}, status=201)
