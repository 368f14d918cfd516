from __future__ import annotations

from django.urls import path

from bench.baseline.views import BatchSubmitApi, SubmitApi, readyz

urlpatterns = [
    path("jobs", SubmitApi.as_view()),
    path("jobs/batch", BatchSubmitApi.as_view()),
    path("readyz", readyz),
]
