"""/connect → Webex sign-in → /oauth/callback, and /status, /disconnect, through the dispatcher."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from storage import tokens
from storage.models import Connection, OAuthState
from tests.accounts.conftest import (
    ALICE,
    BOB,
    connect_directly,
    link_in,
    register_message,
    sent,
    state_of,
)
from tests.conftest import deliver, message_envelope


def ask(client, webex, text, message_id="m1", person_id=ALICE, room_type="direct"):
    register_message(webex, message_id, text, person_id=person_id, room_type=room_type)
    before = len(sent(webex))
    envelope = message_envelope(message_id, person_id=person_id, room_type=room_type)
    assert deliver(client, envelope).status_code == 200
    return sent(webex)[before:]


def connect_link(client, webex, person_id=ALICE, message_id="m1") -> str:
    [reply] = ask(client, webex, "/connect", message_id=message_id, person_id=person_id)
    return link_in(reply["markdown"])


def test_connect_link_carries_the_contract_parameters(client, webex, clock):
    [reply] = ask(client, webex, "/connect")
    link = link_in(reply["markdown"])
    assert link.startswith("https://webex.test/v1/authorize?")
    for part in ("response_type=code", "client_id=client-id",
                 "redirect_uri=https%3A%2F%2Fbot.test%2Foauth%2Fcallback",
                 "scope=spark%3Apeople_read+meeting%3Aschedules_read+analytics%3Aread_all"):
        assert part in link
    state = state_of(link)
    assert len(state) >= 43  # 32 random bytes, url-safe base64
    row = OAuthState.get()
    assert row.state_hash != state and state not in row.state_hash  # stored hashed
    assert row.person_id == ALICE and row.room_id == "room-1"
    assert row.expires_at == (clock.now + timedelta(minutes=10)).replace(tzinfo=None)
    assert "Pro Pack" in reply["markdown"] and "admin" in reply["markdown"]


def test_connect_in_a_group_sends_the_link_privately(client, webex, clock):
    replies = ask(client, webex, "/connect", room_type="group")
    private, public = replies
    assert private["toPersonId"] == ALICE and "roomId" not in private
    assert "authorize?" in private["markdown"]
    assert public["roomId"] == "room-1" and "private message" in public["markdown"]
    assert "authorize" not in public["markdown"]


def test_connect_without_oauth_configured_tells_the_admin_what_to_set(client, webex, runtime):
    runtime.accounts.config = replace(runtime.config, webex_client_id="", webex_client_secret="")
    [reply] = ask(client, webex, "/connect")
    assert "WEBEX_CLIENT_ID" in reply["markdown"] and "WEBEX_CLIENT_SECRET" in reply["markdown"]
    assert OAuthState.select().count() == 0


def test_full_flow_stores_encrypted_tokens_and_tells_the_person(client, webex, token_url, clock):
    state = state_of(connect_link(client, webex))
    code = token_url.code_for(ALICE)
    page = client.get(f"/oauth/callback?code={code}&state={state}")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    html = page.get_data(as_text=True)
    assert "Connected" in html and "Alice Example" in html and "/meetings" in html
    assert "<script" not in html and "http" not in html.split("<body>")[1]  # self-contained
    assert page.headers["Referrer-Policy"] == "no-referrer"
    [exchange] = token_url.grants
    assert exchange == {"grant_type": "authorization_code", "code": code,
                        "redirect_uri": "https://bot.test/oauth/callback",
                        "client_id": "client-id", "client_secret": "client-secret"}
    row = tokens.get(ALICE)
    assert row.email == "alice@example.com" and not row.broken
    assert row.access_expires_at == (clock.now + timedelta(days=14)).replace(tzinfo=None)
    assert row.refresh_expires_at == (clock.now + timedelta(days=90)).replace(tzinfo=None)
    assert "analytics:read_all" in row.scopes
    access, refresh = token_url.issued[-2:]
    assert access.encode() not in bytes(row.access_token)
    assert refresh.encode() not in bytes(row.refresh_token)
    [told] = sent(webex)[-1:]
    assert told["toPersonId"] == ALICE
    assert "Connected as **Alice Example**" in told["markdown"] and "/meetings" in told["markdown"]


def test_connected_person_can_use_their_client(client, webex, token_url, clock, runtime):
    state = state_of(connect_link(client, webex))
    client.get(f"/oauth/callback?code={token_url.code_for(ALICE)}&state={state}")
    assert runtime.accounts.client_for(ALICE).me()["id"] == ALICE


def test_forged_state_is_refused(client, webex, token_url, clock):
    connect_link(client, webex)
    page = client.get(f"/oauth/callback?code={token_url.code_for(ALICE)}&state=forged-state")
    assert page.status_code == 400 and "not valid" in page.get_data(as_text=True)
    assert token_url.grants == [] and Connection.select().count() == 0


def test_expired_state_is_refused(client, webex, token_url, clock):
    state = state_of(connect_link(client, webex))
    clock.now += timedelta(minutes=10, seconds=1)
    page = client.get(f"/oauth/callback?code={token_url.code_for(ALICE)}&state={state}")
    assert page.status_code == 400 and "expired" in page.get_data(as_text=True)
    assert token_url.grants == [] and Connection.select().count() == 0


def test_reused_state_is_refused(client, webex, token_url, clock):
    state = state_of(connect_link(client, webex))
    first = client.get(f"/oauth/callback?code={token_url.code_for(ALICE)}&state={state}")
    assert first.status_code == 200
    version = tokens.get(ALICE).version
    again = client.get(f"/oauth/callback?code={token_url.code_for(ALICE)}&state={state}")
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    assert len(token_url.grants) == 1 and tokens.get(ALICE).version == version


def test_someone_elses_login_is_refused_and_nothing_kept(client, webex, token_url, clock):
    state = state_of(connect_link(client, webex))
    page = client.get(f"/oauth/callback?code={token_url.code_for(BOB)}&state={state}")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "someone else" in html and "bob@example.com" in html
    assert Connection.select().count() == 0
    [warning] = sent(webex)[-1:]
    assert warning["toPersonId"] == ALICE and "different Webex account" in warning["markdown"]


def test_declined_consent_shows_a_clear_page_and_spends_the_state(client, webex, clock):
    state = state_of(connect_link(client, webex))
    page = client.get(
        f"/oauth/callback?error=access_denied&error_description=The+user+declined.&state={state}"
    )
    assert page.status_code == 400
    assert "The user declined." in page.get_data(as_text=True)
    assert OAuthState.get().used_at is not None


def test_callback_escapes_what_webex_sent(client, clock):
    page = client.get("/oauth/callback?error=<script>alert(1)</script>")
    assert "<script>" not in page.get_data(as_text=True)


def test_missing_code_or_state_is_a_clear_page(client, clock):
    page = client.get("/oauth/callback?state=abc")
    assert page.status_code == 400 and "incomplete" in page.get_data(as_text=True)


def test_refused_code_exchange_stores_nothing(client, webex, token_url, clock):
    state = state_of(connect_link(client, webex))
    page = client.get(f"/oauth/callback?code=not-a-code&state={state}")
    assert page.status_code == 502 and Connection.select().count() == 0


def test_status_when_not_connected(client, webex, clock):
    [reply] = ask(client, webex, "/status")
    assert "Not connected" in reply["markdown"] and "/connect" in reply["markdown"]
    assert reply["markdown"].startswith("**Neither `/meetings` nor `/quality` works for you yet")


def test_status_when_connected_speaks_in_words(client, webex, token_url, clock, runtime):
    connect_directly(runtime, token_url, expires_in=timedelta(days=13, hours=2))
    [reply] = ask(client, webex, "/status")
    text = reply["markdown"]
    assert "Alice Example" in text and "alice@example.com" in text
    assert "in 13 days" in text and "in 90 days" in text and "analytics:read_all" in text
    assert text.startswith("**`/meetings` and `/quality` work for you** with your own account")


def test_status_shows_this_spaces_subscription(client, webex, token_url, clock, runtime):
    from storage import subscriptions

    subscriptions.subscribe("room-1", ALICE, "08:30", "Europe/Paris", now=runtime.now())
    subscriptions.pause_for_person(ALICE, "token")
    [reply] = ask(client, webex, "/status")
    assert "08:30 Europe/Paris" in reply["markdown"]
    assert "your Webex account" in reply["markdown"]
    assert "paused" in reply["markdown"]


def test_disconnect_deletes_tokens_and_pending_states(client, webex, token_url, clock, runtime):
    connect_directly(runtime, token_url)
    connect_link(client, webex)
    assert OAuthState.select().count() == 1
    [reply] = ask(client, webex, "/disconnect", message_id="m2")
    assert "deleted" in reply["markdown"]
    assert Connection.select().count() == 0 and OAuthState.select().count() == 0
    [again] = ask(client, webex, "/disconnect", message_id="m3")
    assert "not connected" in again["markdown"]


def test_command_needing_an_account_answers_with_the_connect_hint(runtime):
    from bot.accounts import NotConnected

    with pytest.raises(NotConnected):
        runtime.accounts.client_for(ALICE)
