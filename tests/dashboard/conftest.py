"""Fixtures for the dashboard's tests through Django's test client (real URLs, sessions,
CSRF and the real test database)."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests import shared_services as services


@pytest.fixture(autouse=True)
def _real_database(db: None) -> None:
    services.require("postgres")


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """Pages link their static files; the manifest storage needs collectstatic."""
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def operator(admin_user: User) -> Client:
    """A superuser, logged in, with CSRF checks on as in a browser."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    return client
