"""The fenced blocks of the docs, as tests/docs runs them.

The convention, for whoever writes a page in ``docs/``:

- A block fenced ```` ```sh ````, ```` ```bash ```` or ```` ```shell ```` is a script: it
  runs whole, as a reader would paste it.
- A block fenced ```` ```console ```` shows commands with their output: the lines that
  start with ``$ `` are the commands (a line ending in ``\\`` goes on onto the next one);
  every other line is output and does not run.
- Blocks fenced otherwise (```` ```json ````, ```` ```python ````, none) do not run.
- An HTML comment on the line just above a block says how the test treats it:
  ``<!-- not run: WHY -->`` skips it, reporting WHY; ``<!-- exit status N: WHY -->``
  expects exit status N instead of 0 (a curl with ``--fail-with-body`` that shows an
  error answer exits 22). ``<!-- verify-snippet: … -->`` names the test that checks a
  block of another language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}

_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>[\w-]*)\s*$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not run:\s*(?P<reason>.+?)\s*-->\s*$")
_EXIT_STATUS = re.compile(r"^\s*<!--\s*exit status (?P<status>\d+):\s*(?P<reason>.+?)\s*-->\s*$")
_VERIFY = re.compile(r"^\s*<!--\s*verify-snippet:\s*(?P<text>.+?)\s*-->\s*$")
_MARKER = re.compile(r"^\s*<!--\s*(not run|exit status|verify-snippet)\b")


def well_formed(marker: str) -> bool:
    """Whether a marker says what it means in a form the test reads (a reason given)."""
    return any(pattern.match(marker) for pattern in (_NOT_RUN, _EXIT_STATUS, _VERIFY))


@dataclass(frozen=True)
class Block:
    page: str  # the file name in docs/, e.g. "api.md"
    line: int  # the line of the opening fence, from 1
    language: str
    text: str  # the lines between the fences, without the fences' indentation
    marker: str  # the comment on the line above the opening fence, or ""

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"

    @property
    def not_run_reason(self) -> str | None:
        match = _NOT_RUN.match(self.marker)
        return match["reason"] if match else None

    @property
    def expected_status(self) -> int:
        match = _EXIT_STATUS.match(self.marker)
        return int(match["status"]) if match else 0

    @property
    def verify_note(self) -> str | None:
        match = _VERIFY.match(self.marker)
        return match["text"] if match else None

    def script(self) -> str:
        """What bash runs: the whole block, or a console block's commands."""
        if self.language != "console":
            return self.text
        commands: list[str] = []
        continuing = False
        for row in self.text.splitlines():
            if continuing or row.startswith("$ "):
                commands.append(row if continuing else row[2:])
                continuing = row.endswith("\\")
        return "\n".join(commands) + "\n" if commands else ""


def page_blocks(path: Path) -> tuple[list[Block], list[tuple[int, str, str | None]]]:
    """A page's fenced blocks, and its markers as (line, text, language of the block
    right below it or None)."""
    rows = path.read_text().splitlines()
    blocks: list[Block] = []
    markers: list[tuple[int, str, str | None]] = []
    index = 0
    while index < len(rows):
        fence = _FENCE.match(rows[index])
        if fence is None:
            if _MARKER.match(rows[index]):
                below = _FENCE.match(rows[index + 1]) if index + 1 < len(rows) else None
                markers.append((index + 1, rows[index].strip(), below and below["language"]))
            index += 1
            continue
        indent = len(fence["indent"])
        end = index + 1
        while end < len(rows) and rows[end].strip() != "```":
            end += 1
        # a block in a list item is indented with its fences
        body = [_dedent(row, indent) for row in rows[index + 1 : end]]
        above = rows[index - 1] if index > 0 else ""
        blocks.append(
            Block(
                page=path.name,
                line=index + 1,
                language=fence["language"],
                text="\n".join(body) + "\n",
                marker=above.strip() if _MARKER.match(above) else "",
            )
        )
        index = end + 1
    return blocks, markers


def _dedent(row: str, indent: int) -> str:
    removable = len(row) - len(row.lstrip(" "))
    return row[min(indent, removable) :]


def shell_blocks(pages: list[Path]) -> list[Block]:
    return [
        block
        for page in pages
        for block in page_blocks(page)[0]
        if block.language in SHELL_LANGUAGES
    ]


def snippet(page: str, note_contains: str) -> str:
    """The one block of ``page`` whose ``verify-snippet`` note contains ``note_contains``."""
    found = [
        block
        for block in page_blocks(DOCS_DIR / page)[0]
        if block.verify_note is not None and note_contains in block.verify_note
    ]
    assert len(found) == 1, f"docs/{page}: {len(found)} blocks marked for {note_contains!r}"
    return found[0].text
