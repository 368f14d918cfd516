from __future__ import annotations

import pytest

from tests import shared_services as services


@pytest.fixture(autouse=True)
def _real_postgres() -> None:
    """Integration tests are about the real database: no SQLite stand-in."""
    services.require("postgres")
