"""The result: a table of medians and ratios on stdout, and the same as JSON."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.options import Options
from bench.scenarios import Outcome, Scenario
from bench.sides import Side

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REFERENCE = "conveyor"
_PACKAGES = (
    "conveyor",
    "django",
    "djangorestframework",
    "celery",
    "kombu",
    "redis",
    "gunicorn",
    "psycopg",
)


@dataclass(frozen=True)
class Measurement:
    round: int
    scenario: str
    side: str
    outcome: Outcome


@dataclass(frozen=True)
class Row:
    scenario: str
    metric: str
    higher_is_better: bool
    # side name -> median over rounds
    values: dict[str, float]
    # baseline side name -> conveyor / baseline
    ratios: dict[str, float]


def rows_of(
    measurements: list[Measurement], scenarios: list[Scenario], sides: list[Side]
) -> list[Row]:
    """One row per scenario and metric: each side's median, and each baseline's ratio.

    A ratio is the median of the rounds' own ratios (conveyor and baseline measured
    back to back), which cancels drift in the machine's load better than a ratio of
    medians would.
    """
    rows = []
    for scenario in scenarios:
        mine = [m for m in measurements if m.scenario == scenario.name]
        if not mine:
            continue
        for figure in mine[0].outcome.figures:
            # side name -> round -> value
            table: dict[str, dict[int, float]] = {}
            for m in mine:
                for f in m.outcome.figures:
                    if f.metric == figure.metric:
                        table.setdefault(m.side, {})[m.round] = f.value
            values = {
                side.name: statistics.median(table[side.name].values())
                for side in sides
                if side.name in table
            }
            reference = table.get(REFERENCE, {})
            ratios = {
                name: _median_ratio(reference, by_round)
                for name, by_round in table.items()
                if name != REFERENCE
            }
            rows.append(Row(scenario.name, figure.metric, figure.higher_is_better, values, ratios))
    return rows


def _median_ratio(reference: dict[int, float], other: dict[int, float]) -> float:
    ratios = [reference[r] / other[r] for r in reference.keys() & other.keys() if other[r]]
    return statistics.median(ratios) if ratios else math.nan


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def table(rows: list[Row], sides: list[Side]) -> str:
    baselines = [s for s in sides if s.name != REFERENCE]
    header = ["scenario", "metric", "conveyor"]
    for side in baselines:
        header += [side.title, "ratio"]
    lines = [header]
    for row in rows:
        cells = [row.scenario, row.metric, _number(row.values.get(REFERENCE, math.nan))]
        for side in baselines:
            cells += [
                _number(row.values.get(side.name, math.nan)),
                _number(row.ratios.get(side.name, math.nan)),
            ]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    out = [render(lines[0]), "  ".join("-" * w for w in widths)]
    out += [render(line) for line in lines[1:]]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": list(os.getloadavg()),
        "versions": versions,
    }


def _finite(value: Any) -> Any:
    """The document with NaN and infinities as null, so it stays standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def write_json(
    *,
    run_id: str,
    started: datetime,
    options: Options,
    rows: list[Row],
    measurements: list[Measurement],
    machine_before: dict[str, Any],
    notes: list[str],
) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"bench-{started:%Y%m%dT%H%M%SZ}-{run_id}.json"
    document = {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "machine": machine_before,
        "load_average_after": list(os.getloadavg()),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "notes": notes,
        "rows": [asdict(row) for row in rows],
        "measurements": [asdict(m) for m in measurements],
    }
    path.write_text(json.dumps(_finite(document), indent=2, allow_nan=False) + "\n")
    return path
