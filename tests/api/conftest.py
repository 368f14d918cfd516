"""Fixtures for the API tests: real URLs, real authentication, the real test database."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES
from tests import shared_services as services
from tests.factories import ApiClientFactory

MakeApi = Callable[..., tuple[APIClient, ApiClient]]


@pytest.fixture(autouse=True)
def _real_database(db: None) -> None:
    """Every API test runs against PostgreSQL (skipped locally, failed in CI, without it)."""
    services.require("postgres")


@pytest.fixture(autouse=True)
def _plain_static_files(settings: Any) -> None:
    """The manifest storage needs ``collectstatic`` (done at image build); pages that link
    static files (admin, docs) render with the plain storage in tests."""
    os.makedirs(settings.STATIC_ROOT, exist_ok=True)  # whitenoise warns about a missing one
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_api_key_cache(settings: Any) -> None:
    """Every request authenticates against the database, so query counts do not depend on
    which request came first; tests/api/test_api_key_cache.py turns the cache on."""
    settings.CONVEYOR_API_KEY_CACHE = timedelta(0)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def make_api() -> MakeApi:
    """``make_api(scopes=[...])`` → an ``APIClient`` sending that new client's key."""

    def make(
        scopes: list[str] | tuple[str, ...] = ALL_SCOPES, **kwargs: Any
    ) -> tuple[APIClient, ApiClient]:
        client, key = ApiClientFactory.with_key(scopes=list(scopes), **kwargs)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return api, client

    return make


@pytest.fixture
def owner(make_api: MakeApi) -> tuple[APIClient, ApiClient]:
    """A client holding every scope, with its authenticated ``APIClient``."""
    return make_api()


@pytest.fixture
def api(owner: tuple[APIClient, ApiClient]) -> APIClient:
    return owner[0]


@pytest.fixture
def me(owner: tuple[APIClient, ApiClient]) -> ApiClient:
    return owner[1]
