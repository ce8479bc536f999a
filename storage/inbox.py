"""The webhook inbox: accept once, claim for processing, record the outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from peewee import OperationalError, SqliteDatabase

from storage.db import SQLITE_PRAGMAS, database, to_utc_naive
from storage.models import InboxEvent

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 3

# An event's status: waiting, taken by a worker, or finished one of three ways.
PENDING, PROCESSING = "pending", "processing"
DONE, IGNORED, FAILED = "done", "ignored", "failed"


def _accept_sql() -> str:
    """One statement, built once: the webhook request pays for SQLite, not for query building.
    ON CONFLICT ... RETURNING works on SQLite >= 3.35 and PostgreSQL alike."""
    p = database.obj.param
    table = InboxEvent._meta.table_name
    return (
        f'INSERT INTO "{table}" ("key", "resource", "event", "body", "status", "attempts", '
        f"\"received_at\") VALUES ({p}, {p}, {p}, {p}, 'pending', 0, {p}) "
        'ON CONFLICT ("key") DO NOTHING RETURNING "id"'
    )


# Keyed by the placeholder style, not id(database): a closed database's id can be reused by the
# next one opened (a SQLite test followed by a PostgreSQL one), and "?" reached psycopg2.
_ACCEPT: dict[str, str] = {}
# Threads of one process take turns at the write: SQLite's own busy handler would make a loser
# sleep whole milliseconds, which is most of a webhook acknowledgement's worst case.
_WRITE = threading.Lock()


def accept(resource: str, event: str, data_id: str, body: str, *, now: datetime) -> int | None:
    """Store a delivery; None when the same (resource, event, data.id) was accepted before."""
    sql = _ACCEPT.get(database.obj.param)
    if sql is None:
        sql = _ACCEPT[database.obj.param] = _accept_sql()
    received = InboxEvent.received_at.db_value(to_utc_naive(now))
    params = (f"{resource}:{event}:{data_id}", resource, event, body, received)
    with _WRITE:
        row = _insert_retrying(sql, params)
    return row[0] if row else None


def _insert_retrying(sql: str, params: tuple) -> tuple | None:
    """Across processes, SQLite's busy handler sleeps 1, 2, 5, 10 ms... when the writer lock is
    taken, although a webhook insert holds it for ~0.1 ms. On SQLite we retry every 0.2 ms
    instead (same 15 s limit); other databases queue writers themselves."""
    if not isinstance(database.obj, SqliteDatabase):
        return database.execute_sql(sql, params).fetchone()
    deadline = time.monotonic() + 15
    database.execute_sql("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                return database.execute_sql(sql, params).fetchone()
            except OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.0002)
    finally:
        database.execute_sql(f"PRAGMA busy_timeout = {SQLITE_PRAGMAS['busy_timeout']}")


def claim(event_id: int, *, now: datetime) -> InboxEvent | None:
    """Take an event for processing, unless another worker holds it or it is finished.

    A processing row whose lease ran out belongs to a worker that died: it may be taken again,
    a bounded number of times.
    """
    now = to_utc_naive(now)
    taken = (
        InboxEvent.update(
            status=PROCESSING, lease_until=now + LEASE, attempts=InboxEvent.attempts + 1
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


def release(event_id: int) -> bool:
    """Give an event back after a transient failure, for the sweep to retry; False when its
    attempts are used up."""
    return bool(
        InboxEvent.update(status=PENDING, lease_until=None)
        .where((InboxEvent.id == event_id) & (InboxEvent.attempts < MAX_ATTEMPTS))
        .execute()
    )


def unfinished(*, now: datetime, older_than: timedelta = timedelta(0)) -> list[int]:
    """Events to enqueue again: never processed, or abandoned by a dead worker."""
    now = to_utc_naive(now)
    query = InboxEvent.select(InboxEvent.id).where(
        (InboxEvent.attempts < MAX_ATTEMPTS)
        & (InboxEvent.received_at <= now - older_than)
        & (
            (InboxEvent.status == PENDING)
            | ((InboxEvent.status == PROCESSING) & (InboxEvent.lease_until < now))
        )
    )
    return [row.id for row in query.order_by(InboxEvent.id)]


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
            & (InboxEvent.status.in_((DONE, IGNORED, FAILED)))
        )
        .execute()
    )
