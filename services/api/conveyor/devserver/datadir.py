"""The files ``make run`` keeps in its data dir (``./var`` or ``CONVEYOR_DATA_DIR``).

The secret key is generated once and kept here, so that the processes of every run (and
``conveyor`` commands run next to the data dir, see ``conveyor.cli``) share it; so are the
database and broker URLs a run was started with, when the environment chose them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

# The variables that choose where the data lives, kept for the commands run next to it.
KEPT_VARIABLES = ("DATABASE_URL", "BROKER_URL", "CONVEYOR_BROKER_KEY_PREFIX")


@dataclass(frozen=True)
class DataDir:
    root: Path

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secret_key(self) -> Path:
        return self.root / "secret_key"

    @property
    def environment(self) -> Path:
        """The KEPT_VARIABLES the last run had from its environment (JSON)."""
        return self.root / "environment.json"

    @property
    def api_key(self) -> Path:
        return self.root / "demo_api_key"

    @property
    def admin(self) -> Path:
        return self.root / "admin.json"

    @property
    def broker(self) -> Path:
        return self.root / "broker.sqlite3"

    @property
    def heartbeat(self) -> Path:
        return self.root / "worker.heartbeat"

    def create(self) -> None:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)

    def show(self, path: Path) -> str:
        """``path`` relative to the working directory when it is under it (shorter)."""
        with contextlib.suppress(ValueError):
            return str(path.relative_to(Path.cwd()))
        return str(path)


@dataclass(frozen=True)
class Credentials:
    """The demo API key and the admin login, as kept in the data dir."""

    api_key: str
    admin_username: str
    admin_password: str
    admin_created: bool


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (created 0600, replaced atomically)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    os.replace(tmp, path)


def read_private(path: Path) -> str | None:
    try:
        return path.read_text().strip() or None
    except FileNotFoundError:
        return None


def secret_key(data: DataDir) -> str:
    """SECRET_KEY from the environment, else the one kept in the data dir (made once)."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    kept = read_private(data.secret_key)
    if kept is None:
        kept = secrets.token_urlsafe(50)
        write_private(data.secret_key, kept)
    return kept


def launch_environment(data: DataDir) -> dict[str, str]:
    """What this run's processes need before Django reads its settings (which require
    SECRET_KEY and read the data dir); records the KEPT_VARIABLES this run has."""
    kept = {name: os.environ[name] for name in KEPT_VARIABLES if os.environ.get(name)}
    write_private(data.environment, json.dumps(kept))
    return {
        "SECRET_KEY": secret_key(data),
        "CONVEYOR_DATA_DIR": str(data.root),
        # `make run` shows jobs flowing with the demo job types (docs/local.md); a
        # deployment enables them explicitly. The environment may still say false.
        "CONVEYOR_DEMO_JOB_TYPES": os.environ.get("CONVEYOR_DEMO_JOB_TYPES") or "true",
    }


def settings_environment(data: DataDir) -> dict[str, str] | None:
    """The variables that point conveyor's settings at this data dir as ``make run`` used
    it (its secret key, database and broker); None if no run has prepared it."""
    key = read_private(data.secret_key)
    if key is None:
        return None
    found = {"SECRET_KEY": key, "CONVEYOR_DATA_DIR": str(data.root)}
    with contextlib.suppress(ValueError, TypeError):
        kept = json.loads(read_private(data.environment) or "{}")
        found.update(
            {name: kept[name] for name in KEPT_VARIABLES if isinstance(kept.get(name), str)}
        )
    return found
