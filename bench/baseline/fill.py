"""``python -m bench.baseline.fill COUNT``: publish COUNT no-op messages, as the view does."""

from __future__ import annotations

import argparse

from bench.baseline.celery_app import noop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    count = parser.parse_args().count
    for _ in range(count):
        noop.delay("demo.noop", {})


if __name__ == "__main__":
    main()
