"""Each computed day's % poor minutes per person, so the 7-day trend outlives Webex's data."""

from __future__ import annotations

from datetime import date, timedelta

from storage.db import database
from storage.models import DailyStat


def save(person_id: str, day: date, tz: str, meetings: int, poor_share: float | None) -> None:
    """Insert or overwrite: a later run of the same day knows at least as much."""
    with database.atomic():
        DailyStat.insert(
            person_id=person_id,
            local_date=day,
            timezone=tz,
            meetings=meetings,
            poor_share=poor_share,
        ).on_conflict(
            conflict_target=[DailyStat.person_id, DailyStat.local_date, DailyStat.timezone],
            update={DailyStat.meetings: meetings, DailyStat.poor_share: poor_share},
        ).execute()


def history(person_id: str, tz: str, day: date, days: int = 7) -> list[tuple[date, float | None]]:
    """The `days` days before `day` that were computed, oldest first."""
    rows = (
        DailyStat.select(DailyStat.local_date, DailyStat.poor_share)
        .where(
            (DailyStat.person_id == person_id)
            & (DailyStat.timezone == tz)
            & (DailyStat.local_date >= day - timedelta(days=days))
            & (DailyStat.local_date < day)
        )
        .order_by(DailyStat.local_date)
    )
    return [(row.local_date, row.poor_share) for row in rows]
