"""Who may use the dashboard: staff users, logged in through Django's auth; the actions
need ``jobs.change_job`` as the admin's job actions do (conveyor/jobs/admin.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

View = Callable[..., HttpResponse]

#: The permission every action (retry, cancel, bulk, pause, schedules) needs.
OPERATE_PERMISSION = "jobs.change_job"


def is_operator(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


def can_operate(request: HttpRequest) -> bool:
    return is_operator(request) and request.user.has_perm(OPERATE_PERMISSION)


def staff_page(view: View) -> View:
    """A page: anyone but an active staff user goes to the dashboard's login."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request):
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        return view(request, *args, **kwargs)

    return wrapped


def staff_json(view: View) -> View:
    """A live JSON view: 403 with a reason (the page's script then reloads to log in)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request):
            return JsonResponse({"detail": "Log in to the dashboard as a staff user."}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def operator_action(view: View) -> View:
    """An action (POST): a staff user with ``jobs.change_job``, else 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_operator(request):
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        if not can_operate(request):
            return HttpResponse(
                f"Acting on jobs needs the {OPERATE_PERMISSION} permission; ask an admin.",
                status=403,
                content_type="text/plain",
            )
        return view(request, *args, **kwargs)

    return wrapped
