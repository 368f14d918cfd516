"""The API's metrics are created once per process however many request threads ask first."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import os, sys, tempfile, threading
    # as under gunicorn: multiprocess mode (files), and threads switching often
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp()
    sys.setswitchinterval(1e-6)
    os.environ.setdefault("SECRET_KEY", "metrics-test-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conveyor.config.settings.base")
    import django
    django.setup()
    from conveyor.core.metrics import api_metrics

    start = threading.Barrier(32)
    errors = []

    def first_request():
        start.wait()
        try:
            api_metrics()
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=first_request) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(errors[:1] or "ok")
    """
)


def test_request_threads_asking_at_once_get_the_same_metrics() -> None:
    # each round is a fresh process, where nothing has created the metrics yet
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "ok", done.stdout
