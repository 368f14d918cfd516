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

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REFERENCE = "conveyor"
_PACKAGES = (
    "conveyor",
    "django",
    "djangorestframework",
    "celery",
    "kombu",
    "dramatiq",
    "redis",
    "amqp",
    "gunicorn",
    "psycopg",
)


@dataclass(frozen=True)
class Measurement:
    broker: str
    round: int
    scenario: str
    side: str
    outcome: Outcome


@dataclass(frozen=True)
class Row:
    broker: str
    scenario: str
    metric: str
    higher_is_better: bool
    # side name -> median over rounds
    values: dict[str, float]
    # baseline side name -> conveyor / baseline
    ratios: dict[str, float]


def rows_of(
    measurements: list[Measurement], scenarios: list[Scenario], brokers: tuple[str, ...]
) -> list[Row]:
    """One row per broker, scenario and metric: each side's median, each baseline's ratio.

    A ratio is the median of the rounds' own ratios (conveyor and baseline measured
    back to back), which cancels drift in the machine's load better than a ratio of
    medians would.
    """
    rows = []
    for broker in brokers:
        for scenario in scenarios:
            mine = [m for m in measurements if m.broker == broker and m.scenario == scenario.name]
            metrics: dict[str, bool] = {}
            for m in mine:
                for f in m.outcome.figures:
                    metrics.setdefault(f.metric, f.higher_is_better)
            for metric, higher_is_better in metrics.items():
                # side name -> round -> value
                table: dict[str, dict[int, float]] = {}
                for m in mine:
                    for f in m.outcome.figures:
                        if f.metric == metric:
                            table.setdefault(m.side, {})[m.round] = f.value
                values = {name: statistics.median(r.values()) for name, r in table.items()}
                reference = table.get(REFERENCE, {})
                ratios = {
                    name: _median_ratio(reference, by_round)
                    for name, by_round in table.items()
                    if name != REFERENCE
                }
                rows.append(Row(broker, scenario.name, metric, higher_is_better, values, ratios))
    return rows


def _median_ratio(reference: dict[int, float], other: dict[int, float]) -> float:
    ratios = [reference[r] / other[r] for r in reference.keys() & other.keys() if other[r]]
    return statistics.median(ratios) if ratios else math.nan


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def table(rows: list[Row], sides: list[tuple[str, str]]) -> str:
    """The rows as text; ``sides`` are (name, title) pairs, conveyor first."""
    baselines = [(name, title) for name, title in sides if name != REFERENCE]
    header = ["broker", "scenario", "metric", "conveyor"]
    for _name, title in baselines:
        header += [title, "ratio"]
    lines = [header]
    for row in rows:
        cells = [
            row.broker,
            row.scenario,
            row.metric,
            _number(row.values.get(REFERENCE, math.nan)),
        ]
        for name, _title in baselines:
            cells += [
                _number(row.values.get(name, math.nan)),
                _number(row.ratios.get(name, math.nan)),
            ]
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 3 else c.rjust(w)
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
    results_dir: Path = RESULTS_DIR,
) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"bench-{started:%Y%m%dT%H%M%SZ}-{run_id}.json"
    document = {
        "run_id": run_id,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "machine": machine_before,
        "load_average_after": list(os.getloadavg()),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "ratios": "conveyor / baseline: above 1 is faster for rates, slower for latencies",
        "notes": notes,
        "rows": [asdict(row) for row in rows],
        "measurements": [asdict(m) for m in measurements],
    }
    path.write_text(json.dumps(_finite(document), indent=2, allow_nan=False) + "\n")
    return path
