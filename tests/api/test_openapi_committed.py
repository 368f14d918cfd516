"""clients/openapi.json, the schema the clients are generated from, is what the API serves."""

from __future__ import annotations

import json
from pathlib import Path

from rest_framework.test import APIClient

from tools.clients import SCHEMA, STAMP, schema_digest


def test_the_committed_schema_is_the_one_the_api_serves(anonymous: APIClient) -> None:
    # when
    served = anonymous.get("/v1/schema", {"format": "json"})

    # then
    assert served.status_code == 200
    assert json.loads(SCHEMA.read_text()) == json.loads(served.content), (
        f"{SCHEMA} differs from the schema the API serves: run `make clients`"
    )


def test_each_generated_client_was_made_from_the_committed_schema() -> None:
    digest = schema_digest(SCHEMA.read_text())
    stamps = sorted(SCHEMA.parent.glob(f"*/**/{STAMP}"))

    for stamp in stamps:
        assert stamp.read_text().strip() == digest, (
            f"{stamp.parent} was generated from another schema: run `make clients`"
        )
    assert {Path(s).relative_to(SCHEMA.parent).parts[0] for s in stamps} <= {"python", "typescript"}
