"""The Makefile's recipes, as `make -n` prints them for a fresh virtualenv (nothing runs)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def recipe(target: str, venv: Path) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", f"VENV={venv}", target],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if " -m pip install " in line and " -e " in line]


def test_run_installs_only_what_running_needs_and_shows_progress(tmp_path: Path) -> None:
    lines = recipe("run", tmp_path / "venv")
    # the embedded extra only, with pip's own output, and a line per step
    [install] = installs(lines)
    assert install.endswith('-e ".[embedded]"'), install
    assert " -q" not in install
    assert "--quiet" not in install
    steps = [line for line in lines if line.startswith('echo "==> ')]
    assert len(steps) == 3, lines
    # then it starts the local platform
    assert lines[-1] == f"{tmp_path / 'venv'}/bin/python -m conveyor.devserver"


@pytest.mark.parametrize("target", ["test", "test-fast", "lint", "typecheck", "bench"])
def test_development_targets_install_the_dev_extra(target: str, tmp_path: Path) -> None:
    # the dev extra, and the Python client the tests drive the API with
    dev, client = installs(recipe(target, tmp_path / "venv"))
    assert dev.endswith('-e ".[dev]"'), dev
    assert client.endswith("-e clients/python"), client


def test_test_fast_runs_the_quick_part_of_the_suite(tmp_path: Path) -> None:
    [pytest_line] = [line for line in recipe("test-fast", tmp_path / "venv") if "-m pytest" in line]
    for quick in ("tests/unit", "tests/api", "tests/chart"):
        assert quick in pytest_line.split()
    for slow in ("tests/e2e", "tests/faults", "tests/deploy"):
        assert slow not in pytest_line


def test_typecheck_runs_mypy_over_every_python_tree(tmp_path: Path) -> None:
    [mypy] = [line for line in recipe("typecheck", tmp_path / "venv") if "/mypy " in line]
    assert mypy.endswith("mypy services tests bench tools clients/python/conveyor_client"), mypy
