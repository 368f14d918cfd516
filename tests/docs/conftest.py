"""A reader's shell next to a running platform, for the docs' commands.

The docs are written for a checkout in which ``make run`` runs: its virtualenv in
``.venv``, its data dir in ``var``, the variables ``api.md`` tells the reader to set.
Here the platform is the e2e one (gunicorn, a celery worker and beat on PostgreSQL and
Redis), and the checkout a temporary directory with ``.venv`` (this virtualenv) and
``var`` (the platform's data dir, holding the files ``make run`` keeps there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import shared_services as services
from tests.docs.blocks import snippet
from tests.e2e.httpserver import start_target
from tests.e2e.platform import Platform
from tests.procs import BIN

# The package of docs/job-types.md's example, loaded by the platform as a reader would
# register job types of their own.
EXAMPLE_PACKAGE = "acme_reports"


@dataclass(frozen=True)
class Reader:
    """Where and with what environment the docs' commands run."""

    checkout: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def docs_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """The platform, with docs/job-types.md's example job type registered."""
    services.require("postgres")
    services.require("redis")
    modules = tmp_path_factory.mktemp("doc-modules")
    package = modules / EXAMPLE_PACKAGE
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("jobtypes", "handlers"):
        (package / f"{name}.py").write_text(
            snippet("job-types.md", f"as {EXAMPLE_PACKAGE}/{name}.py")
        )
    python_path = [str(modules), *filter(None, [os.environ.get("PYTHONPATH")])]
    extra_env = {
        "PYTHONPATH": os.pathsep.join(python_path),
        "CONVEYOR_JOB_TYPE_MODULES": f"conveyor.jobtypes,{EXAMPLE_PACKAGE}.jobtypes",
        "CONVEYOR_HANDLER_MODULES": f"conveyor_worker.handlers,{EXAMPLE_PACKAGE}.handlers",
    }
    with Platform.running("redis", extra_env=extra_env, worker_concurrency=2) as platform:
        yield platform


@pytest.fixture(scope="session")
def reader(docs_platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """A shell that followed the docs: in the checkout, with the variables they define
    (``CONVEYOR``, ``CONVEYOR_KEY`` and ``RECEIVER`` in api.md, ``JOB`` and ``SCHEDULE``
    kept from a submission), and the platform's environment, as the processes it runs
    have. ``RECEIVER`` is a local server: no example reaches outside this machine."""
    platform = docs_platform
    receiver = start_target()
    # what make run keeps in its data dir
    (platform.data_dir / "secret_key").write_text(platform.env["SECRET_KEY"])
    (platform.data_dir / "demo_api_key").write_text(platform.keys["alice"])
    checkout = tmp_path_factory.mktemp("checkout")
    (checkout / ".venv").symlink_to(BIN.parent)
    (checkout / "var").symlink_to(platform.data_dir)
    # the clients' quick starts (api.md) run from the checkout's clients/
    (checkout / "clients").symlink_to(Path(__file__).resolve().parents[2] / "clients")

    job = platform.submit({"type": "demo.sleep", "params": {"seconds": 1}})["id"]
    response = platform.http.post(
        f"{platform.base_url}/v1/schedules",
        json={"name": "docs-reader", "interval_seconds": 3600, "job": {"type": "demo.noop"}},
        headers=platform.headers(),
    )
    assert response.status_code == 201, response.text

    # The docs name .venv/bin/ explicitly: a virtualenv on the PATH would hide a bare
    # `conveyor` or `celery`.
    path = os.pathsep.join(
        entry
        for entry in platform.env.get("PATH", os.defpath).split(os.pathsep)
        if entry and Path(entry).resolve() != BIN.resolve()
    )
    env = {
        **platform.env,
        "PATH": path,
        "CONVEYOR": platform.base_url,
        "CONVEYOR_KEY": platform.keys["alice"],
        "JOB": str(job),
        "SCHEDULE": str(response.json()["id"]),
        "RECEIVER": f"{receiver.url}/hooks",
    }
    return Reader(checkout=checkout, env=env)
