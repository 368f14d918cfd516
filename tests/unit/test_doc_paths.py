"""Every source file the docs name exists: a move or rename that forgets a page fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md"), ROOT / "bench/README.md"])
# A file as the docs write it: `conveyor/jobs/hooks.py`, `tests/unit/test_states.py`.
NAMED = re.compile(r"`(?P<path>[\w./-]+\.(?:py|yaml|json|toml|md))`")
# Where a path written in the docs may start from.
BASES = [
    ROOT,
    ROOT / "services/api",
    ROOT / "services/worker",
    ROOT / "services/api/conveyor",
    ROOT / "services/worker/conveyor_worker",
    ROOT / "deploy/helm/conveyor",
]


# Files that are not the repository's: what `make run` writes, the docs' own example package.
ELSEWHERE = ("var/", "acme_reports/")


def named_paths(page: Path) -> list[str]:
    paths = [m["path"] for m in NAMED.finditer(page.read_text()) if "/" in m["path"]]
    return [path for path in paths if not path.startswith(ELSEWHERE)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_a_page_names_exists(page: Path) -> None:
    missing = [path for path in named_paths(page) if not any((b / path).exists() for b in BASES)]

    assert missing == [], f"{page.relative_to(ROOT)} names files that do not exist: {missing}"
