"""Issue 10 item 3: a database held locked by another process must not lose an accepted
delivery. The receiver waits a bounded time, then spools the delivery (fsynced) and answers
200; the worker drains the spool into the inbox once the lock is gone and answers it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
from contextlib import contextmanager

import pytest

from bot.webhooks import ACCEPT_WAIT
from storage import spool
from storage.models import InboxEvent
from tests.conftest import API, deliver, message_envelope, register_message


@contextmanager
def locked(config):
    """Another process holds SQLite's write lock (like a long migration or a backup)."""
    path = config.database_url.split("://", 1)[1][1:]
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def webex(webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    for n in range(3):
        register_message(webex_api, f"m-{n}")
    return webex_api


def posted(rsps) -> int:
    return sum(1 for c in rsps.calls if c.request.method == "POST")


def test_deliveries_during_a_lock_are_acknowledged_spooled_then_answered(
    client, worker, config, webex
):
    with locked(config):
        for n in range(3):
            started = time.monotonic()
            resp = deliver(client, message_envelope(f"m-{n}"))
            took = time.monotonic() - started
            assert resp.status_code == 200 and resp.get_json()["spooled"] is True
            assert took < ACCEPT_WAIT + 3  # answered long before the old 15 s, and Webex's patience
        with open(config.spool_path, "rb") as spooled:
            assert len(spooled.read().splitlines()) == 3
        assert stat.S_IMODE(os.stat(config.spool_path).st_mode) == 0o600
        # A drain while still locked keeps everything for later.
        with pytest.raises(Exception):  # noqa: B017  (Busy or OperationalError: still locked)
            worker.dispatcher.recovery.tick()
    assert InboxEvent.select().count() == 0
    result = worker.dispatcher.recovery.tick()
    assert result["drained"] == 3
    assert InboxEvent.select().where(InboxEvent.status == "done").count() == 3
    assert posted(webex) == 3
    assert os.path.getsize(config.spool_path) == 0
    assert worker.dispatcher.recovery.tick()["drained"] == 0


def test_a_redelivery_of_a_spooled_event_is_stored_once(
    client, worker, config, webex, monkeypatch
):
    monkeypatch.setattr("bot.webhooks.ACCEPT_WAIT", 0.2)
    with locked(config):
        deliver(client, message_envelope("m-1"))
    deliver(client, message_envelope("m-1"))  # Webex redelivers; the database is back
    worker.dispatcher.recovery.tick()
    assert InboxEvent.select().count() == 1 and posted(webex) == 1


def test_the_drain_keeps_what_is_appended_while_it_stores(tmp_path):
    path = str(tmp_path / "inbox.spool")
    for n in range(3):
        spool.append(path, "messages", "created", f"m-{n}", json.dumps({"n": n}))
    stored = []

    def store(resource, event, data_id, body):
        if data_id == "m-0":
            spool.append(path, "messages", "created", "late", "{}")  # a receiver, meanwhile
        stored.append(data_id)
        return len(stored)

    assert spool.drain(path, store) == [1, 2, 3]
    assert stored == ["m-0", "m-1", "m-2"]
    assert spool.drain(path, store) == [4] and stored[-1] == "late"
    assert os.path.getsize(path) == 0


def test_a_failing_drain_loses_nothing(tmp_path):
    path = str(tmp_path / "inbox.spool")
    spool.append(path, "messages", "created", "m-0", "{}")

    def locked_store(*fields):
        raise RuntimeError("database is locked")

    with pytest.raises(RuntimeError):
        spool.drain(path, locked_store)
    assert spool.drain(path, lambda *fields: 7) == [7]


def test_a_second_drainer_waits_its_turn_and_loses_nothing(tmp_path):
    """Two workers draining at once: the second backs off instead of cutting the file by the
    first one's offsets (which would lose what a receiver appended in between)."""
    path = str(tmp_path / "inbox.spool")
    spool.append(path, "messages", "created", "m-0", "{}")
    second: list[list[int]] = []

    def store(resource, event, data_id, body):
        if data_id == "m-0":
            spool.append(path, "messages", "created", "m-1", "{}")  # a receiver, meanwhile
            second.append(spool.drain(path, lambda *f: 99))  # another worker's pass
        return 1 if data_id == "m-0" else 2

    assert spool.drain(path, store) == [1]
    assert second == [[]]  # it found the drain busy and left everything alone
    assert spool.drain(path, store) == [2]
