"""``python -m bench``: every scenario on conveyor and on the baselines, then the table.

Needs PostgreSQL and Redis on this machine (127.0.0.1). Creates a database and a Redis
key prefix per side, starts and stops every process itself, and removes all of it on
the way out, also on Ctrl-C or an error.
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

from bench.options import Options
from bench.report import Measurement, machine, rows_of, table, write_json
from bench.scenarios import SCENARIOS
from bench.sides import SIDES
from bench.stores import run_id as new_run_id

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="conveyor next to plain Celery, as ratios."
    )
    parser.add_argument(
        "--quick", action="store_true", help="a short run (about a minute): 3 s windows, 500 jobs"
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        help="measured seconds of each submit run (default 10; quick 3)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=None,
        help="unmeasured seconds before each submit window (default 2; quick 1)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="load generator connections (default 8)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="backlog size of the drain scenario (default 2000; quick 500)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat every measurement; the table shows medians (default 1)",
    )
    parser.add_argument("--api-workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--api-threads", type=int, default=4, help="gunicorn threads (4)")
    parser.add_argument(
        "--worker-concurrency", type=int, default=2, help="celery prefork processes (2)"
    )
    parser.add_argument(
        "--scenarios",
        type=_csv,
        default=list(SCENARIOS),
        help=f"comma-separated, from: {', '.join(SCENARIOS)}",
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
        help="the Redis every side shares (env BENCH_REDIS_URL)",
    )
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the processes' logs (always kept after a failure)",
    )
    args = parser.parse_args(argv)
    args.duration = args.duration or (3.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    args.jobs = args.jobs or (500 if args.quick else 2000)
    for name, known in (("scenarios", SCENARIOS), ("sides", SIDES)):
        unknown = [item for item in getattr(args, name) if item not in known]
        if unknown:
            parser.error(f"unknown {name}: {', '.join(unknown)}")
    if "conveyor" not in args.sides:
        parser.error("the sides must include conveyor (every ratio is conveyor / baseline)")
    for url in (args.postgres_url, args.redis_url):
        if urlsplit(url).hostname not in LOCAL_HOSTS:
            parser.error(f"{url}: the benchmark only talks to services on this machine")
    for name in (
        "concurrency",
        "jobs",
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
        concurrency=args.concurrency,
        warmup_seconds=args.warmup,
        duration_seconds=args.duration,
        jobs=args.jobs,
        api_workers=args.api_workers,
        api_threads=args.api_threads,
        worker_concurrency=args.worker_concurrency,
        rounds=args.rounds,
        work_dir=work_dir,
    )
    scenarios = [SCENARIOS[name] for name in args.scenarios]
    before = machine()
    notes = [
        f"All processes, including the load generator, share this {before['cpus']}-CPU "
        "machine with the system under test (and with whatever else runs on it: load "
        f"average {before['load_average'][0]:.2f} at the start).",
        f"Sizes on every side: gunicorn gthread {options.api_workers} workers x "
        f"{options.api_threads} threads; celery prefork -c {options.worker_concurrency}; "
        f"load generator {options.concurrency} connections, {options.warmup_seconds:g} s "
        f"warm-up, {options.duration_seconds:g} s measured; drain backlog {options.jobs} "
        f"jobs; {options.rounds} round(s), medians shown.",
        "ratio = conveyor / baseline: above 1 is faster for rates, slower for latencies.",
    ]
    measurements: list[Measurement] = []
    try:
        with ExitStack() as stack:
            client = stack.enter_context(redis.Redis.from_url(options.redis_url))
            sides = [SIDES[name](options, run_id, client) for name in args.sides]
            for side in sides:
                _progress(f"preparing {side.title}")
                side.prepare(stack)
            for number in range(options.rounds):
                for scenario in scenarios:
                    # Alternate the order each round, so drift favours no side.
                    order = sides if number % 2 == 0 else sides[::-1]
                    for side in order:
                        _progress(
                            f"round {number + 1}/{options.rounds}: {scenario.name} on {side.title}"
                        )
                        outcome = scenario.run(side, options)
                        measurements.append(Measurement(number, scenario.name, side.name, outcome))
                        _progress(
                            "  " + ", ".join(f"{f.metric} {f.value:,.1f}" for f in outcome.figures)
                        )
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
    rows = rows_of(measurements, scenarios, sides)
    client_cpu = [
        float(m.outcome.details["client_cpu_seconds"])
        for m in measurements
        if "client_cpu_seconds" in m.outcome.details
    ]
    if client_cpu:
        window = options.warmup_seconds + options.duration_seconds
        notes.append(
            f"The load generator itself used {min(client_cpu) / window:.0%} to "
            f"{max(client_cpu) / window:.0%} of one CPU during the submit runs."
        )
    path = write_json(
        run_id=run_id,
        started=started,
        options=options,
        rows=rows,
        measurements=measurements,
        machine_before=before,
        notes=notes,
    )
    print()
    print(table(rows, sides))
    print()
    for note in notes:
        print(f"- {note}")
    print(f"- JSON: {path}")
    return 0


def _progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
