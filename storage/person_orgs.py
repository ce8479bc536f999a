"""Which org each person belongs to, as the bot token last saw it: an orgId rarely changes, and
looking it up on every command would cost a Webex call each time."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import to_utc_naive
from storage.models import PersonOrg


def get(person_id: str, max_age: timedelta, now: datetime) -> PersonOrg | None:
    """The cached row (org_id, email, timezone) when younger than `max_age`, else None."""
    row = PersonOrg.get_or_none(PersonOrg.person_id == person_id)
    if row is None:
        return None
    if row.checked_at < to_utc_naive(now) - max_age:
        return None
    return row


def save(
    person_id: str, org_id: str, email: str, timezone: str, now: datetime
) -> None:
    values = {
        PersonOrg.org_id: org_id,
        PersonOrg.email: email,
        PersonOrg.timezone: timezone,
        PersonOrg.checked_at: to_utc_naive(now),
    }
    PersonOrg.insert({PersonOrg.person_id: person_id, **values}).on_conflict(
        conflict_target=[PersonOrg.person_id], update=values
    ).execute()
