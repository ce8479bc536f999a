"""The last /meetings list shown to each person, so `/quality #N` means what they saw."""

from __future__ import annotations

import json
from datetime import datetime

from storage.db import to_utc_naive
from storage.models import MeetingList


def save(person_id: str, meetings: list[dict], *, now: datetime) -> None:
    created = to_utc_naive(now)
    MeetingList.insert(
        person_id=person_id, items=json.dumps(meetings), created_at=created
    ).on_conflict(
        conflict_target=[MeetingList.person_id],
        update={MeetingList.items: json.dumps(meetings), MeetingList.created_at: created},
    ).execute()


def get(person_id: str) -> list[dict] | None:
    row = MeetingList.get_or_none(MeetingList.person_id == person_id)
    return json.loads(row.items) if row else None
