"""No token, code or client secret in the database file or in any log line."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.accounts import NeedsReconnect
from tests.accounts.conftest import ALICE, BOB, link_in, state_of
from tests.accounts.test_connect_flow import ask


def run_everything(client, webex, token_url, clock, runtime) -> list[str]:
    """Connect, use, refresh on expiry and on 401, a refused login, a revoked refresh."""
    secrets_seen: list[str] = ["client-secret"]
    [reply] = ask(client, webex, "/connect")
    state = state_of(link_in(reply["markdown"]))
    secrets_seen.append(state)
    client.get(f"/oauth/callback?code={token_url.code_for(ALICE)}&state={state}")
    user = runtime.accounts.client_for(ALICE)
    user.me()
    clock.now += timedelta(days=14)  # expiring: refreshed before use
    user.me()
    first = runtime.accounts.tokens_for(ALICE).access_token()
    del token_url.people_tokens[first]  # revoked early: refreshed on the 401
    user.me()
    [reply] = ask(client, webex, "/connect", message_id="m2")
    other = state_of(link_in(reply["markdown"]))
    client.get(f"/oauth/callback?code={token_url.code_for(BOB)}&state={other}")
    token_url.refresh_tokens.clear()
    clock.now += timedelta(days=14)
    with pytest.raises(NeedsReconnect):
        user.me()
    ask(client, webex, "/status", message_id="m3")
    return secrets_seen + token_url.issued


def test_no_token_bytes_in_the_database_file(client, webex, token_url, clock, runtime, config):
    secrets_seen = run_everything(client, webex, token_url, clock, runtime)
    assert len(token_url.issued) >= 8
    path = Path(config.database_url.removeprefix("sqlite:///"))
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]  # db, -wal, -shm
    blob = b"".join(p.read_bytes() for p in files)
    assert len(blob) > 0
    for secret in secrets_seen:
        assert secret.encode() not in blob


def test_no_secret_in_any_log_line(client, webex, token_url, clock, runtime, caplog):
    caplog.set_level(logging.DEBUG)
    secrets_seen = run_everything(client, webex, token_url, clock, runtime)
    text = caplog.text + "".join(repr(r.args) for r in caplog.records)
    assert "renewed a Webex access token" in text  # the logs did capture the work
    for secret in secrets_seen:
        assert secret not in text
