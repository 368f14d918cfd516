"""The files ``make run`` keeps in its data dir (``./var`` or ``CONVEYOR_DATA_DIR``).

The secret key is generated once and kept here, so that the processes of every run share it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path


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
    SECRET_KEY and read the data dir)."""
    return {"SECRET_KEY": secret_key(data), "CONVEYOR_DATA_DIR": str(data.root)}
