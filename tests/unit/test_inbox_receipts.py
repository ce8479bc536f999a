"""The receiver appends receipts; workers take them into the inbox, each delivery once, with
nothing lost when several workers do it at once or one fails half-way."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from storage import inbox, intake
from storage.db import database, sqlite_path
from storage.models import InboxEvent, InboxReceipt
from storage.schema import open_database


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


def in_threads(n: int, run) -> list:
    results: list = [None] * n
    start = threading.Barrier(n)

    def go(i: int) -> None:
        start.wait()
        try:
            results[i] = run(i)
        finally:
            database.close()  # this thread's connection

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_receipts_are_committed_for_other_connections_at_once(db):
    in_threads(8, lambda i: [intake.receive(body(f"m{i}-{k}"), now=now()) for k in range(50)])
    other = sqlite3.connect(db)
    assert other.execute("SELECT COUNT(*) FROM inboxreceipt").fetchone()[0] == 400


def test_concurrent_take_ins_store_each_delivery_once(db):
    for n in range(300):
        intake.receive(body(f"m{n}"), now=now())
    for n in range(0, 300, 3):  # a redelivery of every third, received later
        intake.receive(body(f"m{n}"), now=now())
    taken = in_threads(4, lambda i: [intake.take_in(now=now(), limit=37) for _ in range(20)])
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
