"""``make run``'s preparation, before any process starts (``conveyor.devserver.prepare``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.procs import embedded_default_env, fresh_python_report

SCRIPT = textwrap.dedent("""
    import io, json, os, sqlite3
    from pathlib import Path
    from conveyor.devserver.datadir import DataDir
    from conveyor.devserver.prepare import prepare
    data = DataDir(Path(os.environ["CONVEYOR_DATA_DIR"]))
    prepare(data, io.StringIO())
    broker = sqlite3.connect(str(data.broker))
    print(json.dumps(sorted(name for (name,) in broker.execute("SELECT name FROM kombu_queue"))))
""")


def test_the_embedded_broker_has_the_worker_queues_before_anything_starts(
    tmp_path: Path,
) -> None:
    # given a first `make run`: no DATABASE_URL, no BROKER_URL
    env = embedded_default_env(tmp_path, "local-prepare-test")

    # when it prepares the data dir
    queues = fresh_python_report(SCRIPT, env)

    # then the queues exist: the API, the worker and beat, started together, never race
    # to create them (kombu's SQL transport lets the loser die on kombu_queue.name)
    assert queues == ["conveyor", "default"]
