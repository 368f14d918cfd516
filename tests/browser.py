"""A real browser for the dashboard's tests: Playwright driving the machine's Chromium
(Debian's ``chromium`` package, ``.ci/run`` installs it); Playwright never downloads one.

Without Chromium (or the ``playwright`` package) the browser tests skip with the reason,
and fail under CI=true, as the tests needing a service do (tests/shared_services.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

from tests.shared_services import IN_CI

if TYPE_CHECKING:
    from playwright.sync_api import Browser

#: Where the browser is; CONVEYOR_CHROMIUM overrides.
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str | None:
    """CONVEYOR_CHROMIUM if set (and only it), else Debian's, else ``chromium`` on PATH."""
    given = os.environ.get("CONVEYOR_CHROMIUM")
    if given is not None:
        return given if os.access(given, os.X_OK) else None
    if os.access(DEFAULT_CHROMIUM, os.X_OK):
        return DEFAULT_CHROMIUM
    return shutil.which("chromium")


def require_browser() -> str:
    """The Chromium to drive; skips (fails under CI=true) the test without it."""
    missing = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "the playwright package is not installed (pip install -e '.[dev]')"
    path = chromium_path()
    if missing is None and path is None:
        missing = "chromium is not installed (apt-get install chromium, or set CONVEYOR_CHROMIUM)"
    if missing is not None:
        if IN_CI:
            pytest.fail(f"CI=true and {missing}", pytrace=False)
        pytest.skip(missing)
    assert path is not None
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the block."""
    from playwright.sync_api import sync_playwright

    path = require_browser()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True)
        try:
            yield browser
        finally:
            browser.close()
