"""The dashboard in a real browser (Playwright driving Chromium) on a real platform:
PostgreSQL, Redis, gunicorn, a celery worker and beat (tests/e2e/platform.py).

One platform and one browser for the module: an operator logs in, watches a running job's
progress move without a reload, filters the jobs, bulk-retries the failed ones, and pauses
a queue, after which the worker takes no job from it until it is resumed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from tests import shared_services as services
from tests.browser import chromium, require_browser
from tests.e2e.httpserver import Target
from tests.e2e.platform import Platform
from tests.procs import BIN, run, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

OPERATOR = ("operator", "dashboard-e2e-password")
#: Playwright's waits for a condition, in milliseconds.
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    """A platform whose worker also consumes ``idle`` (the pause test's other queue), with
    a staff user."""
    require_browser()
    services.require("postgres")
    services.require("redis")
    with Platform.running("redis", worker_queues="default,conveyor,idle") as running:
        run(
            [
                str(BIN / "conveyor"),
                "createsuperuser",
                "--noinput",
                "--username",
                OPERATOR[0],
                "--email",
                "operator@example.com",
            ],
            {**running.env, "DJANGO_SUPERUSER_PASSWORD": OPERATOR[1]},
        )
        yield running


@pytest.fixture(scope="module")
def browser(platform: Platform) -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, platform: Platform) -> Iterator[Page]:
    """A logged-in operator's tab."""
    context = browser.new_context(base_url=platform.base_url)
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.goto("/dashboard/")
    assert "/dashboard/login/" in tab.url
    tab.fill("input[name=username]", OPERATOR[0])
    tab.fill("input[name=password]", OPERATOR[1])
    tab.click("button[type=submit]")
    tab.wait_for_url(re.compile(r"/dashboard/$"))
    yield tab
    context.close()
    # The CSP refuses any inline script or foreign asset with a console error.
    assert not [e for e in errors if "Content Security Policy" in e], errors


def expect() -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_a_running_jobs_progress_moves_without_a_reload(page: Page, platform: Platform) -> None:
    # given: a job that reports progress ten times over five seconds
    job = platform.submit({"type": "demo.sleep", "params": {"seconds": 5, "steps": 10}})
    page.goto(f"/dashboard/jobs/{job['id']}/")
    page.evaluate("window.notReloaded = true")

    # when: it runs
    expect()(page.locator("#job-state")).to_have_text("running")
    expect()(page.locator("#job-progress-message")).to_have_text(re.compile(r"step \d+ of 10"))
    first = page.inner_text("#job-progress-message")

    # then: the bar and its message move on while the page stays the same
    expect()(page.locator("#job-progress-message")).not_to_have_text(first)
    assert page.evaluate("window.notReloaded") is True
    width = page.eval_on_selector("#job-progress-bar", "bar => parseFloat(bar.style.width)")
    assert width > 0
    # and once done, the page shows the attempt and its worker
    expect()(page.locator("#job-state")).to_have_text("succeeded")
    expect()(page.locator("#attempts-table")).to_contain_text("worker@")


def test_the_overview_shows_the_queues_and_draws_the_charts(page: Page, platform: Platform) -> None:
    platform.wait_final(platform.submit({"type": "demo.noop"})["id"])

    page.goto("/dashboard/")

    expect()(page.locator('#queues-table tr[data-queue="default"]')).to_be_visible()
    expect()(page.locator('#throughput-chart path[data-series="succeeded"]')).to_have_count(1)
    expect()(page.locator("#failure-ratio")).to_have_text(re.compile(r"%"))


def test_filter_and_bulk_retry_the_failed_jobs(
    page: Page, platform: Platform, target: Target
) -> None:
    # given: three jobs that fail (their one attempt gets a 500), one that succeeds
    failing = [
        platform.submit(
            {
                "type": "http.request",
                "params": {"url": f"{target.url}/status/500/dashboard-{i}"},
                "max_attempts": 1,
                "labels": {"suite": "dashboard"},
            }
        )["id"]
        for i in range(3)
    ]
    for job_id in failing:
        assert platform.wait_final(job_id)["state"] == "failed"

    # when: the operator filters the failed http.request jobs
    page.goto("/dashboard/jobs/")
    page.check("input[name=state][value=failed]")
    page.fill("input[name=type]", "http.request")
    page.fill("input[name=label]", "suite=dashboard")
    page.click("#job-filter button[type=submit]")

    # then: exactly those, counted
    expect()(page.locator("tr[data-job]")).to_have_count(3)
    expect()(page.locator('[data-count="failed"]')).to_have_text("3")

    # when: bulk retry, confirmed
    page.click("#bulk-retry")
    expect()(page.locator("#confirm-count")).to_contain_text("retry 3 job(s)")
    page.click("#confirm-bulk")

    # then: each ran a second attempt (and failed again)
    expect()(page.locator(".messages")).to_contain_text("3 job(s) retried")

    def all_ran_twice() -> bool:
        rows = platform.sql(
            "SELECT job_id, count(*) FROM jobs_jobattempt WHERE job_id = ANY(%s::uuid[]) "
            "GROUP BY job_id",
            failing,
        )
        return len(rows) == 3 and all(count == 2 for _, count in rows)

    wait_until(all_ran_twice, timeout=60, message="every retried job's second attempt")


def test_the_live_worker_is_listed_with_its_queues(page: Page, platform: Platform) -> None:
    page.goto("/dashboard/queues/")

    worker_row = page.locator("#workers-table tr[data-worker]")
    expect()(worker_row).to_have_count(1)
    expect()(worker_row).to_contain_text("worker@")
    expect()(worker_row).to_contain_text("default, idle")


def test_a_paused_queue_is_not_taken_from_until_resumed(page: Page, platform: Platform) -> None:
    # given
    page.goto("/dashboard/queues/")

    # when: the operator pauses default
    page.locator('#queues-table tr[data-queue="default"] button.queue-pause').click()
    expect()(page.locator('#queues-table tr[data-queue="default"]')).to_contain_text("paused")
    held = platform.submit({"type": "demo.noop"})
    other = platform.submit({"type": "demo.noop", "queue": "idle"})

    # then: the worker runs the other queue's job, not default's
    assert platform.wait_final(other["id"])["state"] == "succeeded"
    assert platform.get(held["id"])["state"] not in {"running", "succeeded"}
    expect()(page.locator('#queues-table tr[data-queue="default"] td').nth(1)).to_have_text("1")

    # when: resumed
    page.locator('#queues-table tr[data-queue="default"] button.queue-resume').click()

    # then
    expect()(page.locator('#queues-table tr[data-queue="default"]')).to_contain_text("active")
    assert platform.wait_final(held["id"])["state"] == "succeeded"
