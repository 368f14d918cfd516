"""``/dashboard/``: the pages, their live JSON views and the actions (docs/dashboard.md)."""

from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from conveyor.dashboard import actions, live, pages

app_name = "dashboard"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="dashboard/login.html",
            # Refuses a non-staff account with the admin's message.
            authentication_form=AdminAuthenticationForm,
            redirect_authenticated_user=False,
            next_page=reverse_lazy("dashboard:overview"),
        ),
        name="login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(next_page=reverse_lazy("dashboard:login")),
        name="logout",
    ),
    path("", pages.overview, name="overview"),
    path("jobs/", pages.jobs, name="jobs"),
    path("jobs/<uuid:job_id>/", pages.job_detail, name="job"),
    path("failed/", pages.failed, name="failed"),
    path("queues/", pages.queues, name="queues"),
    path("schedules/", pages.schedules, name="schedules"),
    path("live/overview", live.overview, name="live-overview"),
    path("live/queues", live.queues, name="live-queues"),
    path("live/jobs", live.jobs, name="live-jobs"),
    path("live/jobs/<uuid:job_id>", live.job, name="live-job"),
    path("jobs/<uuid:job_id>/requeue", actions.requeue, name="job-requeue"),
    path("jobs/<uuid:job_id>/<str:action>", actions.job_action, name="job-action"),
    path("bulk/<str:action>", actions.bulk, name="bulk"),
    path("failed/replay", actions.replay_group, name="replay-group"),
    path("queues/<str:name>/<str:action>", actions.queue_action, name="queue-action"),
    path(
        "schedules/<uuid:schedule_id>/<str:action>",
        actions.schedule_action,
        name="schedule-action",
    ),
]
