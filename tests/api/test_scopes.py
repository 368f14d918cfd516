"""Scopes are a set of known names, matched exactly: in the admin form, in
``api_client_create`` and in every API check (``schedules:writeX`` grants nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conveyor.clients.models import ApiClient
from conveyor.clients.scopes import ALL_SCOPES, granted_scopes
from conveyor.clients.services import api_client_create
from conveyor.core.errors import InvalidInput
from tests.api.conftest import MakeApi
from tests.api.problems import problem_of

SCHEDULE = {"name": "pulse", "interval_seconds": 60, "job": {"type": "demo.noop"}}


def change_url(client: ApiClient) -> str:
    return f"/admin/clients/apiclient/{client.pk}/change/"


def test_the_admin_form_refuses_a_scope_that_is_not_known(
    admin_client: Client, make_api: MakeApi
) -> None:
    # given
    _, client = make_api(scopes=["jobs:read"])

    # when: an operator submits a name that only contains a real scope
    response = admin_client.post(
        change_url(client),
        {"name": client.name, "scopes": ["jobs:read", "schedules:writeX"], "is_active": "on"},
    )

    # then: the form answers with the error, and the client keeps its scopes
    assert response.status_code == 200
    assert "schedules:writeX is not one of the available choices" in response.content.decode()
    client.refresh_from_db()
    assert client.scopes == ["jobs:read"]


def test_the_admin_form_stores_the_ticked_scopes_as_a_list(
    admin_client: Client, make_api: MakeApi
) -> None:
    _, client = make_api(scopes=["jobs:read"])

    response = admin_client.post(
        change_url(client),
        {"name": client.name, "scopes": ["schedules:write", "jobs:read"], "is_active": "on"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    client.refresh_from_db()
    assert client.scopes == ["jobs:read", "schedules:write"]


def test_the_admin_form_shows_every_known_scope_as_a_checkbox(
    admin_client: Client, make_api: MakeApi
) -> None:
    _, client = make_api(scopes=["jobs:read"])

    page = admin_client.get(change_url(client)).content.decode()

    assert page.count('type="checkbox" name="scopes"') == len(ALL_SCOPES)


@pytest.mark.parametrize(
    "stored",
    [
        "jobs:read schedules:writeX",  # a JSON string, as the old JSON box allowed
        ["jobs:read", "schedules:writeX"],
        ["jobs:read", "xschedules:write"],
        ["jobs:read", "schedules:write "],
    ],
    ids=["string", "suffix", "prefix", "space"],
)
def test_a_name_containing_a_scope_does_not_grant_it(make_api: MakeApi, stored: Any) -> None:
    # given: a client whose stored scopes were written around the form
    api, client = make_api(scopes=["jobs:read"])
    ApiClient.objects.filter(pk=client.pk).update(scopes=stored)

    # when / then: schedules:write is refused, the exact jobs:read still works
    problem_of(api.post("/v1/schedules", SCHEDULE, format="json"), 403)
    assert api.get("/v1/jobs").status_code == 200


def test_the_exact_scope_grants(make_api: MakeApi) -> None:
    api, _ = make_api(scopes=["schedules:write"])

    response = api.post("/v1/schedules", SCHEDULE, format="json")

    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("stored", "granted"),
    [
        (["jobs:read", "jobs:write"], {"jobs:read", "jobs:write"}),
        ("jobs:read,queues:read", {"jobs:read", "queues:read"}),
        (["jobs:readX", 7, None], set()),
        ({"jobs:read": True}, set()),
        (None, set()),
    ],
)
def test_granted_scopes_are_exact_known_names(stored: Any, granted: set[str]) -> None:
    assert granted_scopes(stored) == granted


@pytest.mark.parametrize(
    "scopes",
    [["schedules:writeX"], ["jobs:read", ""], "jobs:read"],
    ids=["unknown", "blank", "str"],
)
def test_api_client_create_refuses_unknown_scopes(scopes: Any) -> None:
    with pytest.raises(InvalidInput):
        api_client_create(name="c", scopes=scopes)
    assert not ApiClient.objects.filter(name="c").exists()


def test_a_client_with_only_read_is_refused_writes(make_api: MakeApi) -> None:
    api, _ = make_api(scopes=["jobs:read"])

    problem_of(api.post("/v1/jobs", {"type": "demo.noop"}, format="json"), 403)
