"""Alerts after a meeting: the per-meeting pipeline rows, the per-target delivery claims, the
`/alerts` spaces, `/notify` preferences and the poll bookkeeping.

Every state change is a conditional UPDATE (compare-and-set) guarded by the caller's lease or
claim token, so two workers, a redelivery or a restarted worker lose the race instead of doubling.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from peewee import IntegrityError, fn

from storage.db import aware, database, to_utc_naive
from storage.models import AlertDelivery, AlertMeeting, AlertPoll, AlertSpace, NotifyPreference

OPEN = ("waiting", "planned")  # statuses a worker may still have to run
CHUNK = 400  # ids per IN (...) list: well under SQLite's parameter limit


# Meetings ------------------------------------------------------------------------------------
def see(
    meeting_id: str,
    org_id: str,
    meeting: dict,
    ended_at: datetime | None,
    due_at: datetime,
    source: str,
    now: datetime,
) -> bool:
    """Record an ended meeting once; False when it was seen before (redelivery, poll overlap)."""
    row = {
        "meeting_id": meeting_id,
        "org_id": org_id,
        "meeting": json.dumps(meeting),
        "source": source,
        "ended_at": to_utc_naive(ended_at) if ended_at else None,
        "due_at": to_utc_naive(due_at),
        "seen_at": to_utc_naive(now),
    }
    try:
        with database.atomic():  # a savepoint: the conflict does not spoil an outer transaction
            AlertMeeting.insert(**row).execute()
    except IntegrityError:
        return False
    return True


def unseen(meeting_ids: Iterable[str]) -> set[str]:
    ids = list(dict.fromkeys(meeting_ids))
    known: set[str] = set()
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        query = AlertMeeting.select(AlertMeeting.meeting_id).where(
            AlertMeeting.meeting_id.in_(part)
        )
        known.update(row.meeting_id for row in query)
    return set(ids) - known


def get(meeting_id: str) -> AlertMeeting | None:
    return AlertMeeting.get_or_none(AlertMeeting.meeting_id == meeting_id)


def meeting_dict(row: AlertMeeting) -> dict:
    return json.loads(row.meeting or "{}")


def due(now: datetime, limit: int = 500) -> list[str]:
    """Meetings whose time has come and that no live worker holds, oldest due first."""
    at = to_utc_naive(now)
    query = (
        AlertMeeting.select(AlertMeeting.meeting_id)
        .where(
            AlertMeeting.status.in_(OPEN)
            & (AlertMeeting.due_at <= at)
            & (AlertMeeting.lease_until.is_null() | (AlertMeeting.lease_until < at))
        )
        .order_by(AlertMeeting.due_at)
        .limit(limit)
    )
    return [row.meeting_id for row in query]


def claim(meeting_id: str, owner: str, now: datetime, lease: timedelta) -> AlertMeeting | None:
    """Take a due meeting for this worker; None when it is not due, finished or held."""
    at = to_utc_naive(now)
    taken = (
        AlertMeeting.update(
            lease_owner=owner, lease_until=at + lease, attempts=AlertMeeting.attempts + 1
        )
        .where(
            (AlertMeeting.meeting_id == meeting_id)
            & AlertMeeting.status.in_(OPEN)
            & (AlertMeeting.due_at <= at)
            & (AlertMeeting.lease_until.is_null() | (AlertMeeting.lease_until < at))
        )
        .execute()
    )
    return get(meeting_id) if taken else None


def _mine(meeting_id: str, owner: str):
    return (AlertMeeting.meeting_id == meeting_id) & (AlertMeeting.lease_owner == owner)


def extend(meeting_id: str, owner: str, now: datetime, lease: timedelta) -> bool:
    at = to_utc_naive(now) + lease
    return AlertMeeting.update(lease_until=at).where(_mine(meeting_id, owner)).execute() == 1


def store_meeting(meeting_id: str, owner: str, meeting: dict) -> None:
    AlertMeeting.update(meeting=json.dumps(meeting)).where(_mine(meeting_id, owner)).execute()


def plan(meeting_id: str, owner: str, deliveries: list[tuple[str, str, dict]]) -> bool:
    """Create every delivery claim as `pending` and mark the meeting planned, in one
    transaction: after a crash either all claims exist or none do. Existing claims win."""
    with database.atomic():
        if AlertMeeting.update(status="planned").where(_mine(meeting_id, owner)).execute() != 1:
            return False
        rows = [
            {"meeting_id": meeting_id, "target": t, "kind": k, "content": json.dumps(c)}
            for t, k, c in deliveries
        ]
        for start in range(0, len(rows), 100):
            AlertDelivery.insert_many(rows[start : start + 100]).on_conflict_ignore().execute()
    return True


def postpone(meeting_id: str, owner: str, until: datetime, error: str) -> bool:
    """Webex trouble: give the meeting back, to be tried again at `until`."""
    return (
        AlertMeeting.update(
            due_at=to_utc_naive(until), lease_owner=None, lease_until=None, error=error[:500]
        )
        .where(_mine(meeting_id, owner))
        .execute()
        == 1
    )


def finish(
    meeting_id: str, owner: str, status: str, now: datetime, error: str | None = None
) -> bool:
    fields: dict[str, Any] = {"status": status, "lease_owner": None, "lease_until": None}
    fields["finished_at"] = to_utc_naive(now)
    if error is not None:
        fields["error"] = error[:500]
    return AlertMeeting.update(**fields).where(_mine(meeting_id, owner)).execute() == 1


def overdue(now: datetime, late: timedelta) -> int:
    """Open meetings whose due time passed long ago: the worker is down or stuck."""
    at = to_utc_naive(now) - late
    return (
        AlertMeeting.select()
        .where(AlertMeeting.status.in_(OPEN) & (AlertMeeting.due_at < at))
        .count()
    )


def in_progress(now: datetime) -> int:
    """Meetings a worker holds right now (a live lease)."""
    return (
        AlertMeeting.select()
        .where(
            AlertMeeting.lease_until.is_null(False)
            & (AlertMeeting.lease_until >= to_utc_naive(now))
        )
        .count()
    )


def recent_failures(since: datetime, limit: int = 5) -> list[AlertMeeting]:
    return list(
        AlertMeeting.select()
        .where(
            (AlertMeeting.status == "failed")
            & (AlertMeeting.finished_at >= to_utc_naive(since))
        )
        .order_by(AlertMeeting.finished_at.desc())
        .limit(limit)
    )


# Deliveries (the exactly-once claims) --------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    id: int
    target: str
    kind: str
    content: dict
    status: str
    attempts: int


def deliveries(meeting_id: str) -> list[Delivery]:
    query = (
        AlertDelivery.select()
        .where(AlertDelivery.meeting_id == meeting_id)
        .order_by(AlertDelivery.id)
    )
    return [
        Delivery(r.id, r.target, r.kind, json.loads(r.content), r.status, r.attempts)
        for r in query
    ]


def abandon_sending(meeting_id: str, now: datetime) -> int:
    """Called by the meeting's new lease holder: a `sending` claim belongs to a worker that died
    between its POST and the record of it. Webex may have the message: never post it again."""
    return (
        AlertDelivery.update(status="unknown", error="worker stopped while posting")
        .where((AlertDelivery.meeting_id == meeting_id) & (AlertDelivery.status == "sending"))
        .execute()
    )


def take(delivery_id: int, token: str, now: datetime) -> bool:
    """pending -> sending under `token`: only the taker posts."""
    return (
        AlertDelivery.update(
            status="sending",
            claimed_by=token,
            claimed_at=to_utc_naive(now),
            attempts=AlertDelivery.attempts + 1,
        )
        .where((AlertDelivery.id == delivery_id) & (AlertDelivery.status == "pending"))
        .execute()
        == 1
    )


def settle(delivery_id: int, token: str, status: str, now: datetime, error: str = "") -> bool:
    """sending -> sent|failed|unknown|skipped|pending (pending: Webex surely did not post it)."""
    fields: dict = {"status": status, "error": error[:500] or None}
    if status == "sent":
        fields["sent_at"] = to_utc_naive(now)
    return (
        AlertDelivery.update(**fields)
        .where(
            (AlertDelivery.id == delivery_id)
            & (AlertDelivery.claimed_by == token)
            & (AlertDelivery.status == "sending")
        )
        .execute()
        == 1
    )


def skip(delivery_id: int, reason: str) -> bool:
    """pending -> skipped (e.g. the person said `/notify off` after planning)."""
    return (
        AlertDelivery.update(status="skipped", error=reason)
        .where((AlertDelivery.id == delivery_id) & (AlertDelivery.status == "pending"))
        .execute()
        == 1
    )


def sent_count(target: str, since: datetime) -> int:
    return (
        AlertDelivery.select()
        .where(
            (AlertDelivery.target == target)
            & (AlertDelivery.status == "sent")
            & (AlertDelivery.sent_at >= to_utc_naive(since))
        )
        .count()
    )


def delivery_counts() -> dict[str, int]:
    query = AlertDelivery.select(AlertDelivery.status, fn.COUNT(AlertDelivery.id))
    rows = query.group_by(AlertDelivery.status).tuples()
    return {status: n for status, n in cast(Iterable[tuple[str, int]], rows)}


# /alerts spaces ------------------------------------------------------------------------------
def set_space(room_id: str, org_id: str, enabled: bool, by: str, now: datetime) -> bool:
    """Returns False when the space was already in that state (the `since` is kept)."""
    row = AlertSpace.get_or_none(AlertSpace.room_id == room_id)
    if row is not None and row.enabled == enabled and row.org_id == org_id:
        return False
    values = {"org_id": org_id, "enabled": enabled, "changed_by": by, "since": to_utc_naive(now)}
    AlertSpace.insert(room_id=room_id, **values).on_conflict(
        conflict_target=[AlertSpace.room_id], update=values
    ).execute()
    return True


@dataclass(frozen=True)
class SpaceState:
    enabled: bool
    org_id: str
    since: datetime  # aware UTC
    changed_by: str


def space(room_id: str) -> SpaceState | None:
    row = AlertSpace.get_or_none(AlertSpace.room_id == room_id)
    if row is None:
        return None
    return SpaceState(row.enabled, row.org_id, aware(row.since), row.changed_by)


def spaces_on(org_id: str) -> list[str]:
    query = AlertSpace.select(AlertSpace.room_id).where(
        (AlertSpace.org_id == org_id) & (AlertSpace.enabled == True)  # noqa: E712
    )
    return sorted(row.room_id for row in query)


# /notify -------------------------------------------------------------------------------------
def set_notify(email: str, person_id: str, enabled: bool, now: datetime) -> None:
    values = {"person_id": person_id, "enabled": enabled, "since": to_utc_naive(now)}
    NotifyPreference.insert(email=email.lower(), **values).on_conflict(
        conflict_target=[NotifyPreference.email], update=values
    ).execute()


def notify_enabled(email: str) -> bool:
    row = NotifyPreference.get_or_none(NotifyPreference.email == email.lower())
    return True if row is None else bool(row.enabled)


def notify_off(emails: Iterable[str]) -> set[str]:
    wanted = sorted({e.lower() for e in emails if e})
    if not wanted:
        return set()
    query = NotifyPreference.select(NotifyPreference.email).where(
        NotifyPreference.email.in_(wanted) & (NotifyPreference.enabled == False)  # noqa: E712
    )
    return {row.email for row in query}


# The poll safety net -------------------------------------------------------------------------
def claim_poll(
    org_id: str, now: datetime, interval: timedelta, lease: timedelta
) -> tuple[bool, datetime | None]:
    """(True, last poll time) when this worker should list the org's meetings now."""
    at = to_utc_naive(now)
    with database.atomic():
        AlertPoll.insert(org_id=org_id).on_conflict_ignore().execute()
    row = AlertPoll.get_by_id(org_id)
    taken = (
        AlertPoll.update(lease_until=at + lease)
        .where(
            (AlertPoll.org_id == org_id)
            & (AlertPoll.polled_at.is_null() | (AlertPoll.polled_at <= at - interval))
            & (AlertPoll.lease_until.is_null() | (AlertPoll.lease_until < at))
        )
        .execute()
    )
    return bool(taken), aware(row.polled_at)


def polled(org_id: str, now: datetime, found: int) -> None:
    AlertPoll.update(polled_at=to_utc_naive(now), lease_until=None, found=found).where(
        AlertPoll.org_id == org_id
    ).execute()


def last_poll(org_id: str) -> datetime | None:
    row = AlertPoll.get_or_none(AlertPoll.org_id == org_id)
    return aware(row.polled_at) if row else None
