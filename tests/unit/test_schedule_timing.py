"""When schedules are due: cron in a time zone across DST changes, intervals, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_celery_beat.tzcrontab import TzAwareCrontab

from conveyor.config.celery import app
from conveyor.schedules.timing import Cron, Interval, TimingError, latest_due, next_due

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def runs(cron: Cron, start: datetime, end: datetime) -> list[datetime]:
    """Every due instant in [start, end), in the cron's zone."""
    found = []
    due = cron.next_due(start - timedelta(microseconds=1))
    while due is not None and due < end:
        found.append(due.astimezone(cron.tz))
        due = cron.next_due(due)
    return found


def local(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold)  # type: ignore[misc,arg-type]


# ---- DST -------------------------------------------------------------------------------


def test_a_wall_time_skipped_by_spring_forward_runs_once_after_the_gap_berlin() -> None:
    cron = Cron.parse("30 2 * * *", "Europe/Berlin")

    days = runs(cron, local(BERLIN, 2025, 3, 29), local(BERLIN, 2025, 4, 1))

    # 2025-03-30: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and runs at 03:30.
    assert days == [
        local(BERLIN, 2025, 3, 29, 2, 30),
        local(BERLIN, 2025, 3, 30, 3, 30),
        local(BERLIN, 2025, 3, 31, 2, 30),
    ]
    assert days[1].astimezone(UTC) == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)


