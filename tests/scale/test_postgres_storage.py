"""The storage guarantees hold on PostgreSQL too: one inbox event per delivery, one claim, one
analytics call per meeting, one refresh lease, one summary per space and day."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from storage import inbox, intake, qualities, summary_runs
from storage.db import database, utcnow
from storage.schema import open_database
from tests.threads import race


@pytest.fixture
def pg(pg_url):
    open_database(pg_url)
    yield pg_url
    database.close()


def test_inbox_accepts_once_and_claims_once(pg):
    first = intake.accept("messages", "created", "m1", "{}", now=utcnow())
    assert isinstance(first, int)
    assert intake.accept("messages", "created", "m1", "{}", now=utcnow()) is None
    assert inbox.unfinished(now=utcnow()) == [first]
    claims = race(6, lambda i: inbox.claim(first, now=utcnow()) is not None)
    assert sorted(claims) == [False] * 5 + [True]
    inbox.finish(first, now=utcnow())
    assert inbox.unfinished(now=utcnow()) == [] and inbox.get(first).status == "done"


def test_concurrent_accepts_of_one_delivery_store_one_row(pg):
    ids = race(6, lambda i: intake.accept("messages", "created", "same", "{}", now=utcnow()))
    assert len([i for i in ids if i is not None]) == 1


def test_concurrent_take_ins_store_each_received_delivery_once(pg):
    import json

    from storage.models import InboxEvent, InboxReceipt

    def delivery(n: int) -> str:
        return json.dumps({"resource": "messages", "event": "created", "data": {"id": f"m{n}"}})

    for n in [*range(120), *range(0, 120, 4)]:  # every fourth delivered twice
        intake.receive(delivery(n), now=utcnow())
    taken = race(4, lambda i: [intake.take_in(limit=13) for _ in range(15)])
    ids = [event_id for per_thread in taken for batch in per_thread for event_id in batch]
    assert len(ids) == len(set(ids)) == 120
    assert InboxEvent.select().count() == 120 and InboxReceipt.select().count() == 0


def test_an_overlong_id_is_taken_in_not_stuck(pg):
    import json

    # ids may be 512 characters (bot/webex/ids.py); the key column holds 255.
    envelope = {"resource": "messages", "event": "created", "data": {"id": "a" * 512}}
    intake.receive(json.dumps(envelope), now=utcnow())
    intake.receive(json.dumps(envelope), now=utcnow())
    assert len(intake.take_in()) == 1 and intake.take_in() == []


def test_qualities_lease_makes_one_call_across_threads(pg):
    calls, gate = [], threading.Event()

    def load():
        calls.append(1)
        gate.wait(5)
        return [{"participantId": "p"}]

    def ask(i):
        if i == 0:
            threading.Timer(0.3, gate.set).start()
        return qualities.fetch_once(
            "m", load, clock=utcnow, min_interval=300, owner=f"t{i}", poll=0.01
        )

    results = race(5, ask)
    assert calls == [1] and len(results) == 5
    assert sum(r.fetched_now for r in results) == 1


def test_summary_claim_is_taken_once(pg):
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    taken = race(6, lambda i: summary_runs.claim("room", date(2026, 11, 22), f"w{i}", now))
    assert sorted(taken) == [False] * 5 + [True]
    later = now + timedelta(minutes=1)
    assert summary_runs.claim("room", date(2026, 11, 22), "late", later) is False
