"""``python -m bench.dramatiq_peer.fill COUNT``: ``.send()`` COUNT no-op messages."""

from __future__ import annotations

import argparse

from bench.dramatiq_peer.app import noop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("count", type=int)
    count = parser.parse_args().count
    for _ in range(count):
        noop.send("demo.noop", {})


if __name__ == "__main__":
    main()
