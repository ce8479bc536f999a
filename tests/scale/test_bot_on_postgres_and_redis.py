"""The whole bot, end to end on the sandbox, with PostgreSQL storage and a Redis or PostgreSQL
queue: what a deployment with several hosts runs."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from storage.db import database
from tests.conftest import sign
from tests.e2e.harness import Harness
from tests.e2e.test_quality_e2e import ended
from tests.polling import wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["redis", "postgresql"])
def scaled(request, sandbox, tmp_path, pg_url):
    queue_url = request.getfixturevalue("redis_url") if request.param == "redis" else pg_url
    h = Harness(sandbox, tmp_path, database_url=pg_url, queue_url=queue_url)
    yield h
    h.stop()
    database.close()


def test_help_and_redelivery_on_the_scaled_stack(scaled):
    h = scaled
    person = h.admin
    group = h.room("group", person)
    [reply] = h.ask(person, group["id"], "/help")
    assert "/meetings" in reply["markdown"]

    # Webex redelivers the same event: answered once.
    envelope = {
        "resource": "messages",
        "event": "created",
        "data": {
            "id": reply["parentId"],
            "roomId": group["id"],
            "roomType": "group",
            "personId": person.id,
            "personEmail": person.email,
        },
    }
    def settled() -> dict | None:
        health = requests.get(h.config.public_url + "/healthz", timeout=5).json()
        assert health["status"] == "ok"
        waiting = {"received", "pending", "processing"} & set(health["inbox"])
        return None if waiting else health["inbox"]

    events = wait_for(settled, what="every event finished")
    body = json.dumps(envelope).encode()
    resp = requests.post(
        h.config.webhook_url,
        data=body,
        timeout=5,
        headers={"X-Spark-Signature": sign(body, h.config.webex_webhook_secret)},
    )
    assert resp.status_code == 200 and resp.json()["status"] == "accepted"
    # The worker takes the redelivery in and drops it: no new event, no second reply.
    assert wait_for(settled, what="the redelivery taken in") == events
    assert len(h.bot_messages(person, group["id"])) == 1


def test_quality_on_the_scaled_stack(scaled):
    h = scaled
    assert h.connect(h.admin).status_code == 200
    room = h.room("direct", h.admin)["id"]
    meeting = next(
        m
        for m in ended(h.admin, 7)
        if datetime.fromisoformat(m["start"].replace("Z", "+00:00"))
        < datetime.now(UTC) - timedelta(minutes=10)
    )
    replies = h.ask(h.admin, room, f"/quality {meeting['id']}", expect=3, timeout=60)
    assert any(m.get("files") for m in replies) and any(m.get("attachments") for m in replies)
    again = h.ask(h.admin, room, f"/quality {meeting['id']}", expect=2, timeout=60)
    assert not any("Fetching" in (m.get("markdown") or "") for m in again)
