"""What the distribution ships, and how the optional features behave without their extra.

The wheel holds the two services only (tools/, tests/ and bench/ stay in the repository);
Flower, the Kubernetes client and SQLAlchemy are extras of the features that need them,
and a process missing one says so in a line instead of failing on an ImportError.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from conveyor_worker import deletion_cost

REPO = Path(__file__).resolve().parents[2]
IN_CLUSTER = {
    "POD_NAME": "conveyor-worker-default-abc",
    "POD_NAMESPACE": "conveyor",
    "KUBERNETES_SERVICE_HOST": "10.0.0.1",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "--wheel-dir", str(out), REPO],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return next(out.glob("conveyor-*.whl"))


def _metadata(wheel: Path) -> tuple[list[str], dict[str, list[str]]]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(meta).decode())
    fields = {key: message.get_all(key) or [] for key in set(message.keys())}
    return names, fields


def test_the_wheel_ships_the_services_and_no_tools(wheel: Path) -> None:
    names, _ = _metadata(wheel)
    packages = {name.split("/", 1)[0] for name in names if "/" in name}
    assert {"conveyor", "conveyor_worker"} <= packages
    assert not packages & {"tools", "tests", "bench"}, packages
    assert not [n for n in names if n.startswith("conveyor_worker/autoscale/")]


def test_the_wheel_ships_the_dashboards_pages_and_assets(wheel: Path) -> None:
    """The image installs the wheel: without them the dashboard is a 500 and unstyled."""
    names, _ = _metadata(wheel)
    dashboard = REPO / "services" / "api" / "conveyor" / "dashboard"
    expected = {
        f"conveyor/dashboard/{path.relative_to(dashboard)}"
        for folder in ("templates", "static")
        for path in (dashboard / folder).rglob("*")
        if path.is_file()
    }
    assert expected, "no template or static file found"
    assert expected <= set(names), sorted(expected - set(names))


def test_optional_packages_are_extras_of_their_features(wheel: Path) -> None:
    _, fields = _metadata(wheel)
    requires = fields["Requires-Dist"]
    core = [r.split(";")[0].strip().lower() for r in requires if "extra ==" not in r]
    for optional in ("flower", "kubernetes", "sqlalchemy", "django-tasks", "opentelemetry"):
        assert not any(r.startswith(optional) for r in core), (optional, core)
    extras = {"embedded", "flower", "kubernetes", "otel", "tasks", "dev"}
    assert extras <= set(fields["Provides-Extra"])
    # the tests run every feature: dev pulls in the five extras
    assert any(
        r.startswith("conveyor[embedded,flower,kubernetes,otel,tasks]") and 'extra == "dev"' in r
        for r in requires
    ), requires
    # the license is an SPDX expression, not the deprecated table
    assert fields["License-Expression"] == ["Apache-2.0"]


def test_without_the_kubernetes_client_deletion_cost_logs_a_line_and_stays_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # given a worker in a cluster whose image lacks the kubernetes extra
    monkeypatch.setitem(sys.modules, "kubernetes", None)  # `import kubernetes` fails
    # when
    with caplog.at_level(logging.WARNING, logger=deletion_cost.__name__):
        reporter = deletion_cost.from_environment(IN_CLUSTER)
    # then
    assert reporter is None
    assert [r.getMessage() for r in caplog.records] == [
        "pod-deletion-cost needs the kubernetes package: "
        "pip install 'conveyor[kubernetes]'; it is off"
    ]


def test_without_the_kubernetes_client_deletion_cost_on_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes", None)
    with pytest.raises(RuntimeError, match=r"pip install 'conveyor\[kubernetes\]'"):
        deletion_cost.from_environment({**IN_CLUSTER, "CONVEYOR_POD_DELETION_COST": "on"})


def _without_sqlalchemy(
    main: str, argv: list[str], data_dir: Path
) -> subprocess.CompletedProcess[str]:
    """``argv`` run by ``main`` in a fresh interpreter where SQLAlchemy cannot be imported,
    on the embedded default (no BROKER_URL, no DATABASE_URL)."""
    env = {k: v for k, v in os.environ.items() if k not in {"BROKER_URL", "DATABASE_URL"}}
    env.update(
        SECRET_KEY="packaging-test",
        CONVEYOR_DATA_DIR=str(data_dir),
        STATIC_ROOT=str(data_dir / "static"),
    )
    module, function = main.rsplit(".", 1)
    script = (
        "import sys; sys.modules['sqlalchemy'] = None\n"
        f"from {module} import {function}\n"
        f"sys.argv = {argv!r}\n"
        f"{function}()\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_worker_on_the_embedded_broker_without_sqlalchemy_says_what_to_install(
    tmp_path: Path,
) -> None:
    # given no BROKER_URL (the embedded default) and no SQLAlchemy
    # when the worker starts
    argv = ["celery", "-A", "conveyor_worker.app", "worker"]
    done = _without_sqlalchemy("celery.__main__.main", argv, tmp_path)
    # then it stops at once, naming the extra, not on an ImportError deep in kombu
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert "needs SQLAlchemy: pip install 'conveyor[embedded]'" in last, done.stderr[-2000:]
    assert "ImportError" not in done.stderr
    assert "ModuleNotFoundError" not in done.stderr


def test_commands_that_need_no_broker_run_without_sqlalchemy(tmp_path: Path) -> None:
    # the image's build collects the static files with no BROKER_URL and no SQLAlchemy
    argv = ["conveyor", "collectstatic", "--noinput", "--verbosity", "0"]
    done = _without_sqlalchemy("conveyor.cli.main", argv, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
