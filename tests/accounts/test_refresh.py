"""Refresh before expiry, on a 401, once across racing threads and processes; invalid_grant."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from bot.accounts import NeedsReconnect
from bot.webex import Unavailable
from storage import tokens
from tests.accounts.conftest import ALICE, connect_directly
from tests.accounts.token_server import serve_token_url
from tests.accounts.workers import race, refresh_in_process
from tests.conftest import API


def test_fresh_token_is_used_without_refresh(runtime, webex, token_url, clock):
    grant = connect_directly(runtime, token_url, expires_in=timedelta(minutes=6))
    assert runtime.accounts.tokens_for(ALICE).access_token() == grant["access_token"]
    assert token_url.refreshes == []


def test_refresh_before_use_when_expiring_within_five_minutes(runtime, webex, token_url, clock):
    grant = connect_directly(runtime, token_url, expires_in=timedelta(minutes=4, seconds=59))
    version = tokens.get(ALICE).version
    client = runtime.accounts.client_for(ALICE)
    assert client.me()["id"] == ALICE
    [refresh] = token_url.refreshes
    assert refresh["refresh_token"] == grant["refresh_token"]
    assert refresh["client_id"] == "client-id" and refresh["client_secret"] == "client-secret"
    row = tokens.get(ALICE)
    assert row.version == version + 1 and row.refreshing_until is None
    assert row.access_expires_at == (clock.now + timedelta(days=14)).replace(tzinfo=None)
    # The rotated refresh token was stored with the new access token: the old one is spent.
    new_refresh = runtime.accounts.decrypt(row.refresh_token)
    assert new_refresh != grant["refresh_token"] and new_refresh in token_url.refresh_tokens


def test_refresh_once_on_401_then_retry_once(runtime, webex, token_url, clock):
    grant = connect_directly(runtime, token_url)
    del webex_people(token_url)[grant["access_token"]]  # Webex revoked it early
    assert runtime.accounts.client_for(ALICE).me()["id"] == ALICE
    assert len(token_url.refreshes) == 1
    me_calls = [c for c in webex.calls if c.request.url == f"{API}/people/me"]
    assert [c.response.status_code for c in me_calls] == [401, 200]


def test_a_second_401_after_refreshing_asks_to_reconnect(runtime, webex, token_url, clock):
    connect_directly(runtime, token_url)
    webex_people(token_url).clear()  # every token refused, even fresh ones
    token_url.people_tokens = {}
    with pytest.raises(NeedsReconnect):
        runtime.accounts.client_for(ALICE).me()
    assert len(token_url.refreshes) == 1


def test_a_401_on_a_token_already_replaced_uses_the_new_one(runtime, webex, token_url, clock):
    grant = connect_directly(runtime, token_url)
    source = runtime.accounts.tokens_for(ALICE)
    assert source.refresh(grant["access_token"]) != grant["access_token"]
    # Another request still holding the old token hits a 401 too: no second refresh.
    newer = source.refresh(grant["access_token"])
    assert newer == runtime.accounts.decrypt(tokens.get(ALICE).access_token)
    assert len(token_url.refreshes) == 1


def test_invalid_grant_marks_broken_pauses_subscriptions_and_asks_to_reconnect(
    runtime, webex, token_url, clock, monkeypatch
):
    subscriptions = pytest.importorskip("storage.subscriptions")
    paused = []
    monkeypatch.setattr(subscriptions, "pause_for_person", lambda *a: paused.append(a))
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=1))
    token_url.refresh_tokens.clear()  # revoked at Webex
    with pytest.raises(NeedsReconnect):
        runtime.accounts.client_for(ALICE).me()
    assert tokens.get(ALICE).broken
    assert paused == [(ALICE, "token")]
    with pytest.raises(NeedsReconnect):  # and it is not tried again
        runtime.accounts.client_for(ALICE)
    assert len(token_url.refreshes) == 1


def test_reconnect_hint_reaches_the_person(runtime, webex, token_url, clock, client):
    from tests.accounts.test_connect_flow import ask

    connect_directly(runtime, token_url)
    tokens.mark_broken(ALICE, now=clock.now)
    [reply] = ask(client, webex, "/status")
    assert "needs renewing" in reply["markdown"]


def test_webex_down_during_refresh_releases_the_lease(runtime, webex, token_url, clock):
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=1))
    token_url.refuse = (503, {"message": "down"})
    with pytest.raises(Unavailable):
        runtime.accounts.tokens_for(ALICE).access_token()
    row = tokens.get(ALICE)
    assert not row.broken and row.refreshing_until is None
    token_url.refuse = None
    assert runtime.accounts.tokens_for(ALICE).access_token()


def test_concurrent_threads_spend_the_refresh_token_once(runtime, webex, token_url, clock):
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=1))
    token_url.delay = 0.3
    start = threading.Barrier(6)

    def use(_):
        start.wait()
        return runtime.accounts.tokens_for(ALICE).access_token()

    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(use, range(6)))
    assert len(token_url.refreshes) == 1
    assert len(set(got)) == 1 and got[0] == runtime.accounts.decrypt(tokens.get(ALICE).access_token)
    assert not tokens.get(ALICE).broken


def test_two_processes_on_one_sqlite_file_spend_the_refresh_token_once(runtime, config, clock):
    """Separate interpreters, same database file, a real HTTP token URL that rotates."""
    with serve_token_url(delay=0.5) as server:
        access, refresh = server.issue(ALICE)
        accounts = runtime.accounts
        tokens.save_for(
            ALICE, email="alice@example.com", display_name="Alice",
            access_token=accounts.encrypt(access), refresh_token=accounts.encrypt(refresh),
            access_expires_at=clock.now + timedelta(minutes=1), refresh_expires_at=None,
            scopes="spark:people_read", now=clock.now,
        )
        args = (config.database_url, server.api_url, config.token_key, ALICE,
                clock.now.isoformat())
        got = race(refresh_in_process, args)
        assert server.refresh_grants == 1, got
        assert got[0] == got[1] and not got[0].startswith("error")
        row = tokens.get(ALICE)
        assert not row.broken and accounts.decrypt(row.access_token) == got[0]


def webex_people(token_url):
    return token_url.people_tokens


def test_a_reconnect_during_a_refused_refresh_is_kept(runtime, webex, token_url, clock,
                                                      monkeypatch):
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=1))
    token_url.refresh_tokens.clear()
    fresh = {}
    real_request = runtime.accounts.token_request

    def refused_while_reconnecting(**form):
        fresh.update(connect_directly(runtime, token_url))  # the callback lands meanwhile
        return real_request(**form)

    monkeypatch.setattr(runtime.accounts, "token_request", refused_while_reconnecting)
    assert runtime.accounts.tokens_for(ALICE).access_token() == fresh["access_token"]
    assert not tokens.get(ALICE).broken
