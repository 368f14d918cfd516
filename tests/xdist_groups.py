"""Which tests share something booted (a platform, a server), so pytest-xdist runs them on
one worker (``--dist loadgroup``, Makefile ``PYTEST_ARGS``).

A module- or session-scoped fixture is set up once per xdist worker that runs a test
needing it: with ``--dist load`` the tests of the e2e ``platform`` fixture spread over
every worker, and each worker boots its own platform per broker. ``group_for`` names the
group of a test after the shared fixtures it uses that depend on no other shared fixture
(a session one by its name, a module one by its module; either with its parameter, the
broker say), so each is set up once; a test may also name its group itself. xdist sends
the biggest groups out first, so the long ones start early and the single tests fill the
workers around them.

xdist's own ``--dist loadgroup`` passes a group from the workers to its scheduler as a
suffix of the test's node id, which pytest 9.2 no longer lets a plugin change, so the
groups are silently ignored (pytest-dev/pytest-xdist#1386). Until that is fixed, the
workers write the groups to a file of the run and ``GroupScheduling``, the scheduler the
controller uses for ``--dist loadgroup`` (``pytest_xdist_make_scheduler`` in
tests/conftest.py), reads them from there.
"""

from __future__ import annotations

import json
import os
import tempfile
from functools import cached_property
from pathlib import Path

import pytest
from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

from tests import shared_services as services

TESTS = Path(__file__).parent
# The groups of this run's tests, by node id, as the workers found them.
GROUPS_FILE = Path(tempfile.gettempdir()) / f"conveyor-xdist-groups-{services.RUN_ID}.json"

# Shared fixtures left out of the groups: cheap to set up on each worker, or (the fault
# tests' private servers) shared by tests too long to run one after the other on one
# worker; a few seconds per worker is cheaper than that queue.
SPREAD = frozenset({"render", "target", "own_postgres", "own_redis"})


def _shared(item: pytest.Item) -> dict[str, pytest.FixtureDef[object]]:
    """The item's module- and session-scoped fixtures defined in tests/."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return {}
    found = {}
    for name, defs in info.name2fixturedefs.items():
        fixture = defs[-1]
        if name in SPREAD or fixture.scope not in ("module", "session"):
            continue
        if fixture.baseid.split("/")[0] != TESTS.name:
            continue  # a plugin's (pytest-django's database, say)
        found[name] = fixture
    return found


def group_for(item: pytest.Item) -> str | None:
    # a group a test names itself (``@pytest.mark.xdist_group("name")``): tests too
    # heavy to run at the same time as each other
    named = item.get_closest_marker("xdist_group")
    if named is not None:
        return str(named.args[0] if named.args else named.kwargs["name"])
    shared = _shared(item)
    params = getattr(getattr(item, "callspec", None), "params", {})
    sessions: set[str] = set()
    modules: dict[str, set[str]] = {}
    for name, fixture in shared.items():
        if any(dependency in shared for dependency in fixture.argnames):
            continue  # set up with the fixture it depends on
        # "name(param)": xdist reads a group after the last "@" only if no "]" follows it
        param = f"({params[name]})" if name in params else ""
        if fixture.scope == "session":
            sessions.add(name + param)
        else:  # a module's fixtures: one group per module (and parameter)
            modules.setdefault(fixture.baseid, set()).add(param)
    labels = sessions | {module + "".join(sorted(p)) for module, p in modules.items()}
    return "+".join(sorted(labels)) or None


def mark_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return  # the mark is xdist's (-p no:xdist: no mark, nothing to group)
    groups = {}
    for item in items:
        group = group_for(item)
        if group is not None:
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(group))
            groups[item.nodeid] = group
    if hasattr(config, "workerinput"):  # every worker collects the same tests
        partial = GROUPS_FILE.with_suffix(f".{os.getpid()}")
        partial.write_text(json.dumps(groups))
        partial.replace(GROUPS_FILE)


class GroupScheduling(LoadGroupScheduling):
    """``--dist loadgroup`` with the groups the workers wrote (see the module's doc)."""

    @cached_property
    def groups(self) -> dict[str, str]:
        # read once every worker has collected: when the scheduler first splits scopes
        if not GROUPS_FILE.exists():
            return {}
        groups: dict[str, str] = json.loads(GROUPS_FILE.read_text())
        return groups

    def _split_scope(self, nodeid: str) -> str:
        return self.groups.get(nodeid) or super()._split_scope(nodeid)
