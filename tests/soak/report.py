"""The soak's table: one row per run, saved to a file by the process that ran it (an xdist
worker, maybe) and printed once by pytest's controlling process at the end."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from tests import shared_services as services

ROWS_DIR = Path(tempfile.gettempdir()) / f"conveyor-soak-{services.RUN_ID}"


@dataclass
class SoakRow:
    broker: str
    seconds: float
    accepted: int
    refused: int
    succeeded: int
    failed_as_intended: int
    cancelled: int
    reruns: int
    double_effects: int
    pool_kills: int
    worker_crashes: int
    drain_seconds: float

    HEADER = (
        "broker",
        "soak s",
        "accepted",
        "refused",
        "succeeded",
        "failed as intended",
        "cancelled",
        "reruns",
        "double side effects (explained)",
        "pool kills",
        "worker crashes",
        "drain s",
    )

    def cells(self) -> tuple[str, ...]:
        return (
            self.broker,
            f"{self.seconds:.0f}",
            str(self.accepted),
            str(self.refused),
            str(self.succeeded),
            str(self.failed_as_intended),
            str(self.cancelled),
            str(self.reruns),
            str(self.double_effects),
            str(self.pool_kills),
            str(self.worker_crashes),
            f"{self.drain_seconds:.1f}",
        )


def save_row(row: SoakRow) -> None:
    ROWS_DIR.mkdir(exist_ok=True)
    (ROWS_DIR / f"{uuid.uuid4().hex}.json").write_text(json.dumps(dataclasses.asdict(row)))


def saved_rows() -> list[SoakRow]:
    if not ROWS_DIR.is_dir():
        return []
    rows = [SoakRow(**json.loads(p.read_text())) for p in ROWS_DIR.glob("*.json")]
    return sorted(rows, key=lambda r: r.broker)


def render_table(rows: list[SoakRow]) -> str:
    """A Markdown table (docs/reliability.md quotes it as printed)."""
    table = [SoakRow.HEADER, *(r.cells() for r in rows)]
    lines = ["| " + " | ".join(r) + " |" for r in table]
    lines.insert(1, "|" + "---|" * len(SoakRow.HEADER))
    return "\n".join(lines)
