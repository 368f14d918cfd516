from __future__ import annotations

from django.urls import path

from conveyor.schedules import apis

urlpatterns = [
    path("schedules", apis.ScheduleCollectionApi.as_view(), name="schedules"),
    path("schedules/<uuid:schedule_id>", apis.ScheduleDetailApi.as_view(), name="schedule-detail"),
]
