"""The ``conveyor`` command without settings in the environment, as a developer runs it
next to ``make run`` (or nowhere near it): real subprocesses, no suite settings."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import textwrap
from importlib.metadata import version
from pathlib import Path

from tests.procs import BIN, fresh_python_report

# What the suite sets for itself and a developer's shell does not have.
SUITE_ONLY = (
    "DATABASE_URL",
    "BROKER_URL",
    "SECRET_KEY",
    "CONVEYOR_BROKER_KEY_PREFIX",
    "CONVEYOR_DATA_DIR",
    "DJANGO_SETTINGS_MODULE",
)

# What `make run` does to its data dir before the processes start (conveyor.devserver).
PREPARE = textwrap.dedent("""
    import io, os
    from pathlib import Path
    from conveyor.devserver.datadir import DataDir, launch_environment
    from conveyor.devserver.prepare import prepare
    data = DataDir(Path(os.environ["PREPARE_IN"]) / "var")
    data.create()
    os.environ.update(launch_environment(data))
    prepare(data, io.StringIO())
    print("{}")
""")


def shell_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SUITE_ONLY}
    env.update(extra)
    return env


def conveyor(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "conveyor"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_settings_or_a_data_dir_a_command_says_what_to_set(tmp_path: Path) -> None:
    # when
    done = conveyor("create_api_client", "--name", "x", cwd=tmp_path, env=shell_env())

    # then: one line naming what to set, no traceback
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith("conveyor: SECRET_KEY is not set"), done.stderr
    assert "CONVEYOR_DATA_DIR" in done.stderr


def test_help_lists_conveyors_own_commands_without_settings(tmp_path: Path) -> None:
    # when
    done = conveyor("--help", cwd=tmp_path, env=shell_env())

    # then
    assert done.returncode == 0, done.stderr
    assert "create_api_client" in done.stdout
    assert "rotate_webhook_secret" in done.stdout
    assert "only Django core commands" not in done.stdout + done.stderr


def test_next_to_a_make_run_data_dir_a_command_uses_its_settings(tmp_path: Path) -> None:
    # given: a data dir `make run` prepared, with a database it was told of in DATABASE_URL
    database = tmp_path / "elsewhere.sqlite3"
    fresh_python_report(
        PREPARE,
        shell_env(
            PREPARE_IN=str(tmp_path),
            DATABASE_URL=f"sqlite:///{database}",
            DJANGO_SETTINGS_MODULE="conveyor.config.settings.base",
        ),
    )

    # when: a command run next to it, with nothing set
    done = conveyor(
        "create_api_client", "--name", "next-to-var", "--key-only", cwd=tmp_path, env=shell_env()
    )

    # then: its secret key and its database were used
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cvk_"), done.stdout
    assert "var" in done.stderr
    with sqlite3.connect(database) as db:
        names = [name for (name,) in db.execute("SELECT name FROM clients_apiclient")]
    assert "next-to-var" in names


def test_version_is_conveyors_own_not_djangos(tmp_path: Path) -> None:
    # when
    done = conveyor("--version", cwd=tmp_path, env=shell_env())

    # then
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == version("conveyor")
    assert done.stdout.strip() != version("django")
