"""Issue 10 item 7: nothing a person (or a forged envelope) supplies becomes another Webex path.

Every route that takes an id is driven with the classic escapes; each must be refused before
any HTTP request, and a command with such a REF gets a helpful reply instead of a call."""

from __future__ import annotations

import pytest
import responses

from bot.webex import BotClient, Http, InvalidId, RetryPolicy, UserClient
from tests.conftest import (
    ANALYTICS,
    API,
    deliver,
    message_envelope,
    posted_markdown,
    register_message,
)
from tests.robust.conftest import FixedToken

HOSTILE = [
    "../rooms",
    "../../analytics/v1/meeting/qualities?meetingId=abc",
    "abc%2F..%2Frooms",
    "abc?max=1",
    "abc#frag",
    "abc def",
    "abc\tdef",
    "abc\n",
    "abc/def",
    "Y2lz\u00e9",  # unicode letter
    "\u202eabc",  # right-to-left override
    "",
    "x" * 600,
]


@pytest.fixture
def nothing_mocked():
    # No route registered: any request at all would fail the test loudly.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def bot_calls(bot: BotClient):
    return {
        "GET /people/{id}": lambda v: bot.person(v),
        "GET /messages/{id}": lambda v: bot.message(v),
        "GET /attachment/actions/{id}": lambda v: bot.action(v),
        "GET /memberships?roomId": lambda v: bot.is_member(v, "person-1"),
        "GET /memberships?personId": lambda v: bot.is_member("room-1", v),
        "PUT /webhooks/{id}": lambda v: bot.update_webhook(v, name="x"),
        "DELETE /webhooks/{id}": lambda v: bot.delete_webhook(v),
    }


def user_calls(user: UserClient):
    return {
        "GET /meetings/{id}": lambda v: user.meeting(v),
        "GET analytics /meeting/qualities?meetingId": lambda v: user.qualities(v),
        "PUT /webhooks/{id} (org token)": lambda v: user.update_webhook(v, name="x"),
        "DELETE /webhooks/{id} (org token)": lambda v: user.delete_webhook(v),
    }


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_every_bot_route_refuses_a_non_id_before_any_request(value, nothing_mocked):
    bot = BotClient("bot-token", API, Http(RetryPolicy(sleep=lambda s: None)))
    for route, call in bot_calls(bot).items():
        with pytest.raises(InvalidId):
            call(value)
        assert len(nothing_mocked.calls) == 0, route


@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_every_user_route_refuses_a_non_id_before_any_request(value, nothing_mocked):
    user = UserClient(FixedToken(), API, ANALYTICS, Http(RetryPolicy(sleep=lambda s: None)))
    for route, call in user_calls(user).items():
        with pytest.raises(InvalidId):
            call(value)
        assert len(nothing_mocked.calls) == 0, route


def test_real_ids_still_go_through_quoted(nothing_mocked):
    meeting_id = "0a1b2c3d4e5f60718293a4b5c6d7e8f9_I_204813567912345678"
    nothing_mocked.get(f"{API}/meetings/{meeting_id}", json={"id": meeting_id})
    user = UserClient(FixedToken(), API, ANALYTICS, Http(RetryPolicy(sleep=lambda s: None)))
    assert user.meeting(meeting_id) == {"id": meeting_id}


# Through the bot: `/quality REF` with a hostile REF, typed or pressed on a card --------------
@pytest.mark.parametrize(
    "ref",
    [
        "../rooms",
        "../../analytics/v1/meeting/qualities?meetingId=abc",
        "abc%2Frooms",
        "abc?x=1",
        "abc#x",
        "Y2lz\u00e9abc",
    ],
    ids=repr,
)
def test_quality_with_a_path_for_ref_is_answered_without_any_user_call(client, connected, ref):
    register_message(connected, "m-inj", f"/quality {ref}")
    assert deliver(client, message_envelope("m-inj")).status_code == 200
    [reply] = posted_markdown(connected)
    assert "is not a meeting" in reply and "/meetings" in reply
    user_urls = [
        c.request.url
        for c in connected.calls
        if c.request.headers.get("Authorization") == "Bearer user-token"
    ]
    assert user_urls == []
    assert not any(
        "/rooms" in c.request.url or "qualities" in c.request.url for c in connected.calls
    )
