"""``manage.py create_api_client``: prints a key once, and that key works."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import DEFAULT_SCOPES
from tests.api.problems import problem_of


def create(*args: str) -> str:
    out = StringIO()
    call_command("create_api_client", *args, stdout=out)
    return out.getvalue()


def test_the_printed_key_authenticates(anonymous: APIClient) -> None:
    # given
    output = create("billing")
    key = next(line.split()[1] for line in output.splitlines() if line.startswith("key:"))

    # when
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = anonymous.post("/v1/jobs", {"type": "demo.noop"}, format="json")

    # then
    assert response.status_code == 201, response.content
    client = ApiClient.objects.get(name="billing")
    assert client.scopes == sorted(DEFAULT_SCOPES)
    assert key not in client.key_digest  # only a digest is stored
    assert client.key_prefix in key


def test_key_only_prints_just_the_key_with_the_scopes_given(anonymous: APIClient) -> None:
    # given
    key = create("reader", "--scopes", "jobs:read", "--key-only").strip()

    # when
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    # then
    assert anonymous.get("/v1/jobs").status_code == 200
    problem_of(anonymous.post("/v1/jobs", {"type": "demo.noop"}, format="json"), 403)


def test_an_unknown_scope_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="jobs:admin"):
        create("x", "--scopes", "jobs:read,jobs:admin")

    assert not ApiClient.objects.filter(name="x").exists()


def test_a_taken_name_is_a_command_error() -> None:
    create("twice")

    with pytest.raises(CommandError, match="twice"):
        create("twice")

    assert ApiClient.objects.filter(name="twice").count() == 1


def test_the_name_can_be_given_as_an_option() -> None:
    output = create("--name", "by-option", "--key-only")

    assert output.startswith("cvk_")
    assert ApiClient.objects.filter(name="by-option").exists()


def test_a_missing_name_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="--name NAME"):
        create("--key-only")

    assert not ApiClient.objects.exists()
