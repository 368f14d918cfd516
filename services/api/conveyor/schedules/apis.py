"""The schedule resource over HTTP: thin classes that parse, call a service, render."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conveyor.clients.authentication import client_of
from conveyor.clients.scopes import SCHEDULES_READ, SCHEDULES_WRITE
from conveyor.core.openapi import CURSOR_PARAMETERS, paginated
from conveyor.core.pagination import CreatedCursorPagination
from conveyor.schedules import selectors, services
from conveyor.schedules.serializers import (
    ScheduleCreateInput,
    ScheduleOutput,
    ScheduleUpdateInput,
    when_of,
)


class ScheduleCollectionApi(APIView):
    """``POST /v1/schedules`` creates a schedule; ``GET /v1/schedules`` lists the client's."""

    required_scopes = {"GET": SCHEDULES_READ, "POST": SCHEDULES_WRITE}

    @extend_schema(
        request=ScheduleCreateInput,
        responses={201: ScheduleOutput},
        operation_id="schedules_create",
    )
    def post(self, request: Request) -> Response:
        data = ScheduleCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        when = when_of(fields)
        assert when is not None  # the input requires one
        schedule = services.schedule_create(
            client=client_of(request),
            name=fields["name"],
            when=when,
            job=fields["job"],
            enabled=fields["enabled"],
        )
        return Response(
            ScheduleOutput(schedule).data,
            status=201,
            headers={"Location": f"/v1/schedules/{schedule.id}"},
        )

    @extend_schema(
        parameters=CURSOR_PARAMETERS,
        responses={200: paginated(ScheduleOutput(many=True), "SchedulePage")},
        operation_id="schedules_list",
    )
    def get(self, request: Request) -> Response:
        schedules = selectors.schedule_list(client=client_of(request))
        paginator = CreatedCursorPagination()
        page = paginator.paginate_queryset(schedules, request, view=self)
        return paginator.get_paginated_response(ScheduleOutput(page, many=True).data)


class ScheduleDetailApi(APIView):
    """``GET``, ``PATCH`` and ``DELETE /v1/schedules/{id}``."""

    required_scopes = {"GET": SCHEDULES_READ, "PATCH": SCHEDULES_WRITE, "DELETE": SCHEDULES_WRITE}

    @extend_schema(responses={200: ScheduleOutput}, operation_id="schedules_retrieve")
    def get(self, request: Request, schedule_id: UUID) -> Response:
        schedule = selectors.schedule_get(client=client_of(request), schedule_id=schedule_id)
        return Response(ScheduleOutput(schedule).data)

    @extend_schema(
        request=ScheduleUpdateInput,
        responses={200: ScheduleOutput},
        operation_id="schedules_partial_update",
    )
    def patch(self, request: Request, schedule_id: UUID) -> Response:
        schedule = selectors.schedule_get(client=client_of(request), schedule_id=schedule_id)
        data = ScheduleUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields: dict[str, Any] = data.validated_data
        schedule = services.schedule_update(
            schedule=schedule,
            name=fields.get("name", services.UNSET),
            when=when_of(fields),
            job=fields.get("job"),
            enabled=fields.get("enabled"),
        )
        return Response(ScheduleOutput(schedule).data)

    @extend_schema(request=None, responses={204: None}, operation_id="schedules_destroy")
    def delete(self, request: Request, schedule_id: UUID) -> Response:
        schedule = selectors.schedule_get(client=client_of(request), schedule_id=schedule_id)
        services.schedule_delete(schedule=schedule)
        return Response(status=204)
