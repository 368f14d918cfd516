"""``GET /v1/``: where to go from the API's root (no key needed), so the first URL a reader
tries answers with the way on instead of a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

LINKS = {
    "jobs": "/v1/jobs",
    "job_types": "/v1/job-types",
    "queues": "/v1/queues",
    "workers": "/v1/workers",
    "schedules": "/v1/schedules",
    "schema": "/v1/schema",
    "docs": "/v1/docs",
}


class ApiRootApi(APIView):
    """The API's resources, its OpenAPI schema and its docs UI."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "name": "conveyor API",
                "version": "1",
                "authentication": "Authorization: Bearer <api key>",
                "links": {name: request.build_absolute_uri(path) for name, path in LINKS.items()},
            }
        )
