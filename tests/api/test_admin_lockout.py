"""The admin's login locks an account out after repeated bad passwords (django-axes):
40 wrong passwords, then the right one is refused too, whatever address they come from."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "the-right-admin-password"


def attempt(password: str, address: str) -> Any:
    return Client(REMOTE_ADDR=address).post(
        LOGIN, {"username": "ops", "password": password, "next": "/admin/"}
    )


def test_forty_bad_passwords_lock_the_account_out(db: None, settings: Any) -> None:
    settings.AXES_FAILURE_LIMIT = 10
    User.objects.create_superuser("ops", "ops@example.com", PASSWORD)
    # The right password works, before.
    assert attempt(PASSWORD, "198.51.100.1").status_code == 302

    statuses = [attempt(f"guess-{n}", f"203.0.113.{n % 250}").status_code for n in range(40)]

    assert statuses[:9] == [200] * 9  # the login form again, with its error
    assert set(statuses[10:]) == {429}, statuses  # locked out from the 10th on
    refused = attempt(PASSWORD, "198.51.100.1")
    assert refused.status_code == 429
    assert "_auth_user_id" not in refused.client.session
