"""Issue 10 item 6: a message deleted before the bot reads it, or a card action Webex no longer
knows, are normal events: no reply at all, and never a failure reference."""

from __future__ import annotations

from storage.models import InboxEvent
from tests.conftest import API, deliver, message_envelope


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


def _action_envelope(action_id: str) -> dict:
    return {
        "resource": "attachmentActions",
        "event": "created",
        "data": {
            "id": action_id,
            "messageId": "card-9",
            "roomId": "room-1",
            "personId": "person-1",
        },
    }


def test_an_unknown_card_action_is_ignored_in_silence(client, webex_api):
    gone(webex_api, "/attachment/actions/act-gone")
    deliver(client, _action_envelope("act-gone"))
    assert posts(webex_api) == []
    assert InboxEvent.get().status == "ignored"


def test_a_press_on_a_deleted_card_is_ignored_in_silence(client, webex_api):
    webex_api.get(
        f"{API}/attachment/actions/act-3",
        json={
            "id": "act-3",
            "messageId": "card-9",
            "personId": "person-1",
            "roomId": "room-1",
            "inputs": {"command": "help"},
        },
    )
    gone(webex_api, "/messages/card-9")
    deliver(client, _action_envelope("act-3"))
    assert posts(webex_api) == []
    assert InboxEvent.get().status == "ignored"


def test_an_action_naming_a_non_id_message_is_ignored_without_fetching(client, webex_api):
    webex_api.get(
        f"{API}/attachment/actions/act-4",
        json={
            "id": "act-4",
            "messageId": "../rooms",
            "personId": "person-1",
            "roomId": "room-1",
            "inputs": {"command": "help"},
        },
    )
    deliver(client, _action_envelope("act-4"))
    assert posts(webex_api) == []
    assert not any("/rooms" in c.request.url for c in webex_api.calls)
