"""The webhook inbox: accept once, claim for processing, record the outcome."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from peewee import OperationalError, SqliteDatabase

from storage.db import SQLITE_PRAGMAS, database, to_utc_naive
from storage.models import InboxEvent

# A claim is short and renewed by the worker's heartbeat while the command runs, so a killed
# worker's event is free again within seconds, however long commands take.
LEASE = timedelta(seconds=10)
MAX_ATTEMPTS = 3  # claims that never finished (a worker died each time), then given up

# An event's status: waiting, taken by a worker, or finished one of four ways.
PENDING, PROCESSING = "pending", "processing"
DONE, IGNORED, FAILED = "done", "ignored", "failed"
GIVEN_UP = "given_up"  # workers died on it three times, or Webex was down for 15 minutes
FINISHED = (DONE, IGNORED, FAILED, GIVEN_UP)


def _accept_sql() -> str:
    """One statement, built once: the webhook request pays for SQLite, not for query building.
    ON CONFLICT ... RETURNING works on SQLite >= 3.35 and PostgreSQL alike."""
    p = database.obj.param
    table = InboxEvent._meta.table_name
    return (
        f'INSERT INTO "{table}" ("key", "resource", "event", "body", "status", "attempts", '
        f"\"postponed\", \"received_at\") VALUES ({p}, {p}, {p}, {p}, 'pending', 0, 0, {p}) "
        'ON CONFLICT ("key") DO NOTHING RETURNING "id"'
    )


# Keyed by the placeholder style, not id(database): a closed database's id can be reused by the
# next one opened (a SQLite test followed by a PostgreSQL one), and "?" reached psycopg2.
_ACCEPT: dict[str, str] = {}


class Busy(Exception):
    """The database could not take the write within the time allowed (locked, slow disk)."""


@dataclass
class _Slot:
    params: tuple
    done: bool = False
    row: tuple | None = None
    error: BaseException | None = None


class _Group:
    """Group commit for SQLite's one writer. Threads of a process that arrive while a write is
    under way queue up; the next of them writes everyone waiting in one transaction, and each
    returns once its own row is committed. Alone, a delivery is one autocommit insert; under
    load the WAL gets one commit for many rows, which is most of an acknowledgement's cost. It
    also replaces the lock threads took turns at: SQLite's own busy handler would make a loser
    sleep whole milliseconds."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.waiting: list[_Slot] = []
        self.writing = False

    def write(self, sql: str, params: tuple, deadline: float) -> tuple | None:
        slot = _Slot(params)
        with self.cond:
            self.waiting.append(slot)
            while self.writing and not slot.done:
                left = deadline - time.monotonic()
                if left <= 0 and slot in self.waiting:  # no writer took it: give up cleanly
                    self.waiting.remove(slot)
                    raise Busy("other threads of this process are still writing")
                self.cond.wait(max(left, 0.01))  # once taken, its writer's answer is awaited
            if not slot.done:
                self.writing = True
                batch, self.waiting = self.waiting, []
        if not slot.done:
            try:
                rows = _insert_retrying(sql, [s.params for s in batch], deadline)
                for s, row in zip(batch, rows, strict=True):
                    s.row = row
            except BaseException as exc:
                for s in batch:
                    s.error = exc
            finally:
                with self.cond:
                    for s in batch:
                        s.done = True
                    self.writing = False
                    self.cond.notify_all()
        if slot.error is not None:
            raise slot.error
        return slot.row


_GROUP = _Group()


def accept(
    resource: str, event: str, data_id: str, body: str, *, now: datetime, wait: float = 15.0
) -> int | None:
    """Store a delivery, committed when this returns; None when the same (resource, event,
    data.id) was accepted before. Busy when SQLite stays locked for `wait` seconds."""
    sql = _ACCEPT.get(database.obj.param)
    if sql is None:
        sql = _ACCEPT[database.obj.param] = _accept_sql()
    received = InboxEvent.received_at.db_value(to_utc_naive(now))
    params = (f"{resource}:{event}:{data_id}", resource, event, body, received)
    if not isinstance(database.obj, SqliteDatabase):
        row = database.execute_sql(sql, params).fetchone()  # other databases queue writers
    else:
        row = _GROUP.write(sql, params, time.monotonic() + wait)
    return row[0] if row else None


def _insert_retrying(sql: str, batch: list[tuple], deadline: float) -> list[tuple | None]:
    """Across processes, SQLite's busy handler sleeps 1, 2, 5, 10 ms... when the writer lock is
    taken, although a webhook insert holds it for ~0.1 ms: we retry every 0.2 ms instead, until
    the deadline. The statements go straight to this thread's connection (peewee's per-call
    work was a fifth of an acknowledgement)."""
    conn = database.connection()
    own_transaction = len(batch) > 1 and not conn.in_transaction
    conn.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                if own_transaction:
                    conn.execute("BEGIN IMMEDIATE")
                try:
                    rows = [conn.execute(sql, params).fetchone() for params in batch]
                    if own_transaction:
                        conn.execute("COMMIT")
                    return rows
                except BaseException:
                    if own_transaction and conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise OperationalError(str(exc)) from exc
                if time.monotonic() > deadline:
                    raise Busy(str(exc)) from None
                time.sleep(0.0002)
    finally:
        conn.execute(_RESTORE_BUSY)


_RESTORE_BUSY = f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}"


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


def unfinished(*, now: datetime, older_than: timedelta = timedelta(0)) -> list[int]:
    """Events to enqueue again: never processed, or abandoned by a dead worker."""
    now = to_utc_naive(now)
    query = InboxEvent.select(InboxEvent.id).where(
        (InboxEvent.attempts < MAX_ATTEMPTS)
        & (InboxEvent.received_at <= now - older_than)
        & (
            ((InboxEvent.status == PENDING) & (InboxEvent.not_before.is_null()))
            | ((InboxEvent.status == PENDING) & (InboxEvent.not_before <= now))
            | ((InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now))
        )
    )
    return [row.id for row in query.order_by(InboxEvent.id)]


def pending(limit: int, *, now: datetime) -> list[int]:
    """What a worker's inbox pump may take now, oldest first: `unfinished` without the
    redelivery margin, and cheap enough to ask ten times a second (the status index narrows
    it to the few rows not finished)."""
    now = to_utc_naive(now)
    query = (
        InboxEvent.select(InboxEvent.id)
        .where(
            InboxEvent.status.in_((PENDING, PROCESSING))
            & (InboxEvent.attempts < MAX_ATTEMPTS)
            & (
                (
                    (InboxEvent.status == PENDING)
                    & (InboxEvent.not_before.is_null() | (InboxEvent.not_before <= now))
                )
                | ((InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now))
            )
        )
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    return [row.id for row in query]


def get(event_id: int) -> InboxEvent | None:
    return InboxEvent.get_or_none(InboxEvent.id == event_id)


def counts() -> dict[str, int]:
    from peewee import fn

    rows = (
        InboxEvent.select(InboxEvent.status, fn.COUNT(InboxEvent.id))
        .group_by(InboxEvent.status)
        .tuples()
    )
    return {status: n for status, n in cast(Iterable[tuple[str, int]], rows)}


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
