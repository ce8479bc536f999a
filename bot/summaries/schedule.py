"""When daily summaries are due: wall-clock arithmetic across time zones and DST changes.

Pure: no database, no clock. Every function is given the subscription's fields and `now`.
"""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TIME = "09:00"
# The periodic task runs every minute; a send more than this after its time was held up
# (worker down, clock jump) and the message says so.
LATE_AFTER = timedelta(minutes=5)


class Timing(Protocol):
    """What scheduling needs of a subscription (storage.models.Subscription has it)."""

    @property
    def local_time(self) -> str: ...  # HH:MM

    @property
    def timezone(self) -> str: ...  # IANA key

    @property
    def created_at(self) -> datetime | None: ...  # naive means UTC, as stored


def _created(sub: Timing) -> datetime | None:
    created = sub.created_at
    if created is None or created.tzinfo is not None:
        return created
    return created.replace(tzinfo=UTC)


def hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def wall_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant (aware UTC) at which the wall clock in `tz` reads `day at` or later.

    Normal days: exactly that time. Fall-back days: its first occurrence, so an ambiguous
    02:30 fires once. Spring-forward days: a time in the gap fires when the gap ends (02:30 on
    Europe/Berlin's 2026-03-29 fires at 03:00 CEST), never not at all.
    """
    wall = datetime.combine(day, at)
    for minute in range(24 * 60 + 1):
        candidate = wall + timedelta(minutes=minute)
        moment = candidate.replace(tzinfo=tz)  # fold=0: the earlier of two readings
        if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == candidate:
            return moment.astimezone(UTC)
    raise ValueError(f"{day} {at} never shows on a clock in {tz.key}")  # pragma: no cover


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day in UTC; 23 or 25 hours long on change days."""
    return wall_instant(day, time(0), tz), wall_instant(day + timedelta(days=1), time(0), tz)


def due_day(sub: Timing, now: datetime) -> date | None:
    """The local date whose summary is due at `now`, or None.

    Due when the local wall clock has reached the subscription's time today (so a worker that
    was down catches up later the same day), unless the subscription was made after that
    moment (a new subscription never fires at once for a time already passed).
    """
    tz = ZoneInfo(sub.timezone)
    local = now.astimezone(tz)
    at = hhmm(sub.local_time)
    if local.replace(tzinfo=None) < datetime.combine(local.date(), at):
        return None
    created = _created(sub)
    if created is not None and wall_instant(local.date(), at, tz) < created:
        return None
    return local.date()


def next_send(sub: Timing, now: datetime, sent: Container[date] = ()) -> datetime:
    """When this subscription will next post (aware UTC), as told in confirmations and /status;
    `sent` holds the local dates (today and the next two) that already have a run."""
    tz = ZoneInfo(sub.timezone)
    at = hhmm(sub.local_time)
    today = now.astimezone(tz).date()
    created = _created(sub) or now
    for offset in range(3):
        day = today + timedelta(days=offset)
        moment = wall_instant(day, at, tz)
        if moment < created or day in sent:
            continue
        return max(moment, now)  # past but not sent yet: it goes at the next tick
    return wall_instant(today + timedelta(days=1), at, tz)  # pragma: no cover


def late_note(due_at: datetime, now: datetime, tz: str) -> str:
    if now - due_at <= LATE_AFTER:
        return ""
    zone = ZoneInfo(tz)
    return (
        f"_Sent late: it was due at {due_at.astimezone(zone):%H:%M} and goes out at "
        f"{now.astimezone(zone):%H:%M} ({tz}) because I was not running at the time._"
    )
