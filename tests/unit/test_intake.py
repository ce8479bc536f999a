"""How deliveries get in (storage/intake.py): the receiver appends receipts, workers take them
into the inbox, each delivery once, with nothing lost when several workers do it at once or one
fails half-way; a spooled delivery is accepted straight into the inbox, once."""

from __future__ import annotations

import json
import sqlite3
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
    taken = race(4, lambda i: [intake.take_in(now=now(), limit=37) for _ in range(20)])
    ids = [event_id for per_thread in taken for batch in per_thread for event_id in batch]
    assert len(ids) == len(set(ids)) == 300
    assert InboxEvent.select().count() == 300 and InboxReceipt.select().count() == 0
    assert {e.key for e in InboxEvent.select()} == {f"messages:created:m{n}" for n in range(300)}


def test_the_same_id_with_another_event_is_another_delivery(db):
    intake.receive(body("m1"), now=now())
    intake.receive(body("m1", event="deleted"), now=now())
    assert len(intake.take_in(now=now())) == 2


def test_events_keep_their_arrival_order_and_time(db):
    first, later = datetime(2026, 12, 1, 9, 0, tzinfo=UTC), datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    intake.receive(body("a"), now=first)
    intake.receive(body("b"), now=later)
    a, b = intake.take_in(now=now())
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
        intake.take_in(now=now())
    monkeypatch.undo()
    assert InboxReceipt.select().count() == 5 and InboxEvent.select().count() == 0
    assert len(intake.take_in(now=now())) == 5


def test_an_unreadable_receipt_does_not_hold_up_the_others(db):
    intake.receive("not json", now=now())
    intake.receive(body("m1"), now=now())
    assert len(intake.take_in(now=now())) == 1
    assert InboxReceipt.select().count() == 0


def test_counts_show_receipts_not_yet_taken_in(db):
    intake.receive(body("m1"), now=now())
    intake.receive(body("m2"), now=now())
    assert inbox.counts() == {"received": 2}
    intake.take_in(now=now(), limit=1)
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
    try:
        with pytest.raises(intake.Busy):
            intake.receive(body("m1"), now=now(), wait=0.1)
    finally:
        intake._WRITING.release()
    assert InboxReceipt.select().count() == 0


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