def test_a_wall_time_skipped_by_spring_forward_runs_once_new_york() -> None:
    cron = Cron.parse("30 2 * * *", "America/New_York")

    days = runs(cron, local(NEW_YORK, 2025, 3, 8), local(NEW_YORK, 2025, 3, 11))

    assert [d.astimezone(UTC) for d in days] == [
        datetime(2025, 3, 8, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2025, 3, 9, 7, 30, tzinfo=UTC),  # 03:30 EDT: 02:30 was skipped
        datetime(2025, 3, 10, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]


@pytest.mark.parametrize(
    ("zone", "day", "hour", "first_utc"),
    [
        # Berlin: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice
        ("Europe/Berlin", (2025, 10, 26), 2, datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),
        # New York: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice
        ("America/New_York", (2025, 11, 2), 1, datetime(2025, 11, 2, 5, 30, tzinfo=UTC)),
    ],
)
def test_a_wall_time_repeated_by_fall_back_runs_once_at_its_first_occurrence(
    zone: str, day: tuple[int, int, int], hour: int, first_utc: datetime
) -> None:
    # given: hour:30 happens twice on the fall-back day
    cron = Cron.parse(f"30 {hour} * * *", zone)
    tz = ZoneInfo(zone)
    start = local(tz, *day)

    # when
    on_the_day = runs(cron, start, start + timedelta(hours=25))

    # then: once, at the first of the two (summer time)
    assert [d.astimezone(UTC) for d in on_the_day] == [first_utc]
    second = local(tz, *day, hour, 30, fold=1)
    assert second.astimezone(UTC) == first_utc + timedelta(hours=1)
    assert cron.latest_due(second + timedelta(minutes=5)) == first_utc


def test_an_hourly_cron_has_one_run_per_wall_time_across_fall_back() -> None:
    cron = Cron.parse("30 * * * *", "America/New_York")

    hours = runs(cron, local(NEW_YORK, 2025, 11, 2), local(NEW_YORK, 2025, 11, 2, 4))

    assert [h.strftime("%H:%M%z") for h in hours] == [
        "00:30-0400",
        "01:30-0400",
        "02:30-0500",
        "03:30-0500",
    ]


def test_an_hourly_cron_skips_nothing_but_the_missing_hour_at_spring_forward() -> None:
    cron = Cron.parse("30 * * * *", "Europe/Berlin")

    hours = runs(cron, local(BERLIN, 2025, 3, 30), local(BERLIN, 2025, 3, 30, 5))

    assert [h.strftime("%H:%M%z") for h in hours] == [
        "00:30+0100",
        "01:30+0100",
        "03:30+0200",
        "04:30+0200",
    ]


def test_latest_due_is_the_last_run_at_or_before_now() -> None:
    cron = Cron.parse("30 2 * * *", "Europe/Berlin")
    before = local(BERLIN, 2025, 3, 30, 3, 29)
    at = local(BERLIN, 2025, 3, 30, 3, 30)

    assert cron.latest_due(before) == local(BERLIN, 2025, 3, 29, 2, 30)
    assert cron.latest_due(at) == at
    assert cron.next_due(before) == at
    assert cron.next_due(at) == local(BERLIN, 2025, 3, 31, 2, 30)


WINDOWS = [
    ("30 2 * * *", "Europe/Berlin", datetime(2025, 3, 28, 12, tzinfo=UTC), 4),
    ("30 1 * * *", "Europe/Berlin", datetime(2025, 10, 24, 12, tzinfo=UTC), 4),
    ("30 2 * * *", "Europe/Berlin", datetime(2025, 10, 24, 12, tzinfo=UTC), 4),
    ("30 2 * * *", "America/New_York", datetime(2025, 3, 7, 12, tzinfo=UTC), 4),
    ("30 1 * * *", "America/New_York", datetime(2025, 10, 31, 12, tzinfo=UTC), 4),
    ("*/20 * * * *", "America/New_York", datetime(2025, 11, 2, 3, tzinfo=UTC), 0.3),
    ("15 */1 * * *", "Europe/Berlin", datetime(2025, 3, 29, 22, tzinfo=UTC), 0.3),
    # day of month AND day of week: the first Monday of each month
    ("0 9 1-7 * mon", "UTC", datetime(2025, 1, 1, tzinfo=UTC), 100),
]


@pytest.mark.parametrize(("expression", "zone", "start", "days"), WINDOWS)
def test_beat_sends_at_the_instants_fire_expects(
    expression: str, zone: str, start: datetime, days: float
) -> None:
    """Beat's crontab (django-celery-beat's, in the schedule's zone) says when to send;
    the worker fires the latest due instant. Across DST changes every due instant must get
    exactly one send that names it, or a run would be lost or fired twice."""
    # given: beat's schedule, ticking every minute on a simulated clock
    cron = Cron.parse(expression, zone)
    clock = [start]

    class SimulatedCrontab(TzAwareCrontab):
        def nowfunc(self) -> datetime:
            return clock[0].astimezone(self.tz)

    beat = SimulatedCrontab(**cron.fields, tz=ZoneInfo(zone), app=app)
    end = start + timedelta(days=days)
    last_sent, fired = start, []

    # when
    while clock[0] < end:
        due, _ = beat.is_due(last_sent)
        if due:
            last_sent = clock[0]
            fired.append(cron.latest_due(clock[0]))
        # a minute; an hour in the long window, whose runs are all on the hour
        clock[0] += timedelta(minutes=1 if days < 10 else 60)

    # then: each send names a new due instant, and together they are every due instant
    expected = [d.astimezone(UTC) for d in runs(cron, start + timedelta(seconds=1), end)]
    assert fired == expected


# ---- intervals and the start -----------------------------------------------------------


def test_an_interval_is_due_on_a_grid_from_its_start() -> None:
    start = datetime(2025, 1, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    every = Interval.of(10)

    assert every.latest_due(start + timedelta(seconds=9.9), started_at=start) is None
    assert every.latest_due(start + timedelta(seconds=10), started_at=start) == start + timedelta(
        seconds=10
    )
    assert every.latest_due(start + timedelta(seconds=25), started_at=start) == start + timedelta(
        seconds=20
    )
    assert every.next_due(start + timedelta(seconds=25), started_at=start) == start + timedelta(
        seconds=30
    )
    assert every.next_due(start, started_at=start) == start + timedelta(seconds=10)


def test_nothing_is_due_for_a_cron_before_the_schedule_started() -> None:
    cron = Cron.parse("0 * * * *", "UTC")
    started = datetime(2025, 1, 1, 12, 30, tzinfo=UTC)

    assert latest_due(cron, started + timedelta(minutes=10), started_at=started) is None
    assert latest_due(cron, started + timedelta(minutes=30), started_at=started) == datetime(
        2025, 1, 1, 13, tzinfo=UTC
    )
    assert next_due(cron, started - timedelta(days=1), started_at=started) == datetime(
        2025, 1, 1, 13, tzinfo=UTC
    )


# ---- parsing -----------------------------------------------------------------------------


def test_aliases_and_whitespace_are_accepted() -> None:
    assert Cron.parse("@daily", "UTC").expression == "0 0 * * *"
    assert Cron.parse("  */5   9-17 * * mon-fri ", "Europe/Berlin").expression == (
        "*/5 9-17 * * mon-fri"
    )


@pytest.mark.parametrize(
    ("expression", "zone", "field", "says"),
    [
        ("* * * *", "UTC", "expression", "5 fields"),
        ("61 * * * *", "UTC", "expression", "minute"),
        ("* 24 * * *", "UTC", "expression", "hour"),
        ("* * * 13 *", "UTC", "expression", "month"),
        ("* * * * funday", "UTC", "expression", "day of week"),
        ("0 0 31 2 *", "UTC", "expression", "never matches"),
        ("0 0 * * *", "Mars/Olympus_Mons", "timezone", "Unknown time zone"),
        ("0 0 * * *", "localtime", "timezone", "Unknown time zone"),
    ],
)
def test_bad_expressions_and_zones_name_the_culprit(
    expression: str, zone: str, field: str, says: str
) -> None:
    with pytest.raises(TimingError) as error:
        Cron.parse(expression, zone)

    assert error.value.field == field
    assert says in error.value.message


@pytest.mark.parametrize("seconds", [0, -1, 366 * 24 * 3600 + 1])
def test_an_interval_out_of_range_is_refused(seconds: int) -> None:
    with pytest.raises(TimingError):
        Interval.of(seconds)
