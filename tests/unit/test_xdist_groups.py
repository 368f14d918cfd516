"""The tests that share a booted platform land in one xdist group (tests/xdist_groups.py),
so ``--dist loadgroup`` boots each platform once instead of once per worker."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from xdist.scheduler import LoadGroupScheduling  # type: ignore[import-untyped]

from tests.procs import fresh_python_report

ROOT = Path(__file__).resolve().parents[2]

# Collects the end-to-end, docs and fault tests as the suite does; prints each test's
# group (None: no group).
SCRIPT = f"""
import json, os, pytest
os.chdir({str(ROOT)!r})
groups = {{}}
class Report:
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        for item in items:
            mark = item.get_closest_marker("xdist_group")
            groups[item.nodeid] = mark.args[0] if mark else None
pytest.main(["--collect-only", "-q", "tests/e2e", "tests/docs", "tests/faults"],
            plugins=[Report()])
print(json.dumps(groups))
"""


def test_the_tests_of_one_booted_platform_share_one_group() -> None:
    # a run id of its own: the session's end would otherwise drop this run's templates,
    # fault rows and groups (tests/conftest.py)
    env = {**os.environ, "CONVEYOR_TEST_RUN_ID": uuid.uuid4().hex[:8]}
    groups: dict[str, str | None] = fresh_python_report(SCRIPT, env)
    # the session platform of tests/e2e/conftest.py: one group per broker
    platform = {node: group for node, group in groups.items() if "test_batch.py" in node}
    assert set(platform.values()) == {"platform(redis)", "platform(rabbitmq)"}
    for node, group in groups.items():
        if group is not None and group.startswith("platform("):
            broker = group.removeprefix("platform(").removesuffix(")")
            assert f"[{broker}" in node, node
    # a module's own platform: one group per module and broker, whatever else it uses
    hooks = {group for node, group in groups.items() if "e2e/test_webhooks.py" in node}
    assert hooks == {"tests/e2e/test_webhooks.py(redis)", "tests/e2e/test_webhooks.py(rabbitmq)"}
    # the docs' platform: one group for every docs test that needs it
    docs = {group for node, group in groups.items() if node.startswith("tests/docs/")}
    assert docs == {"docs_platform", None}
    # the fault tests spread over the workers (each boots its own platform), but for a
    # module whose tests share the platform it boots (the probes'): one group, the module
    faults = {node: group for node, group in groups.items() if node.startswith("tests/faults/")}
    assert None in faults.values()
    assert "tests/faults/test_api_probes.py" in faults.values()
    for node, group in faults.items():
        assert group is None or node.startswith(f"{group}::"), node
    # and xdist reads each group back from the node id it makes of test and group
    scheduler = LoadGroupScheduling.__new__(LoadGroupScheduling)
    for node, group in groups.items():
        if group is not None:
            assert scheduler._split_scope(f"{node}@{group}") == group, node
