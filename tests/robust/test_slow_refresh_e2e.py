"""Issue 10 item 4 against the sandbox (which rotates refresh tokens, each usable once): the
token endpoint acts and holds its answer 21 s. The bot used to give up at 20 s, retry with the
spent refresh token and lose the person's connection; now it waits for the answer."""

from __future__ import annotations

import pytest
import requests

from storage import tokens
from tests.e2e.harness import wait_for

pytestmark = pytest.mark.e2e


def test_a_slow_refresh_answer_keeps_the_connection(harness):
    person = harness.admin
    assert harness.connect(person).status_code == 200
    row = tokens.get(person.id)
    held = harness.runtime.accounts.decrypt(row.access_token)
    base = f"{harness.sandbox.url}/_sandbox"
    requests.post(f"{base}/tokens/expire", json={"token": held}, timeout=5).raise_for_status()
    requests.post(
        f"{base}/fail",
        timeout=5,
        json={
            "path_prefix": "/v1/access_token",
            "method": "POST",
            "status": 0,
            "delay": 21,
            "after": True,
            "count": 1,
        },
    ).raise_for_status()
    direct = harness.room("direct", person)["id"]
    sent = person.say(direct, "/meetings 30")
    [reply] = wait_for(
        lambda: harness.bot_messages(person, direct, after=sent["id"]),
        timeout=60,
        what="the answer after the slow refresh",
    )
    assert "/connect" not in (reply.get("markdown") or "")
    row = tokens.get(person.id)
    assert not row.broken and harness.runtime.accounts.decrypt(row.access_token) != held
