"""A second environment for the Django 6 runs: Python 3.12 (Django 6 needs 3.12+) with
Django 6.0 and its built-in ``django.tasks``, and conveyor's other dependencies.

conveyor itself is not installed there: its processes find it on ``PYTHONPATH`` (the
repository's ``services/``), so the code under test is always the working tree's. The
environment is made once (``make django6``, or ``python -m tests.e2e.django6``: it
downloads from the package index) and kept in ``.venv/django6``; a stamp of what was
installed tells whether it is current. Without it the Django 6 tests are marked
``index`` (left out by default) instead of downloading at test time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv" / "django6"
STAMP = VENV / ".installed"
PYTHON_VERSION = os.environ.get("CONVEYOR_DJANGO6_PYTHON", "3.12")
DJANGO = "Django>=6.0,<6.1"
#: Where conveyor's packages are, for the Django 6 processes' PYTHONPATH.
SERVICES = [REPO / "services" / "api", REPO / "services" / "worker"]


def requirements() -> list[str]:
    """conveyor's dependencies, Django 6 in place of its own pin (no django-tasks: Django 6
    has the framework built in)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    deps = [d for d in project["dependencies"] if not d.replace(" ", "").startswith("Django>")]
    return [DJANGO, *deps]


def _fingerprint() -> str:
    return hashlib.sha256("\n".join([PYTHON_VERSION, *requirements()]).encode()).hexdigest()


def ready() -> bool:
    """Whether the environment exists and holds what ``requirements()`` asks today."""
    return STAMP.exists() and STAMP.read_text().strip() == _fingerprint()


def bin_dir() -> Path:
    return VENV / "bin"


def marks() -> list[pytest.MarkDecorator]:
    """No mark when the environment is ready; else ``index`` (making it downloads)."""
    return [] if ready() else [pytest.mark.index]


def ensure() -> Path:
    """The environment's bin directory, made (downloading from the index) if needed."""
    if ready():
        return bin_dir()
    python = _python()
    subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [str(bin_dir() / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, *requirements()], check=True, timeout=1200)
    STAMP.write_text(_fingerprint() + "\n")
    return bin_dir()


def _python() -> str:
    """pyenv's python3.12 (``PYENV_VERSION`` picks its newest 3.12), else one on PATH."""
    found = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    versions = sorted(
        (v for v in found if v.startswith(f"{PYTHON_VERSION}.")),
        key=lambda v: [int(p) for p in v.split(".") if p.isdigit()],
    )
    if versions:
        root = subprocess.run(
            ["pyenv", "root"], capture_output=True, text=True, check=True
        ).stdout.strip()
        return str(Path(root) / "versions" / versions[-1] / "bin" / f"python{PYTHON_VERSION}")
    return f"python{PYTHON_VERSION}"


if __name__ == "__main__":
    print(ensure())
    sys.exit(0)
