"""When a schedule is due: cron expressions in a time zone, and fixed intervals.

Pure functions of instants (timezone-aware ``datetime``), no database. A schedule's runs
are *due instants*; beat sends ``conveyor.fire_schedule`` at about those instants, and the
worker fires the latest one due (``latest_due``), keyed by it so it fires once.

Cron follows wall-clock time in its time zone, as Celery's beat does (a test checks the two
agree across DST changes):

- a wall time skipped by a spring-forward change (02:30 in Berlin on the last Sunday of
  March) runs once, at the instant Python gives it (``fold=0``: the offset before the
  change, so 03:30 local time);
- a wall time that occurs twice at a fall-back change (01:30 in New York on the first
  Sunday of November) runs once, at its first occurrence.

When both day of month and day of week are restricted, a day must match both (Celery's
rule; classic cron takes either).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from celery.schedules import crontab

# How far ahead (or back) a cron expression is searched for a matching day: eight years
# covers every combination of month, day of month and day of week but 29 February on a
# given weekday, which is refused as never matching.
SEARCH_DAYS = 8 * 366
FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
FIELD_NAMES = {
    "minute": "minute (0-59)",
    "hour": "hour (0-23)",
    "day_of_month": "day of month (1-31)",
    "month_of_year": "month (1-12)",
    "day_of_week": "day of week (0-6, Sunday is 0)",
}
ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
MAX_INTERVAL_SECONDS = 366 * 24 * 3600


class TimingError(ValueError):
    """An expression or time zone that cannot be used; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@cache
def _zones() -> frozenset[str]:
    # "localtime" is whatever the host says, "Factory" is a placeholder: neither is a place.
    return frozenset(available_timezones() - {"localtime", "Factory"})


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/Berlin``, ``UTC``), or a ``TimingError``."""
    if name not in _zones():
        raise TimingError(
            "timezone", f"Unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'."
        )
    return ZoneInfo(name)


@dataclass(frozen=True)
class Cron:
    """A five-field cron expression (minute hour day-of-month month day-of-week) in a zone."""

    expression: str
    timezone: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days_of_month: frozenset[int]
    months: frozenset[int]
    # Celery's numbering: 0 is Sunday.
    days_of_week: frozenset[int]

    @classmethod
    def parse(cls, expression: str, timezone: str = "UTC") -> Cron:
        tz = zone(timezone)
        text = " ".join(expression.split())
        parts = ALIASES.get(text.lower(), text).split(" ")
        if len(parts) != len(FIELDS):
            raise TimingError(
                "expression",
                f"A cron expression has 5 fields (minute hour day-of-month month "
                f"day-of-week), or is one of {', '.join(ALIASES)}; got {len(parts)}.",
            )
        for name, part in zip(FIELDS, parts, strict=True):
            try:
                crontab(**{name: part})
            except (ValueError, IndexError) as exc:
                raise TimingError(
                    "expression", f"Bad {FIELD_NAMES[name]} field {part!r}: {exc}"
                ) from None
        try:
            spec = crontab(**dict(zip(FIELDS, parts, strict=True)))
        except ValueError as exc:
            raise TimingError(
                "expression", f"The cron expression {text!r} never matches a day: {exc}"
            ) from None
        # The parsed fields are sets of numbers (celery-types does not declare them).
        values: dict[str, set[int]] = {name: set(getattr(spec, name)) for name in FIELDS}
        cron = cls(
            expression=" ".join(parts),
            timezone=tz.key,
            minutes=tuple(sorted(values["minute"])),
            hours=tuple(sorted(values["hour"])),
            days_of_month=frozenset(values["day_of_month"]),
            months=frozenset(values["month_of_year"]),
            days_of_week=frozenset(values["day_of_week"]),
        )
        if cron.next_due(datetime(2000, 1, 1, tzinfo=UTC)) is None:
            raise TimingError("expression", f"The cron expression {text!r} never matches a day.")
        return cron

    @property
    def fields(self) -> dict[str, str]:
        """The expression's fields by the names Celery and django-celery-beat use."""
        return dict(zip(FIELDS, self.expression.split(" "), strict=True))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def matches_day(self, day: date) -> bool:
        return (
            day.month in self.months
            and day.day in self.days_of_month
            and day.isoweekday() % 7 in self.days_of_week
        )

    def instants_on(self, day: date) -> list[datetime]:
        """The due instants (UTC) of the wall times on local ``day``, sorted, each once."""
        if not self.matches_day(day):
            return []
        tz = self.tz
        found = {
            # fold=0: a skipped wall time takes the offset before the change, a repeated
            # one its first occurrence.
            datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
            for hour in self.hours
            for minute in self.minutes
        }
        return sorted(found)

    def latest_due(self, now: datetime) -> datetime | None:
        """The latest due instant at or before ``now``."""
        today = now.astimezone(self.tz).date()
        # A wall time late on the day before can land after midnight (a skipped hour).
        candidates = [
            t for d in (today, today - timedelta(days=1)) for t in self.instants_on(d) if t <= now
        ]
        if candidates:
            return max(candidates)
        for back in range(2, SEARCH_DAYS):
            instants = self.instants_on(today - timedelta(days=back))
            if instants:
                return instants[-1]
        return None

    def next_due(self, now: datetime) -> datetime | None:
        """The first due instant after ``now``."""
        today = now.astimezone(self.tz).date()
        candidates = [
            t
            for d in (today - timedelta(days=1), today, today + timedelta(days=1))
            for t in self.instants_on(d)
            if t > now
        ]
        if candidates:
            return min(candidates)
        for ahead in range(2, SEARCH_DAYS):
            instants = self.instants_on(today + timedelta(days=ahead))
            if instants:
                return instants[0]
        return None


@dataclass(frozen=True)
class Interval:
    """Every ``seconds``, on a grid anchored at the instant the schedule started."""

    seconds: int

    @classmethod
    def of(cls, seconds: int) -> Interval:
        if not 1 <= seconds <= MAX_INTERVAL_SECONDS:
            raise TimingError(
                "interval_seconds", f"An interval is 1 to {MAX_INTERVAL_SECONDS} seconds."
            )
        return cls(seconds)

    @property
    def every(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def latest_due(self, now: datetime, *, started_at: datetime) -> datetime | None:
        """The latest grid point ``started_at + k * every`` (k >= 1) at or before ``now``."""
        steps = (now - started_at) // self.every
        return started_at + steps * self.every if steps >= 1 else None

    def next_due(self, now: datetime, *, started_at: datetime) -> datetime:
        steps = max((now - started_at) // self.every + 1, 1)
        return started_at + steps * self.every


Timing = Cron | Interval


def latest_due(timing: Timing, now: datetime, *, started_at: datetime) -> datetime | None:
    """The run a fire at ``now`` is for: the latest due instant, never before the start."""
    if isinstance(timing, Interval):
        return timing.latest_due(now, started_at=started_at)
    due = timing.latest_due(now)
    return due if due is not None and due >= started_at else None


def next_due(timing: Timing, now: datetime, *, started_at: datetime) -> datetime | None:
    if isinstance(timing, Interval):
        return timing.next_due(now, started_at=started_at)
    return timing.next_due(max(now, started_at - timedelta(microseconds=1)))
