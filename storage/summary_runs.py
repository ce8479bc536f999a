"""The claim that makes a daily summary go out once per (space, local date).

A run moves claimed -> sending -> sent|partial, or ends empty|paused|failed. Only the holder of
the current claim token may move it on, and only a `sending` holder posts to Webex, so a second
worker, a restarted one, or one whose clock jumped can never post the same day twice. A claim
that died before `sending` (crash while fetching data) or that failed is taken over after LEASE.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from peewee import IntegrityError

from storage.db import database, to_utc_naive
from storage.models import SummaryRun

LEASE = timedelta(minutes=15)  # longer than fetching one person's day may take

# A run's status: claimed by a worker, then sending, then how it ended.
CLAIMED, SENDING = "claimed", "sending"
SENT, EMPTY, PARTIAL, PAUSED, FAILED = "sent", "empty", "partial", "paused", "failed"
RETRYABLE = (CLAIMED, FAILED)


def claim(room_id: str, day: date, token: str, now: datetime, lease: timedelta = LEASE) -> bool:
    """True when this caller now holds the (space, day) claim under `token`."""
    at = to_utc_naive(now)
    try:
        with database.atomic():
            SummaryRun.insert(
                room_id=room_id, local_date=day, claimed_at=at, claimed_by=token, status=CLAIMED
            ).execute()
        return True
    except IntegrityError:
        pass
    # The conditional UPDATE is the compare-and-set: of two racing takers the second one's
    # WHERE no longer matches once the first committed (SQLite serialises writers; PostgreSQL
    # re-checks the row after the lock).
    taken = (
        SummaryRun.update(claimed_at=at, claimed_by=token, status=CLAIMED, sent_at=None)
        .where(
            (SummaryRun.room_id == room_id)
            & (SummaryRun.local_date == day)
            & SummaryRun.status.in_(RETRYABLE)
            & (SummaryRun.claimed_at <= at - lease)
        )
        .execute()
    )
    return taken == 1


def advance(room_id: str, day: date, token: str, status: str, now: datetime) -> bool:
    """Move a run on, only if `token` still holds it. False: someone took it over, or the run
    is `sending` and asked to become `failed` (a retry could post twice: use `partial`)."""
    fields: dict = {"status": status}
    since = (CLAIMED,) if status == FAILED else (CLAIMED, SENDING)
    if status in (SENT, PARTIAL, EMPTY):
        fields["sent_at"] = to_utc_naive(now)
    if status == FAILED:
        fields["claimed_at"] = to_utc_naive(now)  # the retry waits a full LEASE from now
    return (
        SummaryRun.update(**fields)
        .where(
            (SummaryRun.room_id == room_id)
            & (SummaryRun.local_date == day)
            & (SummaryRun.claimed_by == token)
            & SummaryRun.status.in_(since)
        )
        .execute()
        == 1
    )


def get(room_id: str, day: date) -> SummaryRun | None:
    return SummaryRun.get_or_none((SummaryRun.room_id == room_id) & (SummaryRun.local_date == day))


def exists(room_id: str, day: date) -> bool:
    return get(room_id, day) is not None


def blocking(pairs: Iterable[tuple[str, date]], now: datetime, lease: timedelta = LEASE) -> set:
    """Of these (space, day) pairs, those a worker must not start: finished, or claimed recently."""
    pairs = list(pairs)
    if not pairs:
        return set()
    rooms = {room for room, _ in pairs}
    days = {day for _, day in pairs}
    stale = to_utc_naive(now) - lease
    found: set[tuple[str, date]] = set()
    query = SummaryRun.select(
        SummaryRun.room_id, SummaryRun.local_date, SummaryRun.status, SummaryRun.claimed_at
    ).where(SummaryRun.local_date.in_(list(days)))
    if len(rooms) <= 500:  # keep the parameter list short; otherwise filter in Python
        query = query.where(SummaryRun.room_id.in_(list(rooms)))
    for row in query:
        if row.room_id not in rooms:
            continue
        if row.status in RETRYABLE and row.claimed_at <= stale:
            continue
        found.add((row.room_id, row.local_date))
    return found & set(pairs)
