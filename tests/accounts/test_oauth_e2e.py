"""The whole connect flow against the sandbox over loopback: chat → consent page → callback →
stored tokens → refresh, exactly as with Webex (real HTTP, real webhooks, real worker)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from bot.accounts import NeedsReconnect
from bot.logs import redact
from storage import tokens
from tests.e2e.harness import Harness, Person, wait_for


def issued_to(h: Harness, person: Person) -> list[str]:
    world = h.sandbox.world
    with world.lock:
        return [t.value for t in world.tokens.values()
                if t.person_id == person.id and t.client_id] + [
            r.value for r in world.refresh_tokens.values() if r.person_id == person.id]


def spent_refresh_tokens(h: Harness, person: Person) -> int:
    with h.sandbox.world.lock:
        return sum(r.used for r in h.sandbox.world.refresh_tokens.values()
                   if r.person_id == person.id)


def test_full_flow_from_a_group_space(harness, caplog):
    caplog.set_level(logging.INFO)
    person = harness.non_admin()
    page = harness.connect(person)  # asks in a group: the link arrives 1:1
    assert page.status_code == 200 and "Connected" in page.text and person.email in page.text
    direct = harness.direct_room_of(person)
    wait_for(lambda: any("Connected as" in (m.get("markdown") or m.get("text") or "")
                         for m in harness.bot_messages(person, direct)), what="connected message")
    assert harness.runtime.accounts.client_for(person.id).me()["id"] == person.id
    status = harness.ask(person, direct, "/status")[0]
    assert person.email in (status.get("markdown") or status.get("text"))
    secrets_issued = issued_to(harness, person)
    assert len(secrets_issued) == 2
    path = Path(harness.config.database_url.removeprefix("sqlite:///"))
    blob = b"".join(p.read_bytes() for p in path.parent.iterdir()
                    if p.name.startswith(path.name))
    logged = redact(caplog.text)
    for secret in [*secrets_issued, harness.config.webex_client_secret]:
        assert secret.encode() not in blob
        assert secret not in caplog.text and secret not in logged
    assert "code=" not in logged.replace("code=[redacted]", "")


def test_reused_state_and_someone_elses_login_are_refused(harness):
    person, other = harness.admin, harness.non_admin()
    callback = Harness.consent(harness.authorize_link(person), signed_in_as=other)
    refused = requests.get(callback, timeout=30)
    assert refused.status_code == 403 and "someone else" in refused.text
    assert tokens.get(person.id) is None and tokens.get(other.id) is None
    again = requests.get(callback, timeout=30)
    assert again.status_code == 400 and "already used" in again.text
    forged = callback.replace("state=", "state=x")
    assert requests.get(forged, timeout=30).status_code == 400


def test_refresh_before_expiry_on_401_and_invalid_grant(harness):
    person = harness.admin
    assert harness.connect(person).ok
    accounts, world = harness.runtime.accounts, harness.sandbox.world
    first = accounts.tokens_for(person.id).access_token()

    # The bot's clock nears expiry: refreshed before use, rotated refresh token stored.
    real = datetime.now(UTC)
    harness.runtime.clock = lambda: real + timedelta(days=14) - timedelta(minutes=4)
    second = accounts.tokens_for(person.id).access_token()
    assert second != first and spent_refresh_tokens(harness, person) == 1
    harness.runtime.clock = lambda: datetime.now(UTC)

    # Webex expires it early (its clock runs ahead): the 401 triggers one refresh and a retry.
    world.advance(15 * 86400)
    assert accounts.client_for(person.id).me()["id"] == person.id
    assert spent_refresh_tokens(harness, person) == 2

    # Months later the refresh token is dead: broken, and the person is told to reconnect.
    world.advance(91 * 86400)
    with pytest.raises(NeedsReconnect):
        accounts.client_for(person.id).me()
    assert tokens.get(person.id).broken
    reply = harness.ask(person, harness.room("direct", person)["id"], "/status")[0]
    assert "/connect" in (reply.get("markdown") or reply.get("text"))


def test_racing_threads_spend_the_refresh_token_once(harness):
    person = harness.admin
    assert harness.connect(person).ok
    real = datetime.now(UTC)
    harness.runtime.clock = lambda: real + timedelta(days=14)
    start = threading.Barrier(5)

    def use(_):
        start.wait()
        return harness.runtime.accounts.client_for(person.id).me()["id"]

    with ThreadPoolExecutor(5) as pool:
        assert set(pool.map(use, range(5))) == {person.id}
    # The sandbox rotates refresh tokens: a second spend would have broken the connection.
    assert spent_refresh_tokens(harness, person) == 1 and not tokens.get(person.id).broken
