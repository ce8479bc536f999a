"""Threads accepting at once each get their own answer: their row's id once committed, None for
a redelivery, Busy when the database stays locked."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from storage import intake
from storage.db import database, sqlite_path
from storage.models import InboxEvent
from storage.schema import open_database


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path}/bot.db"
    open_database(url)
    yield sqlite_path(url)
    database.close()


def accept_all(keys: list[str], threads: int = 8) -> list[int | None]:
    got: list[int | None] = [None] * len(keys)
    start = threading.Barrier(threads)

    def run(part: int) -> None:
        start.wait()
        for n in range(part, len(keys), threads):
            got[n] = intake.accept("messages", "created", keys[n], "{}", now=datetime.now(UTC))
        database.close()  # this thread's connection

    workers = [threading.Thread(target=run, args=(p,)) for p in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    return got


def test_concurrent_accepts_are_each_committed_once_with_their_own_id(db):
    keys = [f"m{n}" for n in range(400)]
    got = accept_all(keys + keys[:50])  # 50 redeliveries among them
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
            intake.accept("messages", "created", "m-locked", "{}", now=datetime.now(UTC), wait=0.2)
    finally:
        locker.execute("ROLLBACK")
    assert intake.accept("messages", "created", "m-locked", "{}", now=datetime.now(UTC))
