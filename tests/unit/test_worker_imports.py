"""The worker serves no HTTP: it loads none of the API's code (DRF, drf-spectacular, the
API classes, serializers, URLconf and admin), which would only cost every process memory."""

from __future__ import annotations

import textwrap

from tests.procs import fresh_python_report

# INSTALLED_APPS lists these, so their packages, app configs and system-check modules load
# in every process; nothing else of them may load in the worker.
APP_MODULES = {
    "rest_framework",
    "rest_framework.apps",
    "rest_framework.checks",
    "drf_spectacular",
    "drf_spectacular.apps",
    "drf_spectacular.checks",
    "drf_spectacular_sidecar",
    "drf_spectacular_sidecar.apps",
}
# DRF and drf-spectacular, and what only they use.
HTTP_PACKAGES = {
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "uritemplate",
    "inflection",
}
# conveyor's own HTTP side: its API classes, serializers, URLconfs and admin modules.
HTTP_MODULE_NAMES = {"apis", "serializers", "urls", "admin"}

# As `celery -A conveyor_worker.app worker` starts: the app, then the task modules (this is
# where Celery's Django fixup would run the system checks).
SCRIPT = textwrap.dedent("""
    import json, sys
    from conveyor_worker.app import app
    app.loader.import_default_modules()
    # and what it loads as it starts and ends jobs: specs, handlers, the final hooks
    from conveyor.jobs.hooks import final_hooks
    from conveyor_worker.registry import load_handlers
    load_handlers()
    final_hooks()
    print(json.dumps(sorted(sys.modules)))
""")


def is_http(module: str) -> bool:
    parts = module.split(".")
    if parts[0] in HTTP_PACKAGES:
        return module not in APP_MODULES
    return parts[0] == "conveyor" and parts[-1] in HTTP_MODULE_NAMES


def test_the_worker_loads_no_http_code() -> None:
    # when: a fresh interpreter with the suite's environment loads the worker
    modules = fresh_python_report(SCRIPT)

    # then
    assert "conveyor_worker.execute" in modules
    assert [m for m in modules if is_http(m)] == []


ADMIN_CHECKS = textwrap.dedent("""
    import json
    import django
    django.setup()
    from django.contrib import admin
    from django.core.checks import run_checks
    # what `conveyor check` reports: the silenced ones left out (settings/base.py)
    errors = [e for e in run_checks(tags=["admin"]) if not e.is_silenced()]
    print(json.dumps({"errors": [str(e) for e in errors],
                      "models": sorted(m._meta.label for m in admin.site._registry)}))
""")


def test_the_admin_checks_cover_the_admin_modules_before_the_urlconf_loads() -> None:
    # when: `conveyor check --tag admin` in a fresh interpreter (no URLconf loaded)
    report = fresh_python_report(ADMIN_CHECKS)

    # then: the checks imported the admin modules and found nothing wrong
    assert {"jobs.Job", "schedules.Schedule", "clients.ApiClient"} <= set(report["models"])
    assert report["errors"] == []
