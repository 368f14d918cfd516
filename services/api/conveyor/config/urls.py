"""URL map: the v1 API, health and metrics, the admin, the schema and docs."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conveyor.core import health
from conveyor.core.index import ApiRootApi
from conveyor.queues import exposition

# The admin modules are imported here, with the URLconf, rather than when Django starts
# (see conveyor/core/adminapp.py): the worker and beat never load them.
admin.autodiscover()

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", exposition.metrics, name="metrics"),
    path("v1/schema", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its script from a URL, not inline: the CSP allows no inline script.
    path("v1/docs", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("v1/", ApiRootApi.as_view(), name="api-root"),
    path("v1/", include("conveyor.jobs.urls")),
    path("v1/", include("conveyor.queues.urls")),
    path("v1/", include("conveyor.schedules.urls")),
    path("v1/", include("conveyor.workflows.urls")),
    path("admin/", admin.site.urls),
    path("dashboard/", include("conveyor.dashboard.urls")),
]

handler404 = "conveyor.core.problems.not_found_view"
handler500 = "conveyor.core.problems.server_error_view"
