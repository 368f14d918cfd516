"""process_* metrics of a process and its children, one series per process (the API's
gunicorn and the worker's pool run in multiprocess mode, where prometheus-client's own
process collector does not apply)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from conveyor.core.metrics import ProcessTree, children_of

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def test_a_process_and_each_child_have_their_series() -> None:
    # given: a child process
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE
    )
    try:
        assert child.pid in children_of(os.getpid())
        registry = CollectorRegistry(auto_describe=False)
        registry.register(ProcessTree(os.getpid()))

        # when
        text = generate_latest(registry).decode()
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)

    # then
    for pid in (os.getpid(), child.pid):
        assert f'process_resident_memory_bytes{{pid="{pid}"}}' in text
        assert f'process_cpu_seconds_total{{pid="{pid}"}}' in text
        assert f'process_start_time_seconds{{pid="{pid}"}}' in text
    assert text.count("# TYPE process_resident_memory_bytes gauge") == 1
