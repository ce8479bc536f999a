"""How deliveries get into the inbox: the receiver appends a receipt (`receive`), workers move
receipts into the inbox, deduplicated (`take_in`), and a spooled delivery goes in directly
(`accept`). On SQLite, the threads of a process write through one connection."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import datetime

from peewee import OperationalError, SqliteDatabase

from storage.db import SQLITE_PRAGMAS, database, to_utc_naive
from storage.models import InboxEvent, InboxReceipt

log = logging.getLogger(__name__)


def _accept_sql() -> str:
    """ON CONFLICT ... RETURNING works on SQLite >= 3.35 and PostgreSQL alike."""
    p = database.obj.param
    table = InboxEvent._meta.table_name
    return (
        f'INSERT INTO "{table}" ("key", "resource", "event", "body", "status", "attempts", '
        f"\"postponed\", \"received_at\") VALUES ({p}, {p}, {p}, {p}, 'pending', 0, 0, {p}) "
        'ON CONFLICT ("key") DO NOTHING RETURNING "id"'
    )


def _receive_sql() -> str:
    p = database.obj.param
    table = InboxReceipt._meta.table_name
    return f'INSERT INTO "{table}" ("body", "received_at") VALUES ({p}, {p})'


# Statements built once: the webhook request pays for the database, not for query building.
# Keyed by the placeholder style, not id(database): a closed database's id can be reused by the
# next one opened (a SQLite test followed by a PostgreSQL one), and "?" reached psycopg2.
_SQL: dict[tuple[str, str], str] = {}


def _sql(build: Callable[[], str]) -> str:
    key = (build.__name__, database.obj.param)
    sql = _SQL.get(key)
    if sql is None:
        sql = _SQL[key] = build()
    return sql


class Busy(Exception):
    """The database could not take the write within the time allowed (locked, slow disk)."""


def receive(body: str, *, now: datetime, wait: float = 15.0) -> None:
    """The receiver's one write: the verified body, appended and committed when this returns.
    Deduplication waits for the worker's `take_in`: a unique key checked here would cost the
    acknowledgement an index (see README, Benchmarks). On SQLite, Busy when the database
    stays locked for `wait` seconds (PostgreSQL queues writers itself)."""
    received = InboxReceipt.received_at.db_value(to_utc_naive(now))
    _write(_sql(_receive_sql), (body, received), wait)


def accept(
    resource: str, event: str, data_id: str, body: str, *, now: datetime, wait: float = 15.0
) -> int | None:
    """Store a delivery in the inbox, committed when this returns; None when the same
    (resource, event, data.id) was accepted before. For deliveries that come another way than
    a receipt (the spool). On SQLite, Busy when the database stays locked for `wait` seconds."""
    received = InboxEvent.received_at.db_value(to_utc_naive(now))
    params = (event_key(resource, event, data_id), resource, event, body, received)
    row = _write(_sql(_accept_sql), params, wait)
    return row[0] if row else None


# SQLite has one writer: the threads of a process take turns on one connection (a turn is a
# ~20 µs autocommit insert). Group commit measured no faster once inserts were this cheap.
_WRITING = threading.Lock()


def _write(sql: str, params: tuple, wait: float) -> tuple | None:
    """The statement's RETURNING row, if it has one."""
    if not isinstance(database.obj, SqliteDatabase):
        cursor = database.execute_sql(sql, params)  # other databases queue writers
        return cursor.fetchone() if cursor.description else None
    deadline = time.monotonic() + wait
    if not _WRITING.acquire(timeout=wait):
        raise Busy("other threads of this process are still writing")
    try:
        return _insert_retrying(sql, params, deadline)
    finally:
        _WRITING.release()


