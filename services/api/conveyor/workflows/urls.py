from __future__ import annotations

from django.urls import path

from conveyor.workflows import apis

urlpatterns = [
    path("workflows", apis.WorkflowCollectionApi.as_view(), name="workflows"),
    path("workflows/<uuid:workflow_id>", apis.WorkflowDetailApi.as_view(), name="workflow-detail"),
    path(
        "workflows/<uuid:workflow_id>/cancel",
        apis.WorkflowCancelApi.as_view(),
        name="workflow-cancel",
    ),
    path(
        "workflows/<uuid:workflow_id>/retry", apis.WorkflowRetryApi.as_view(), name="workflow-retry"
    ),
]
