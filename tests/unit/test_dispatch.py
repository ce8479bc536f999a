"""From a signed delivery to a reply, with tasks run inline (QUEUE_URL=immediate)."""

from datetime import timedelta

import pytest
import responses

from storage import inbox
from storage.models import InboxEvent
from tests.conftest import (
    API,
    BOT_ID,
    action_envelope,
    deliver,
    message_envelope,
    posted,
    register_action,
    register_message,
)


@pytest.fixture
def webex(webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    return webex_api


def test_help_is_answered_in_the_thread(client, webex):
    register_message(webex, "m1", "/help")
    assert deliver(client, message_envelope("m1")).status_code == 200
    [reply] = posted(webex)
    assert reply["roomId"] == "room-1" and reply["parentId"] == "m1"
    assert "/meetings" in reply["markdown"]
    assert reply["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert InboxEvent.get().status == "done"


def test_reply_in_a_thread_goes_to_the_thread_root(client, webex):
    register_message(webex, "m2", "help", parentId="root-9")
    deliver(client, message_envelope("m2"))
    assert posted(webex)[0]["parentId"] == "root-9"


def test_unknown_command_suggests_the_closest(client, webex):
    register_message(webex, "m3", "/meetngs 3")
    deliver(client, message_envelope("m3"))
    [reply] = posted(webex)
    assert "Unknown command `meetngs`" in reply["markdown"]
    assert "`/meetings`" in reply["markdown"] and "/help" in reply["markdown"]


def test_bad_argument_gets_a_helpful_reply(client, webex, runtime, monkeypatch):
    monkeypatch.setattr(runtime.accounts, "is_connected", lambda person_id: True)
    register_message(webex, "m4", "/meetings ninety")
    deliver(client, message_envelope("m4"))
    assert "`ninety` is not a number of days" in posted(webex)[0]["markdown"]


def test_own_messages_are_ignored_without_fetching(client, webex):
    deliver(client, message_envelope("m5", person_id=BOT_ID, email="quality@webex.bot"))
    assert posted(webex) == []
    assert not any("/messages/m5" in c.request.url for c in webex.calls)
    assert InboxEvent.get().status == "ignored"


def test_other_bots_are_ignored_by_email_or_type(client, webex):
    deliver(client, message_envelope("m6", person_id="other-bot", email="x@webex.bot"))
    webex.get(f"{API}/people/appbot", json={"id": "appbot", "type": "bot"})
    deliver(client, message_envelope("m7", person_id="appbot", email="app@example.com"))
    assert posted(webex) == []


def test_group_message_without_mention_is_ignored(client, webex):
    register_message(webex, "m8", "/help", roomType="group")
    deliver(client, message_envelope("m8", room_type="group"))
    assert posted(webex) == []


def test_group_message_with_mention_is_answered(client, webex):
    html = (
        f'<p><spark-mention data-object-type="person" data-object-id="{BOT_ID}">Quality Bot'
        "</spark-mention> HELP</p>"
    )
    register_message(
        webex, "m9", "Quality Bot HELP", roomType="group", html=html, mentionedPeople=[BOT_ID]
    )
    deliver(client, message_envelope("m9", room_type="group"))
    assert "/meetings" in posted(webex)[0]["markdown"]


def test_redelivery_is_answered_once(client, webex):
    register_message(webex, "m10", "/help")
    deliver(client, message_envelope("m10"))
    deliver(client, message_envelope("m10"))
    assert len(posted(webex)) == 1


def test_handler_crash_is_recorded_with_a_ref_and_told(client, webex, monkeypatch):
    from handlers import commands as registry

    def boom(ctx):
        raise RuntimeError("bug")

    import dataclasses

    monkeypatch.setitem(
        registry.commands, "help", dataclasses.replace(registry.commands["help"], func=boom)
    )
    register_message(webex, "m11", "/help")
    resp = deliver(client, message_envelope("m11"))
    assert resp.status_code == 200
    row = InboxEvent.get()
    assert row.status == "failed" and len(row.error_ref) == 8
    [told] = posted(webex)
    assert f"ref `{row.error_ref}`" in told["markdown"] and told["parentId"] == "m11"


def test_not_connected_gets_the_connect_hint(client, webex):
    register_message(webex, "m12", "/meetings")
    deliver(client, message_envelope("m12"))
    assert "/connect" in posted(webex)[0]["markdown"]


def test_bot_added_to_a_space_greets(client, webex):
    envelope = {
        "resource": "memberships",
        "event": "created",
        "data": {"id": "mem-1", "roomId": "room-7", "personId": BOT_ID, "roomType": "group"},
    }
    deliver(client, envelope)
    [greeting] = posted(webex)
    assert greeting["roomId"] == "room-7" and "/help" in greeting["markdown"]


def test_card_action_runs_the_command_as_the_presser(client, webex):
    register_action(webex, "act-1", "card-1")
    webex.get(
        f"{API}/messages/card-1",
        json={"id": "card-1", "roomId": "room-1", "roomType": "direct", "personId": BOT_ID},
    )
    deliver(client, action_envelope("act-1", "card-1"))
    [reply] = posted(webex)
    # A press is answered at the bottom of the space (§5), not threaded under an old card.
    assert "parentId" not in reply and "/meetings" in reply["markdown"]


def test_card_press_in_a_group_mentions_the_presser_at_the_bottom(client, webex):
    register_action(webex, "act-9", "card-9", "room-g")
    webex.get(
        f"{API}/messages/card-9",
        json={"id": "card-9", "roomId": "room-g", "roomType": "group", "personId": BOT_ID,
              "parentId": "old-thread"},
    )
    webex.replace(responses.GET, f"{API}/people/person-1",
                  json={"id": "person-1", "type": "person", "displayName": "Maya Patel"})
    deliver(client, action_envelope("act-9", "card-9", "room-g"))
    [reply] = posted(webex)
    assert "parentId" not in reply
    assert reply["markdown"].startswith("<@personId:person-1|Maya Patel> ")


def test_card_action_on_someone_elses_message_is_ignored(client, webex):
    register_action(webex, "act-2", "card-2")
    webex.get(
        f"{API}/messages/card-2", json={"id": "card-2", "roomId": "room-1", "personId": "mallory"}
    )
    deliver(client, action_envelope("act-2", "card-2"))
    assert posted(webex) == []


def test_crash_between_accept_and_processing_is_recovered(config, no_sleep_http, webex):
    """The web process stored the receipt, then died before any worker took it in."""
    from bot.app import build_runtime, create_app
    from bot.worker import build_worker

    first = build_runtime(config, http=no_sleep_http)  # the web process alone
    first.queue.submit = lambda: None  # the hand-on is lost with the process
    register_message(webex, "m13", "/help")
    deliver(create_app(runtime=first).test_client(), message_envelope("m13"))
    assert posted(webex) == [] and inbox.counts() == {"received": 1}

    restarted = build_worker(build_runtime(config, http=no_sleep_http))
    assert restarted.recover() == 1
    assert len(posted(webex)) == 1 and InboxEvent.get().status == "done"
    assert restarted.recover() == 0


def test_person_lookup_failure_still_answers(client, webex_api):
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", status=404, json={"message": "not found"})
    register_message(webex_api, "m14", "/help")
    deliver(client, message_envelope("m14"))
    assert "/meetings" in posted(webex_api)[0]["markdown"]


def test_healthz_is_503_when_the_queue_does_not_answer(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.queue, "ping", lambda: False)
    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.get_json()["queue"] == "unavailable"


def test_account_command_without_account_gets_the_hint_before_argument_errors(client, webex):
    register_message(webex, "m15", "/quality")
    deliver(client, message_envelope("m15"))
    [reply] = posted(webex)
    assert "/connect" in reply["markdown"] and "needs REF" not in reply["markdown"]


def test_webex_outage_postpones_the_event_and_recovery_answers_it(client, worker, webex):
    from storage import inbox

    webex.get(f"{API}/messages/m16", status=503, json={"message": "down"})
    deliver(client, message_envelope("m16"))
    row = InboxEvent.get()
    # An outage is not the event's fault: its claim is given back, and it waits a little.
    assert (row.status, row.attempts, row.postponed) == ("pending", 0, 1) and row.not_before
    assert posted(webex) == [] and inbox.unfinished(now=worker.runtime.now()) == []

    webex.replace(
        responses.GET,
        f"{API}/messages/m16",
        json={
            "id": "m16",
            "roomId": "room-1",
            "roomType": "direct",
            "personId": "person-1",
            "personEmail": "alice@example.com",
            "text": "/help",
        },
    )
    assert worker.dispatcher.recovery.tick()["retried"] == 0  # not yet due
    InboxEvent.update(not_before=row.not_before - timedelta(minutes=1)).execute()
    assert worker.dispatcher.recovery.tick()["retried"] == 1
    assert InboxEvent.get().status == "done" and len(posted(webex)) == 1


def test_an_outage_longer_than_the_limit_ends_given_up_and_told(client, worker, webex):
    webex.get(f"{API}/messages/m17", status=503, json={"message": "down"})
    deliver(client, message_envelope("m17"))
    def due(received_earlier: timedelta = timedelta(0)) -> None:
        row = InboxEvent.get()
        InboxEvent.update(
            received_at=row.received_at - received_earlier,
            not_before=row.not_before - timedelta(minutes=2),
        ).execute()
        worker.dispatcher.recovery.tick()

    for _ in range(3):  # outages do not use up attempts
        due()
    assert InboxEvent.get().status == "pending"
    due(received_earlier=timedelta(minutes=16))
    row = InboxEvent.get()
    assert row.status == "given_up" and row.error_ref and row.attempts == 1
    [told] = posted(webex)
    assert "Webex was unavailable" in told["markdown"] and row.error_ref in told["markdown"]


def test_sweep_forgets_old_finished_events_and_charts_hourly(client, worker, webex):
    from datetime import UTC, datetime, timedelta

    from storage import qualities
    from storage.db import utcnow
    from storage.models import RenderedQuality

    register_message(webex, "m18", "/help")
    deliver(client, message_envelope("m18"))
    InboxEvent.update(received_at=utcnow() - timedelta(days=31)).execute()
    old = datetime.now(UTC) - timedelta(days=9)
    qualities.store_rendered("m", "UTC", old, b"png", {}, "")
    qualities.store_rendered("m", "Europe/Paris", datetime.now(UTC), b"png", {}, "")
    worker.dispatcher.sweep()
    assert InboxEvent.select().count() == 0
    assert [r.timezone for r in RenderedQuality.select()] == ["Europe/Paris"]
