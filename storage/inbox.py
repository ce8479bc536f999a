"""The webhook inbox: claim an event for processing, record the outcome, find what is left
(how events get in: storage/intake.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from peewee import Expression

from storage.db import to_utc_naive
from storage.models import InboxEvent, InboxReceipt

# A claim is short and renewed by the worker's heartbeat while the command runs, so a killed
# worker's event is free again within seconds, however long commands take.
LEASE = timedelta(seconds=10)
MAX_ATTEMPTS = 3  # claims that never finished (a worker died each time), then given up

# An event's status: waiting, taken by a worker, or finished one of four ways.
PENDING, PROCESSING = "pending", "processing"
DONE, IGNORED, FAILED = "done", "ignored", "failed"
GIVEN_UP = "given_up"  # workers died on it three times, or Webex was down for 15 minutes
FINISHED = (DONE, IGNORED, FAILED, GIVEN_UP)


def claim(event_id: int, *, now: datetime) -> InboxEvent | None:
    """Take an event for processing, unless another worker holds it or it is finished.

    A processing row whose lease ran out belongs to a worker that died: it may be taken again,
    a bounded number of times.
    """
    now = to_utc_naive(now)
    taken = (
        InboxEvent.update(
            status=PROCESSING,
            lease_until=now + LEASE,
            attempts=InboxEvent.attempts + 1,
            not_before=None,
        )
        .where(
            (InboxEvent.id == event_id)
            & (InboxEvent.attempts < MAX_ATTEMPTS)
            & (
                (InboxEvent.status == PENDING)
                | ((InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now))
            )
        )
        .execute()
    )
    return InboxEvent.get_by_id(event_id) if taken else None


def finish(
    event_id: int, status: str = DONE, error_ref: str | None = None, *, now: datetime
) -> None:
    InboxEvent.update(
        status=status, error_ref=error_ref, finished_at=to_utc_naive(now), lease_until=None
    ).where(InboxEvent.id == event_id).execute()


def renew(event_ids: list[int], *, now: datetime) -> int:
    """The heartbeat: events still being worked on keep their claim."""
    if not event_ids:
        return 0
    return (
        InboxEvent.update(lease_until=to_utc_naive(now) + LEASE)
        .where((InboxEvent.id.in_(event_ids)) & (InboxEvent.status == PROCESSING))
        .execute()
    )


def postpone(event_id: int, delay: timedelta, *, now: datetime) -> None:
    """Webex was unavailable: try again after `delay`. An outage is not the event's fault, so
    the claim it used is given back (attempts count only workers that died)."""
    InboxEvent.update(
        status=PENDING,
        lease_until=None,
        not_before=to_utc_naive(now) + delay,
        attempts=InboxEvent.attempts - 1,
        postponed=InboxEvent.postponed + 1,
    ).where((InboxEvent.id == event_id) & (InboxEvent.status == PROCESSING)).execute()


def due_postponed(*, now: datetime) -> list[int]:
    """Postponed events whose time has come, taken once (their retry time is cleared)."""
    now = to_utc_naive(now)
    ids = [
        row.id
        for row in InboxEvent.select(InboxEvent.id).where(
            (InboxEvent.status == PENDING) & (InboxEvent.not_before <= now)
        )
    ]
    if ids:
        InboxEvent.update(not_before=None).where(
            (InboxEvent.id.in_(ids)) & (InboxEvent.not_before <= now)
        ).execute()
    return ids


def expired(*, now: datetime) -> list[int]:
    """Events whose worker stopped renewing its claim (it died) and that may be tried again."""
    query = InboxEvent.select(InboxEvent.id).where(
        (InboxEvent.status == PROCESSING)
        & (InboxEvent.lease_until < to_utc_naive(now))
        & (InboxEvent.attempts < MAX_ATTEMPTS)
    )
    return [row.id for row in query.order_by(InboxEvent.id)]


def exhausted(*, now: datetime) -> list[int]:
    """Events no worker may take any more: each of their claims died with its worker."""
    now = to_utc_naive(now)
    query = InboxEvent.select(InboxEvent.id).where(
        (InboxEvent.attempts >= MAX_ATTEMPTS)
        & (
            (InboxEvent.status == PENDING)
            | ((InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now))
        )
    )
    return [row.id for row in query.order_by(InboxEvent.id)]


def give_up(event_id: int, ref: str, *, now: datetime) -> bool:
    """Stop trying; True for the one caller that did it (and so tells the person)."""
    return bool(
        InboxEvent.update(
            status=GIVEN_UP, error_ref=ref, finished_at=to_utc_naive(now), lease_until=None
        )
        .where((InboxEvent.id == event_id) & (InboxEvent.status.not_in(FINISHED)))
        .execute()
    )


def given_up(since: timedelta, *, now: datetime) -> list[InboxEvent]:
    return list(
        InboxEvent.select()
        .where(
            (InboxEvent.status == GIVEN_UP)
            & (InboxEvent.received_at >= to_utc_naive(now) - since)
        )
        .order_by(InboxEvent.id)
    )


def _runnable(now: datetime) -> Expression:
    """Pending and due (never postponed, or its retry time has come), or claimed by a worker
    that died; and not given up. `now` is naive UTC."""
    return (InboxEvent.attempts < MAX_ATTEMPTS) & (
        (
            (InboxEvent.status == PENDING)
            & (InboxEvent.not_before.is_null() | (InboxEvent.not_before <= now))
        )
        | ((InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now))
    )


def unfinished(*, now: datetime, older_than: timedelta = timedelta(0)) -> list[int]:
    """Events to enqueue again: never processed, or abandoned by a dead worker."""
    now = to_utc_naive(now)
    query = InboxEvent.select(InboxEvent.id).where(
        _runnable(now) & (InboxEvent.received_at <= now - older_than)
    )
    return [row.id for row in query.order_by(InboxEvent.id)]


def pending(limit: int, *, now: datetime) -> list[int]:
    """What a worker's inbox pump may take now, oldest first: `unfinished` without the
    redelivery margin, and cheap enough to ask ten times a second (the status index narrows
    it to the few rows not finished)."""
    now = to_utc_naive(now)
    query = (
        InboxEvent.select(InboxEvent.id)
        .where(InboxEvent.status.in_((PENDING, PROCESSING)) & _runnable(now))
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    return [row.id for row in query]


def get(event_id: int) -> InboxEvent | None:
    return InboxEvent.get_or_none(InboxEvent.id == event_id)


def counts() -> dict[str, int]:
    """Events by status; "received" counts receipts the worker has not taken in yet."""
    from peewee import fn

    rows = (
        InboxEvent.select(InboxEvent.status, fn.COUNT(InboxEvent.id))
        .group_by(InboxEvent.status)
        .tuples()
    )
    out = {status: n for status, n in cast(Iterable[tuple[str, int]], rows)}
    received = InboxReceipt.select().count()
    if received:
        out["received"] = received
    return out


def prune(older_than: timedelta, *, now: datetime) -> int:
    """Forget finished events; redeliveries come within hours, so a month is plenty."""
    return (
        InboxEvent.delete()
        .where(
            (InboxEvent.received_at < to_utc_naive(now) - older_than)
            & (InboxEvent.status.in_(FINISHED))
        )
        .execute()
    )
