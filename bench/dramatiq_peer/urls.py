from __future__ import annotations

from django.urls import path

from bench.baseline.views import readyz
from bench.dramatiq_peer.views import BatchSubmitApi, SubmitApi

urlpatterns = [
    path("jobs", SubmitApi.as_view()),
    path("jobs/batch", BatchSubmitApi.as_view()),
    path("readyz", readyz),
]
