"""How deliveries get in (storage/intake.py): the receiver appends receipts, workers take them
into the inbox, each delivery once, with nothing lost when several workers do it at once or one
fails half-way; a spooled delivery is accepted straight into the inbox, once."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from datetime import UTC, datetime

import pytest

from storage import inbox, intake
from storage.db import database, sqlite_path
from storage.models import InboxEvent, InboxReceipt
from storage.schema import open_database
from tests.threads import race


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.db"
    open_database(url)
    yield sqlite_path(url)
    database.close()


def body(data_id: str, event: str = "created") -> str:
    return json.dumps({"resource": "messages", "event": event, "data": {"id": data_id}})


def now() -> datetime:
    return datetime.now(UTC)


def test_receipts_are_committed_for_other_connections_at_once(db):
    race(8, lambda i: [intake.receive(body(f"m{i}-{k}"), now=now()) for k in range(50)])
    other = sqlite3.connect(db)
    assert other.execute("SELECT COUNT(*) FROM inboxreceipt").fetchone()[0] == 400


def test_concurrent_take_ins_store_each_delivery_once(db):
    for n in range(300):
        intake.receive(body(f"m{n}"), now=now())
    for n in range(0, 300, 3):  # a redelivery of every third, received later
        intake.receive(body(f"m{n}"), now=now())
    taken = race(4, lambda i: [intake.take_in(limit=37) for _ in range(20)])
    ids = [event_id for per_thread in taken for batch in per_thread for event_id in batch]
    assert len(ids) == len(set(ids)) == 300
    assert InboxEvent.select().count() == 300 and InboxReceipt.select().count() == 0
    assert {e.key for e in InboxEvent.select()} == {f"messages:created:m{n}" for n in range(300)}


def test_the_same_id_with_another_event_is_another_delivery(db):
    intake.receive(body("m1"), now=now())
    intake.receive(body("m1", event="deleted"), now=now())
    assert len(intake.take_in()) == 2


def test_events_keep_their_arrival_order_and_time(db):
    first, later = datetime(2026, 12, 1, 9, 0, tzinfo=UTC), datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    intake.receive(body("a"), now=first)
    intake.receive(body("b"), now=later)
    a, b = intake.take_in()
    assert a < b
    assert InboxEvent.get_by_id(a).received_at == first.replace(tzinfo=None)
    assert inbox.pending(10, now=now()) == [a, b]


def test_a_failing_take_in_leaves_every_receipt(db, monkeypatch):
    for n in range(5):
        intake.receive(body(f"m{n}"), now=now())
    real = database.execute_sql
    calls = []

    def failing(sql, params=None, *args, **kwargs):
        if sql.startswith('INSERT INTO "inboxevent"'):
            calls.append(1)
            if len(calls) == 3:
                raise sqlite3.OperationalError("disk I/O error")
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", failing)
    with pytest.raises(Exception, match="disk I/O"):
        intake.take_in()
    monkeypatch.undo()
    assert InboxReceipt.select().count() == 5 and InboxEvent.select().count() == 0
    assert len(intake.take_in()) == 5


def test_an_unreadable_receipt_does_not_hold_up_the_others(db):
    intake.receive("not json", now=now())
    intake.receive(body("m1"), now=now())
    assert len(intake.take_in()) == 1
    assert InboxReceipt.select().count() == 0


def test_counts_show_receipts_not_yet_taken_in(db):
    intake.receive(body("m1"), now=now())
    intake.receive(body("m2"), now=now())
    assert inbox.counts() == {"received": 2}
    intake.take_in(limit=1)
    assert inbox.counts() == {"received": 1, "pending": 1}


def test_a_database_locked_by_another_process_makes_receive_busy(db):
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(intake.Busy):
            intake.receive(body("m1"), now=now(), wait=0.2)
    finally:
        locker.execute("ROLLBACK")
    intake.receive(body("m1"), now=now())
    assert InboxReceipt.select().count() == 1


def test_a_write_stuck_in_another_thread_makes_receive_busy_not_late(db):
    assert intake._WRITING.acquire()  # another thread of this process is mid-write
    started = time.monotonic()
    try:
        with pytest.raises(intake.Busy):
            intake.receive(body("m1"), now=now(), wait=0.1)
    finally:
        intake._WRITING.release()
    assert time.monotonic() - started < 1.0
    assert InboxReceipt.select().count() == 0


def test_a_database_locked_before_the_first_write_is_busy_within_the_wait(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    open_database(url)  # the writer connection is opened at the first write, not here
    locker = sqlite3.connect(sqlite_path(url), isolation_level=None)
    locker.execute("PRAGMA locking_mode = EXCLUSIVE")
    locker.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    try:
        with pytest.raises(intake.Busy):
            intake.receive(body("m1"), now=now(), wait=0.3)
    finally:
        locker.close()
    assert time.monotonic() - started < 2.0  # not SQLite's 5 s default, and not an error
    intake.receive(body("m1"), now=now())
    assert InboxReceipt.select().count() == 1
    database.close()


def test_the_writer_follows_the_database_and_a_fork(tmp_path):
    first, second = (f"sqlite:///{tmp_path}/{name}.db" for name in ("a", "b"))
    open_database(first)
    intake.receive(body("m1"), now=now())
    open_database(second)  # another file in the same process: the old connection is closed
    intake.receive(body("m2"), now=now())
    assert InboxReceipt.select().count() == 1
    child = os.fork()
    if child == 0:  # a gunicorn worker forked from a master that had written
        try:
            intake.receive(body("m3"), now=now())
            os._exit(0 if intake._writer.pid == os.getpid() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert InboxReceipt.select().count() == 2  # the child's write reached the same file
    database.close()
    other = sqlite3.connect(sqlite_path(first))
    assert other.execute("SELECT COUNT(*) FROM inboxreceipt").fetchone()[0] == 1


def test_an_overlong_id_is_keyed_by_its_digest_and_still_deduplicated(db):
    long_id, other = "a" * 500, "a" * 499 + "b"
    for data_id in (long_id, other, long_id):
        intake.receive(body(data_id), now=now())
    assert len(intake.take_in()) == 2
    keys = [event.key for event in InboxEvent.select()]
    assert all(len(key) <= 255 for key in keys) and len(set(keys)) == 2
    assert intake.event_key("messages", "created", "short") == "messages:created:short"


def test_concurrent_accepts_are_each_committed_once_with_their_own_id(db):
    keys = [f"m{n}" for n in range(400)]
    keys += keys[:50]  # 50 redeliveries among them

    def accept_part(part: int) -> list[int | None]:
        return [
            intake.accept("messages", "created", keys[n], "{}", now=now())
            for n in range(part, len(keys), 8)
        ]

    got = [i for part in race(8, accept_part) for i in part]
    ids = [i for i in got if i is not None]
    assert len(ids) == 400 and len(set(ids)) == 400
    # Committed: another connection (another process, say) sees every row.
    other = sqlite3.connect(db)
    assert other.execute("SELECT COUNT(*) FROM inboxevent").fetchone()[0] == 400
    assert {row.id for row in InboxEvent.select(InboxEvent.id)} == set(ids)


def test_a_database_locked_by_another_process_makes_accept_busy_not_wrong(db):
    locker = sqlite3.connect(db, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(intake.Busy):
            intake.accept("messages", "created", "m-locked", "{}", now=now(), wait=0.2)
    finally:
        locker.execute("ROLLBACK")
    assert intake.accept("messages", "created", "m-locked", "{}", now=now())
