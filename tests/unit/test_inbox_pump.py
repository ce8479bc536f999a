"""With a real queue, a webhook delivery costs one write on the request path (its receipt): no
queue entry is made, and the worker's inbox pump takes it in and runs it from the inbox."""

from __future__ import annotations

from dataclasses import replace

import pytest
from peewee import OperationalError

from storage import inbox, intake
from storage.models import InboxEvent
from tests.conftest import API, deliver, message_envelope
from tests.polling import wait_for
from tests.unit.test_dispatch import posted, register_message


@pytest.fixture
def webex(webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    return webex_api


def test_a_received_delivery_is_taken_in_and_run_by_the_pump_without_a_queue_entry(
    config, tmp_path, no_sleep_http, webex
):
    from bot.app import build_runtime, create_app
    from bot.worker import build_worker
    from storage.db import database

    config = replace(config, queue_url=f"sqlite:///{tmp_path}/queue.db")
    worker = build_worker(build_runtime(config, http=no_sleep_http))
    runtime = worker.runtime
    register_message(webex, "m-pump", "/help")
    client = create_app(runtime=runtime).test_client()
    assert deliver(client, message_envelope("m-pump")).status_code == 200
    assert runtime.queue.huey.pending_count() == 0  # nothing but the receipt was written
    assert inbox.counts() == {"received": 1}

    consumer = runtime.queue.consumer(workers=2, in_process=True)
    consumer.start()
    try:
        wait_for(lambda: inbox.counts() == {inbox.DONE: 1}, what="the pump to run it")
    finally:
        consumer.stop(graceful=True)
        database.close()
    replies = [p for p in posted(webex) if "/meetings" in p.get("markdown", "")]
    assert len(replies) == 1


def test_pending_offers_new_due_and_abandoned_events_oldest_first(config, worker):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    ids = [
        intake.accept("messages", "created", f"m{n}", "{}", now=now) for n in range(4)
    ]
    assert inbox.claim(ids[1], now=now) is not None  # running, its claim fresh
    assert inbox.claim(ids[2], now=now - timedelta(minutes=1)) is not None  # its worker died
    assert inbox.claim(ids[3], now=now) is not None
    inbox.postpone(ids[3], timedelta(minutes=5), now=now)  # Webex was down: later
    assert inbox.pending(10, now=now) == [ids[0], ids[2]]
    assert inbox.pending(1, now=now) == [ids[0]]
    assert ids[3] in inbox.pending(10, now=now + timedelta(minutes=6))


def test_a_failing_take_in_does_not_stop_the_events_already_in_the_inbox(
    config, worker, monkeypatch
):
    from datetime import UTC, datetime

    waiting = intake.accept("messages", "created", "m-waiting", "{}", now=datetime.now(UTC))

    def locked() -> list[int]:
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake, "take_in", locked)
    assert worker.dispatcher.pending(10) == [waiting]


def test_immediate_mode_runs_only_the_deliveries_of_the_request(client, runtime, webex):
    """QUEUE_URL=immediate runs the request's own events inline, never someone else's."""
    from datetime import UTC, datetime

    other = intake.accept("messages", "created", "m-other", "{}", now=datetime.now(UTC))
    register_message(webex, "m-mine", "/help")
    assert deliver(client, message_envelope("m-mine")).status_code == 200
    assert inbox.get(other).status == inbox.PENDING
    assert [e.status for e in InboxEvent.select().where(InboxEvent.id != other)] == [inbox.DONE]