def take_in(limit: int = 1000) -> list[int]:
    """The worker's side of `receive`: move the oldest receipts into the inbox in one
    transaction (they leave the receipts exactly when their events are stored, so a crash
    loses or doubles none); a redelivery meets its key and is dropped. The new events' ids.

    Several workers may run this at once: on SQLite the transaction takes the write lock
    first; on PostgreSQL each takes rows the others have not locked."""
    if not InboxReceipt.select(InboxReceipt.id).limit(1).exists():
        return []  # the usual idle poll: a read, no write lock taken
    oldest = InboxReceipt.select(InboxReceipt.id).order_by(InboxReceipt.id).limit(limit)
    sqlite = isinstance(database.obj, SqliteDatabase)
    if not sqlite:
        oldest = oldest.for_update(skip_locked=True)
    taken: list[int] = []
    with database.atomic("IMMEDIATE") if sqlite else database.atomic():
        rows = (
            InboxReceipt.delete()
            .where(InboxReceipt.id.in_(oldest))
            .returning(InboxReceipt.id, InboxReceipt.body, InboxReceipt.received_at)
            .tuples()
            .execute()
        )
        for receipt_id, body, received_at in sorted(rows):
            try:  # verified and validated by the receiver, so this only fails on a bad disk
                envelope = json.loads(body)
                resource, event = envelope["resource"], envelope["event"]
                key = event_key(resource, event, envelope["data"]["id"])
            except (ValueError, TypeError, KeyError):
                log.error("receipt %s is not a delivery any more; dropped", receipt_id)
                continue  # one unreadable row must not hold up every event after it
            received = InboxEvent.received_at.db_value(received_at)
            params = (key, resource, event, body, received)
            row = database.execute_sql(_sql(_accept_sql), params).fetchone()
            if row:
                taken.append(row[0])
    return taken


def event_key(resource: str, event: str, data_id: str) -> str:
    """What makes a redelivery the same delivery. Webex ids are ~80 characters; one longer
    than the column (ids may be 512: bot/webex/ids.py) is keyed by its digest instead."""
    key = f"{resource}:{event}:{data_id}"
    if len(key) <= KEY_LENGTH:
        return key
    return f"{resource}:{event}:sha256:{hashlib.sha256(data_id.encode()).hexdigest()}"


KEY_LENGTH = InboxEvent.key.max_length or 255


def _insert_retrying(sql: str, params: tuple, deadline: float) -> tuple | None:
    """Across processes, SQLite's busy handler sleeps 1, 2, 5, 10 ms... when the writer lock is
    taken, although an insert holds it for ~0.1 ms: we retry every 0.2 ms instead, until the
    deadline. Every SQLite error leaves as Busy (the receiver spools) or as peewee's."""
    while True:
        try:
            return _writer().execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise OperationalError(str(exc)) from exc
            if time.monotonic() > deadline:
                raise Busy(str(exc)) from None
            time.sleep(0.0002)


class _Writer:
    """The process's one connection for these writes, used by one thread at a time. One
    connection keeps its page cache from write to write, where each thread's own would find
    it invalidated by the others' writes and read the pages again: a third of an
    acknowledgement under load. Opened again after a fork or for another file."""

    def __init__(self) -> None:
        self.pid, self.path = 0, ""
        self.conn: sqlite3.Connection | None = None
        # A parent's connection must never be closed in a child (SQLite's rule across fork):
        # it is kept, unused, instead of being left to the garbage collector.
        self.inherited: list[sqlite3.Connection] = []

    def __call__(self) -> sqlite3.Connection:
        path = database.obj.database
        if path == ":memory:":
            return database.connection()  # private to its connection: no other one may write
        pid = os.getpid()
        if self.conn is not None and (self.pid, self.path) == (pid, path):
            return self.conn
        if self.conn is not None:
            if self.pid == pid:
                self.conn.close()  # the database changed (tests, `db` commands)
            else:
                self.inherited.append(self.conn)
            self.conn = None
        conn = sqlite3.connect(
            path, timeout=0, check_same_thread=False, isolation_level=None,
            uri=path.startswith("file:"),
        )
        try:
            for name, value in {**SQLITE_PRAGMAS, "busy_timeout": 0}.items():
                conn.execute(f"PRAGMA {name} = {value}")  # may be locked: the caller retries
        except sqlite3.Error:
            conn.close()
            raise
        self.pid, self.path, self.conn = pid, path, conn
        return conn


_writer = _Writer()
