"""Issue 10 item 2: a dead worker's event is taken over within seconds (a short claim renewed
by a heartbeat while work runs), and an event that keeps killing its workers is given up
visibly: `doctor` lists it and the person gets a plain reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import doctor
from bot.recovery import Heartbeat
from storage import inbox, intake
from storage.db import utcnow
from storage.models import InboxEvent
from tests.conftest import API, deliver, message_envelope, register_message
from tests.conftest import posted_markdown as posted


@pytest.fixture
def webex(webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    register_message(webex_api, "m-1")
    return webex_api


@pytest.fixture
def accepted(client, runtime, webex, monkeypatch):
    """An event stored, its hand-on lost: as if the worker that took it is about to die."""
    monkeypatch.setattr(runtime.queue, "submit", lambda: None)
    deliver(client, message_envelope("m-1"))
    [event_id] = intake.take_in()
    return event_id


def die_holding(event_id: int) -> None:
    """A worker claims the event and is killed: no heartbeat, no finish."""
    assert inbox.claim(event_id, now=datetime.now(UTC)) is not None


def lease_lapses() -> None:
    """The claim's 10 s pass without a heartbeat (moved back instead of waiting)."""
    row = InboxEvent.get()
    InboxEvent.update(lease_until=utcnow() - timedelta(seconds=1)).where(
        InboxEvent.id == row.id
    ).execute()


def test_the_claim_is_seconds_long_not_minutes():
    assert timedelta(seconds=30) >= inbox.LEASE


def test_a_dead_workers_event_is_answered_by_the_next_recovery_pass(
    runtime, worker, webex, accepted
):
    die_holding(accepted)
    assert worker.dispatcher.recovery.tick()["retried"] == 0  # its claim still holds
    lease_lapses()
    assert worker.dispatcher.recovery.tick()["retried"] == 1
    assert InboxEvent.get().status == "done" and len(posted(webex)) == 1


def test_the_heartbeat_keeps_a_long_command_claimed(runtime, worker, webex, accepted):
    die_holding(accepted)
    lease_lapses()
    beat = Heartbeat(clock=lambda: datetime.now(UTC))
    with beat.hold(accepted):
        beat.beat()  # what its thread does every 5 s
    assert InboxEvent.get().lease_until > utcnow() + timedelta(seconds=5)
    assert worker.dispatcher.recovery.tick()["retried"] == 0  # still alive: not taken over


def test_an_event_that_kills_three_workers_is_given_up_told_and_in_doctor(
    runtime, worker, webex, accepted
):
    assert doctor.given_up_events()[0][0] is True
    for _ in range(inbox.MAX_ATTEMPTS):
        die_holding(accepted)
        lease_lapses()
    assert inbox.claim(accepted, now=datetime.now(UTC)) is None  # no fourth try
    result = worker.dispatcher.recovery.tick()
    assert result["given_up"] == 1
    row = InboxEvent.get()
    assert row.status == "given_up" and row.error_ref
    [told] = posted(webex)
    assert "could not answer your last message" in told and row.error_ref in told
    ok, line = doctor.given_up_events()[0]
    assert not ok and row.error_ref in line and "1 event(s) given up" in line
    worker.dispatcher.recovery.tick()  # a second pass neither tells again nor changes it
    assert len(posted(webex)) == 1
