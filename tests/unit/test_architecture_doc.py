"""The README's and docs/architecture.md's "Follow one job" name files and functions that
exist: a move or a rename that forgets them fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {"conveyor": ROOT / "services/api", "conveyor_worker": ROOT / "services/worker"}
STEP = re.compile(r"^\s*(?:→ )?(?P<what>.+?)\s{2,}(?P<path>conveyor(?:_worker)?/\S+)")


def follow_one_job(doc: Path) -> list[tuple[str, str]]:
    """The (what, path) pairs of the doc's "Follow one job" block."""
    text = doc.read_text()
    section = text[text.index("## Follow one job") :]
    block = section.split("```")[1]
    return [(m["what"], m["path"]) for m in map(STEP.match, block.splitlines()) if m]


def source(path: str) -> Path:
    package, _, rest = path.partition("/")
    return PACKAGES[package] / package / rest


@pytest.mark.parametrize("doc", ["README.md", "docs/architecture.md"])
def test_every_step_names_a_real_place(doc: str) -> None:
    steps = follow_one_job(ROOT / doc)

    assert len(steps) >= 8
    for what, path in steps:
        place = source(path)
        assert place.exists(), f"{doc}: {path} does not exist"
        # a step that names a function or class names one its file defines
        called = re.match(r"(\w+)\(", what)
        if called and place.is_file():
            assert re.search(rf"^\s*(def|class) {called[1]}\b", place.read_text(), re.M), (
                f"{doc}: {path} defines no {called[1]}"
            )
