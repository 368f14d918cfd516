"""The backend's system checks (``manage.py check``): a missing API client name, and
queues conveyor does not know, are reported at start rather than at the first enqueue."""

from __future__ import annotations

from conveyor.djangotasks.backend import ConveyorBackend


def test_a_backend_without_client_or_with_unknown_queues_fails_its_checks() -> None:
    backend = ConveyorBackend("default", {"QUEUES": ["default", "nowhere"]})
    found = {message.id: message.msg for message in backend.check()}
    assert set(found) == {"conveyor.E101", "conveyor.E102"}
    assert "['nowhere']" in found["conveyor.E102"]


def test_a_configured_backend_passes_its_checks() -> None:
    backend = ConveyorBackend("default", {"QUEUES": ["default"], "OPTIONS": {"CLIENT": "shop"}})
    assert backend.check() == []
