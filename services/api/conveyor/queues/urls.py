from __future__ import annotations

from django.urls import path

from conveyor.queues import apis

urlpatterns = [
    path("queues", apis.QueueListApi.as_view(), name="queues"),
    path("queues/<str:name>/metrics", apis.QueueMetricsApi.as_view(), name="queue-metrics"),
    path("queues/<str:name>/pause", apis.QueuePauseApi.as_view(), name="queue-pause"),
    path("queues/<str:name>/resume", apis.QueueResumeApi.as_view(), name="queue-resume"),
    path("workers", apis.WorkerListApi.as_view(), name="workers"),
]
