"""The docs' shell commands run as written, against a running platform.

Every ```sh / ```bash / ```shell / ```console block of the pages in ``docs/`` is one test
case, named by its page and line, run by bash with ``set -euo pipefail`` in the reader's
checkout (conftest.py); it must exit 0, or the status its marker names. The convention
for writing blocks is in blocks.py.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.docs.blocks import (
    DOCS_DIR,
    SHELL_LANGUAGES,
    Block,
    page_blocks,
    shell_blocks,
    snippet,
    well_formed,
)
from tests.docs.conftest import Reader
from tests.procs import BIN

REPO = DOCS_DIR.parent
BLOCK_TIMEOUT_SECONDS = 120

# Pages whose blocks carry no markers yet (most need a cluster or `make run`); each is
# reported as skipped until its blocks are marked and it is taken out of this list.
PAGES_NOT_MARKED = {
    "autoscaling.md": "not marked for this test yet (its commands need a cluster)",
}
ALL_PAGES = sorted(DOCS_DIR.glob("*.md"))
PAGES = [page for page in ALL_PAGES if page.name not in PAGES_NOT_MARKED]

# The variables the blocks get from the reader's shell (conftest.py), each set by a block.
READER_VARIABLES = ("CONVEYOR", "CONVEYOR_KEY", "RECEIVER", "JOB", "SCHEDULE")


def run_block(block: Block, reader: Reader) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + block.script()],
        cwd=reader.checkout,
        env=reader.env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_SECONDS,
        check=False,
    )


def _cases() -> list[object]:
    cases: list[object] = []
    for block in shell_blocks(PAGES):
        reason = block.not_run_reason
        marks = [pytest.mark.skip(reason=f"{block.where}: {reason}")] if reason else []
        cases.append(pytest.param(block, id=block.where, marks=marks))
    for page in ALL_PAGES:
        if page.name in PAGES_NOT_MARKED:
            skip = pytest.mark.skip(reason=f"docs/{page.name}: {PAGES_NOT_MARKED[page.name]}")
            for block in shell_blocks([page]):
                cases.append(pytest.param(block, id=block.where, marks=[skip]))
    return cases


@pytest.mark.e2e
@pytest.mark.parametrize("block", _cases())
def test_the_block_runs_as_written(block: Block, reader: Reader) -> None:
    script = block.script()
    assert script.strip(), f"{block.where}: a {block.language} block with no command"

    result = run_block(block, reader)

    assert result.returncode == block.expected_status, (
        f"{block.where} exited {result.returncode}, not {block.expected_status}\n"
        f"--- the block ---\n{script}--- stdout ---\n{result.stdout[-3000:]}\n"
        f"--- stderr ---\n{result.stderr[-3000:]}"
    )


# ---- the harness can fail ---------------------------------------------------------------


BROKEN = {
    "an HTTP error": 'curl -sS --fail-with-body "$CONVEYOR/v1/jobs/$JOB/nothing-here" '
    '-H "Authorization: Bearer $CONVEYOR_KEY"\n',
    "an unset variable": 'curl -sS --fail-with-body "$CONVEYOR_URL/readyz"\n',
    "a failing first stage of a pipe": "cat var/no-such-file | python3 -c 'print(1)'\n",
    "a missing command": "conveyor create_api_client docs-broken\n",
}


@pytest.mark.e2e
@pytest.mark.parametrize("text", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_command_fails_its_block(text: str, reader: Reader) -> None:
    # given a block as a doc would carry it, whose command does not work here
    block = Block(page="example.md", line=1, language="sh", text=text, marker="")

    # when it runs, then it fails
    assert run_block(block, reader).returncode != 0


def test_a_console_block_runs_its_commands_and_not_their_output() -> None:
    block = Block(
        page="example.md",
        line=1,
        language="console",
        text="$ echo one \\\n    two\none two\n$ false\n",
        marker="",
    )

    assert block.script() == "echo one \\\n    two\nfalse\n"


# ---- the conventions hold --------------------------------------------------------------


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda page: f"docs/{page.name}")
def test_markers_sit_just_above_the_block_they_describe(page: Path) -> None:
    _, markers = page_blocks(page)
    misplaced = [
        f"docs/{page.name}:{line}: {text}"
        for line, text, below in markers
        if below is None or ("verify-snippet" not in text and below not in SHELL_LANGUAGES)
    ]
    malformed = [
        f"docs/{page.name}:{line}: {text}" for line, text, _ in markers if not well_formed(text)
    ]

    assert not misplaced, "markers not right above a block they apply to:\n" + "\n".join(misplaced)
    assert not malformed, "markers the test cannot read (see blocks.py):\n" + "\n".join(malformed)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: f"docs/{page.name}")
def test_script_blocks_show_no_prompt(page: Path) -> None:
    """A ``$ `` in a script block breaks it when pasted: show output in a console block."""
    prompts = [
        f"{block.where}: {row}"
        for block in shell_blocks([page])
        if block.language != "console"
        for row in block.text.splitlines()
        if row.startswith("$ ")
    ]

    assert not prompts, "\n".join(prompts)


@pytest.mark.parametrize("name", READER_VARIABLES)
def test_the_docs_set_each_variable_the_blocks_get(name: str) -> None:
    assignment = re.compile(rf"(^|\s){name}=", re.MULTILINE)

    assert any(assignment.search(block.text) for block in shell_blocks(PAGES)), (
        f"no block in docs/ sets {name}, which the test gives every block"
    )


def test_adding_a_job_type_as_shown_passes_the_project_lint(tmp_path: Path) -> None:
    # given the files docs/job-types.md shows, where it says they go
    package = tmp_path / "acme_reports"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in ("jobtypes", "handlers"):
        (package / f"{name}.py").write_text(snippet("job-types.md", f"acme_reports/{name}.py"))
    handlers = tmp_path / "services" / "worker" / "conveyor_worker" / "handlers"
    handlers.mkdir(parents=True)
    (handlers / "__init__.py").write_text(snippet("job-types.md", "handlers/__init__.py"))
    config = str(REPO / "pyproject.toml")

    # when ruff checks and format-checks them with the project's configuration
    checks = [
        subprocess.run(
            [str(BIN / "ruff"), *command, "--config", config, "--no-cache", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        for command in (["check"], ["format", "--check"])
    ]

    # then neither finds anything
    for check in checks:
        assert check.returncode == 0, check.stdout + check.stderr
