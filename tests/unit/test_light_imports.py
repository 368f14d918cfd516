"""The API imports the job type specs to validate params: they must stay light, and the
API loads no handler or other worker code for them."""

from __future__ import annotations

import textwrap

from tests.procs import fresh_python_report

# Modules only the worker needs. (celery.worker itself is imported by Celery's Django
# fixup as soon as the API's Celery app exists, so the check is on what the job type
# modules add, plus httpcore, which nothing in the API may load.)
HEAVY = (
    "httpcore",
    "httpx",
    "celery.worker",
    "celery.apps",
    "conveyor_worker",
)

SCRIPT = textwrap.dedent(f"""
    import json, sys
    import django
    django.setup()
    before = set(sys.modules)
    from conveyor.jobs.types import all_job_types
    names = [t.name for t in all_job_types()]
    heavy = {HEAVY!r}
    added = sorted(m for m in set(sys.modules) - before
                   if any(m == h or m.startswith(h + ".") for h in heavy))
    print(json.dumps({{"names": names, "added": added,
                      "httpcore": "httpcore" in sys.modules}}))
""")


def test_importing_the_job_types_loads_no_heavy_module() -> None:
    # when: a fresh interpreter with the suite's environment
    report = fresh_python_report(SCRIPT)

    # then
    assert "http.request" in report["names"]
    assert report["added"] == []
    assert report["httpcore"] is False
