"""Issue 10 item 6: a message deleted before the bot reads it, or a card action Webex no longer
knows, are normal events: no reply at all, and never a failure reference."""

from __future__ import annotations

from storage.models import InboxEvent
from tests.conftest import API, action_envelope, deliver, message_envelope, register_action


def posts(rsps) -> list:
    return [c for c in rsps.calls if c.request.method == "POST"]


def gone(rsps, path: str) -> None:
    rsps.get(
        f"{API}{path}",
        status=404,
        json={"message": "The requested resource could not be found.", "trackingId": "t-404"},
    )


def test_a_deleted_message_is_ignored_in_silence(client, webex_api):
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    gone(webex_api, "/messages/m-deleted")
    assert deliver(client, message_envelope("m-deleted")).status_code == 200
    assert posts(webex_api) == []
    row = InboxEvent.get()
    assert row.status == "ignored" and row.error_ref is None


def test_an_unknown_card_action_is_ignored_in_silence(client, webex_api):
    gone(webex_api, "/attachment/actions/act-gone")
    deliver(client, action_envelope("act-gone"))
    assert posts(webex_api) == []
    assert InboxEvent.get().status == "ignored"


def test_a_press_on_a_deleted_card_is_ignored_in_silence(client, webex_api):
    register_action(webex_api, "act-3", "card-9")
    gone(webex_api, "/messages/card-9")
    deliver(client, action_envelope("act-3"))
    assert posts(webex_api) == []
    assert InboxEvent.get().status == "ignored"


def test_an_action_naming_a_non_id_message_is_ignored_without_fetching(client, webex_api):
    register_action(webex_api, "act-4", "../rooms")
    deliver(client, action_envelope("act-4"))
    assert posts(webex_api) == []
    assert not any("/rooms" in c.request.url for c in webex_api.calls)
