"""Reading schedules: a client only ever sees its own."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from conveyor.clients.models import ApiClient
from conveyor.core.errors import NotFound
from conveyor.schedules.models import Schedule


def schedule_get(*, client: ApiClient, schedule_id: UUID | str) -> Schedule:
    schedule = (
        Schedule.objects.select_related("client", "periodic_task")
        .filter(pk=schedule_id, client=client)
        .first()
    )
    if schedule is None:
        raise NotFound(f"No schedule {schedule_id}.")
    return schedule


def schedule_list(*, client: ApiClient) -> QuerySet[Schedule]:
    return Schedule.objects.filter(client=client)
