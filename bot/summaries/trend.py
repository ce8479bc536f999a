"""The daily summary's 7-day trend, read from the meeting history (storage.history, written by
bot.history): each earlier local day's % poor participant-minutes over the meetings the person
hosted or took part in. One history serves /trends, /export and this."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

from bot.summaries.schedule import local_day_bounds
from storage import history

TREND_DAYS = 7


def past_days(
    email: str, day: date, tz: str, days: int = TREND_DAYS
) -> list[tuple[date, float | None]]:
    """(local date, poor share) of the `days` days before `day` that have analysed meetings with
    data, oldest first. Summed over every participant of those meetings, like the day itself."""
    if not email:
        return []
    zone = ZoneInfo(tz)
    since, _ = local_day_bounds(day - timedelta(days=days), zone)
    until, _ = local_day_bounds(day, zone)
    sums: dict[date, list[float]] = {}
    for _meeting_id, start, poor, minutes in history.person_meetings(email, since, until):
        local = start.replace(tzinfo=UTC).astimezone(zone).date()
        both = sums.setdefault(local, [0.0, 0.0])
        both[0] += poor
        both[1] += minutes
    shares: list[tuple[date, float | None]] = [
        (d, poor / minutes) for d, (poor, minutes) in sorted(sums.items()) if minutes > 0
    ]
    return shares
