"""``python -m bench``: every scenario on conveyor and on the baselines, then the table.

Needs PostgreSQL, Redis and (for the RabbitMQ part) RabbitMQ on this machine
(127.0.0.1). Creates a database and a broker namespace (Redis key prefix, RabbitMQ
vhost) per side, starts and stops every process itself, and removes all of it on the
way out, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
import traceback
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import redis

from bench.brokers import BROKERS
from bench.options import Options
from bench.report import RESULTS_DIR, Measurement, machine, rows_of, table, write_json
from bench.scenarios import DEFAULT_SCENARIOS, SCENARIOS, WAITING_CLIENTS, batch_concurrency
from bench.sides import SIDES, Dramatiq
from bench.stores import run_id as new_run_id
from bench.waiters import SHORTENED_PAUSE_SECONDS

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# (full, --quick) defaults of the sizes that the two modes set differently.
DEFAULTS = {
    "duration": (10.0, 3.0),
    "warmup": (2.0, 1.0),
    "jobs": (2000, 500),
    "round_trips": (300, 100),
    "cost_requests": (200, 100),
}


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="conveyor next to plain Celery, as ratios."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run (about 3 minutes on both brokers): 3 s windows, 500 jobs, "
        "100 round trips",
    )
    parser.add_argument(
        "--brokers",
        type=_csv,
        default=list(BROKERS),
        help=f"comma-separated, from: {', '.join(BROKERS)} (default: both, one after the other)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="measured seconds of each submit and batch run (default 10; quick 3)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="unmeasured seconds before each submit and batch window (default 2; quick 1)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="load generator connections (default 8)"
    )
    parser.add_argument(
        "--batch-size", type=int, default=100, help="jobs per batch request (default 100)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="backlog size of the drain scenario (default 2000; quick 500)",
    )
    parser.add_argument(
        "--round-trips",
        type=int,
        default=None,
        help="measured sequential round trips (default 300; quick 100)",
    )
    parser.add_argument(
        "--cost-requests",
        type=int,
        default=None,
        help="submissions counted by the cost scenario, under callgrind (default 200; quick 100)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat every measurement; the table shows medians (default 1)",
    )
    parser.add_argument("--api-workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--api-threads",
        type=int,
        default=4,
        help="gunicorn threads of the baselines, database connections per conveyor API process (4)",
    )
    parser.add_argument(
        "--worker-concurrency", type=int, default=2, help="celery prefork processes (2)"
    )
    parser.add_argument(
        "--scenarios",
        type=_csv,
        default=list(DEFAULT_SCENARIOS),
        help=f"comma-separated, from: {', '.join(SCENARIOS)} (all but cost by default: "
        "cost counts instructions under valgrind, minutes per side)",
    )
    parser.add_argument(
        "--sides", type=_csv, default=list(SIDES), help=f"comma-separated, from: {', '.join(SIDES)}"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="any database on the server; per-run databases are created next to it "
        "(env BENCH_POSTGRES_URL)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        help="the Redis every side shares: broker on the Redis part, result backend on "
        "both (env BENCH_REDIS_URL)",
    )
    parser.add_argument(
        "--rabbitmq-url",
        default=os.environ.get("BENCH_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
        help="the RabbitMQ server; each side gets a vhost of its own, made with rabbitmqctl "
        "(env BENCH_RABBITMQ_URL)",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=RESULTS_DIR,
        help=f"where the JSON goes (default {RESULTS_DIR})",
    )
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the processes' logs (always kept after a failure)",
    )
    args = parser.parse_args(argv)
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    for name, known in (("scenarios", SCENARIOS), ("sides", SIDES), ("brokers", BROKERS)):
        unknown = [item for item in getattr(args, name) if item not in known]
        if unknown:
            parser.error(f"unknown {name}: {', '.join(unknown)}")
    if "conveyor" not in args.sides:
        parser.error("the sides must include conveyor (every ratio is conveyor / baseline)")
    if not args.brokers:
        parser.error("name at least one broker")
    for url in (args.postgres_url, args.redis_url, args.rabbitmq_url):
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    for name in (
        "concurrency",
        "batch_size",
        "jobs",
        "round_trips",
        "rounds",
        "api_workers",
        "api_threads",
        "worker_concurrency",
    ):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be positive and --warmup not negative")
    return args


def _stop_on_sigterm(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    run_id = new_run_id()
    started = datetime.now(UTC)
    work_dir = Path(tempfile.mkdtemp(prefix=f"conveyor-bench-{run_id}-"))
    options = Options(
        postgres_url=args.postgres_url,
        redis_url=args.redis_url,
        rabbitmq_url=args.rabbitmq_url,
        brokers=tuple(args.brokers),
        concurrency=args.concurrency,
        warmup_seconds=args.warmup,
        duration_seconds=args.duration,
        batch_size=args.batch_size,
        jobs=args.jobs,
        round_trips=args.round_trips,
        cost_requests=args.cost_requests,
        api_workers=args.api_workers,
        api_threads=args.api_threads,
        worker_concurrency=args.worker_concurrency,
        rounds=args.rounds,
        work_dir=work_dir,
    )
    scenarios = [SCENARIOS[name] for name in args.scenarios]
    side_types = [SIDES[name] for name in args.sides]
    before = machine()
    notes = [
        f"All processes, including the load generator, share this {before['cpus']}-CPU "
        "machine with the system under test (and with whatever else runs on it: load "
        f"average {before['load_average'][0]:.2f} at the start). The load generator "
        "takes a core's worth of CPU of its own: absolute figures are lower than on a "
        "machine where it runs elsewhere; ratios much less so.",
        f"Sizes on every side: gunicorn {options.api_workers} workers (the baselines: "
        f"gthread x {options.api_threads} threads; conveyor: uvicorn's worker, "
        f"{options.api_threads} database connections each); "
        f"celery prefork -c {options.worker_concurrency}; "
        f"load generator {options.concurrency} connections (batches: "
        f"{batch_concurrency(options)}), {options.warmup_seconds:g} s "
        f"warm-up, {options.duration_seconds:g} s measured; batches of "
        f"{options.batch_size}; drain backlog {options.jobs} jobs; "
        f"{options.round_trips} round trips; {options.rounds} round(s), medians shown.",
        "ratio = conveyor / baseline: above 1 is faster for rates, slower for latencies "
        "and memory.",
    ]
    notes += _peer_notes(args.sides, args.scenarios)
    measurements: list[Measurement] = []
    try:
        client = redis.Redis.from_url(options.redis_url)
        for broker in options.brokers:
            with ExitStack() as stack:
                sides = [kind(options, run_id, client, broker) for kind in side_types]
                for side in sides:
                    _progress(f"{broker}: preparing {side.title}")
                    side.prepare(stack)
                for number in range(options.rounds):
                    for scenario in scenarios:
                        # Alternate the order each round, so drift favours no side.
                        order = sides if number % 2 == 0 else sides[::-1]
                        for side in order:
                            if not (scenario.applies_to(side) and side.takes_part(scenario.name)):
                                continue
                            _progress(
                                f"{broker}: round {number + 1}/{options.rounds}: "
                                f"{scenario.name} on {side.title}"
                            )
                            outcome = scenario.run(side, options)
                            measurements.append(
                                Measurement(broker, number, scenario.name, side.name, outcome)
                            )
                            _progress(
                                "  "
                                + ", ".join(f"{f.metric} {f.value:,.1f}" for f in outcome.figures)
                            )
        client.close()
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt | SystemExit):
            traceback.print_exc()
        print(
            f"bench: stopped ({exc.__class__.__name__}: {exc}); logs kept in {work_dir}",
            file=sys.stderr,
        )
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    if not args.keep_logs:
        shutil.rmtree(work_dir, ignore_errors=True)
    rows = rows_of(measurements, scenarios, options.brokers)
    notes += _derived_notes(measurements, options)
    notes += _waiting_notes(measurements, options)
    path = write_json(
        run_id=run_id,
        started=started,
        options=options,
        rows=rows,
        measurements=measurements,
        machine_before=before,
        notes=notes,
        results_dir=args.results_dir,
    )
    print()
    print(table(rows, [(kind.name, kind.title) for kind in side_types]))
    print()
    for note in notes:
        print(f"- {note}")
    print(f"- JSON: {path}")
    return 0


def _derived_notes(measurements: list[Measurement], options: Options) -> list[str]:
    notes = []
    client_cpu = [
        float(m.outcome.details["client_cpu_seconds"])
        for m in measurements
        if "client_cpu_seconds" in m.outcome.details
    ]
    if client_cpu:
        window = options.warmup_seconds + options.duration_seconds
        notes.append(
            f"The load generator itself used {min(client_cpu) / window:.0%} to "
            f"{max(client_cpu) / window:.0%} of one CPU during the submit and batch runs."
        )
    for broker in options.brokers:
        rates = {
            m.scenario: m.outcome.figures[0].value
            for m in measurements
            if m.broker == broker and m.side == "conveyor" and m.scenario in {"submit", "batch"}
        }
        if len(rates) == 2 and rates["submit"]:
            notes.append(
                f"{broker}: conveyor's batch endpoint takes "
                f"{rates['batch'] / rates['submit']:.1f}x the jobs/s of "
                "single submissions (last round)."
            )
    return notes


def _waiting_notes(measurements: list[Measurement], options: Options) -> list[str]:
    """conveyor's p99 with many waiters against its single-client p99 (last round), and
    the long-polls answered shortened."""
    notes = []
    for broker in options.brokers:
        mine = {
            m.scenario: m.outcome
            for m in measurements
            if m.broker == broker and m.side == "conveyor"
        }
        waiting, single = mine.get("waiting"), mine.get("roundtrip")
        if waiting is None:
            continue
        details = waiting.details
        text = (
            f"{broker}: {details.get('shortened', 0)} of conveyor's {details.get('requests', 0)} "
            f"requests with {WAITING_CLIENTS} waiters were shortened long-polls"
        )
        figures = {f.metric: f.value for f in waiting.figures}
        p99 = figures.get(f"p99 ms ({WAITING_CLIENTS} waiting)")
        single_p99 = {f.metric: f.value for f in single.figures}.get("p99 ms") if single else None
        if p99 is not None and single_p99:
            text += f"; its p99 is {p99 / single_p99:.1f}x the single-client p99"
        notes.append(text + " (last round).")
    return notes


def _peer_notes(sides: list[str], scenarios: list[str]) -> list[str]:
    notes = []
    if "dramatiq" in sides:
        notes.append(
            "Dramatiq: Redis broker only (n/a on RabbitMQ), worker `dramatiq "
            f"-p {Dramatiq.processes} -t {Dramatiq.threads}` "
            "whatever the celery sizes; its API is a DRF view like the Celery baseline's "
            "calling `.send()`; no result backend, so roundtrip and waiting are n/a."
        )
    if "waiting" in scenarios:
        notes.append(
            f"waiting: {WAITING_CLIENTS} clients at once; a conveyor long-poll answered "
            "shortened (the API process held its limit) is asked again after "
            f"{SHORTENED_PAUSE_SECONDS:g} s, and counted in the JSON "
            "(`shortened`). Liveness: conveyor's /healthz, the baselines' /readyz."
        )
    return notes


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
