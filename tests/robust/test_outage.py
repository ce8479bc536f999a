"""Issue 10 item 5: a command typed while Webex is down is answered when Webex is back, within
a bound, and the person is told once that the answer comes late."""

from __future__ import annotations

from datetime import timedelta

import responses

from bot.recovery import OUTAGE_LIMIT, outage_delay
from storage.models import InboxEvent
from tests.conftest import API, chat_message, deliver, message_envelope
from tests.conftest import posted_markdown as posted

MESSAGE = chat_message("m-1")


def time_passes(by: timedelta) -> None:
    """The event was received `by` earlier, and its retry time has come."""
    row = InboxEvent.get()
    InboxEvent.update(received_at=row.received_at - by, not_before=row.received_at - by).execute()


def test_retries_are_bounded_and_back_off():
    delays = [outage_delay(n).total_seconds() for n in range(8)]
    assert delays == [5, 10, 20, 40, 60, 60, 60, 60]
    assert timedelta(minutes=15) == OUTAGE_LIMIT


def test_a_late_answer_says_so_once_then_answers(client, runtime, worker, webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    webex_api.get(f"{API}/messages/m-1", status=503, json={"message": "down"})
    deliver(client, message_envelope("m-1"))
    time_passes(timedelta(minutes=3))
    worker.dispatcher.recovery.tick()  # still down: postponed again, nothing said
    assert posted(webex_api) == [] and InboxEvent.get().postponed == 2
    webex_api.replace(responses.GET, f"{API}/messages/m-1", json=MESSAGE)
    time_passes(timedelta(seconds=10))
    worker.dispatcher.recovery.tick()
    note, answer = posted(webex_api)
    assert "Webex was unavailable for a while" in note and "3 minutes late" in note
    assert "/meetings" in answer
    assert InboxEvent.get().status == "done"
    InboxEvent.update(status="pending").execute()  # even a re-run tells it only once
    worker.dispatcher.recover()
    assert len(posted(webex_api)) == 2


def test_a_quick_retry_says_nothing_about_lateness(client, runtime, worker, webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    webex_api.get(f"{API}/messages/m-1", status=503, json={"message": "down"})
    deliver(client, message_envelope("m-1"))
    webex_api.replace(responses.GET, f"{API}/messages/m-1", json=MESSAGE)
    time_passes(timedelta(seconds=6))
    worker.dispatcher.recovery.tick()
    [answer] = posted(webex_api)
    assert "/meetings" in answer
