"""Shared fixtures: a configured runtime on a temporary database with tasks run inline."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import responses
from cryptography.fernet import Fernet

from bot.config import Config
from bot.webex import Http, RetryPolicy

API = "https://webex.test/v1"
ANALYTICS = "https://analytics.webex.test/v1"
BOT_ID = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib3QtMDAwMQ"  # ciscospark://us/PEOPLE/bot-0001
SECRET = "webhook-secret-for-tests"


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


@pytest.fixture(autouse=True)
def cards_the_bot_sends_are_valid(monkeypatch):
    """Every Adaptive Card any test makes the bot send is checked against the 1.3 schema; the
    test fails at the end if one would not render (raising inside a worker would only turn
    into a "something went wrong" reply)."""
    from bot.webex.clients import BotClient
    from tests.card_schema import card_problems

    invalid: list[str] = []
    send = BotClient.send

    def checked_send(self, *args, card=None, **kwargs):
        if card is not None:
            invalid.extend(card_problems(card))
        return send(self, *args, card=card, **kwargs)

    monkeypatch.setattr(BotClient, "send", checked_send)
    yield
    assert invalid == [], "the bot sent Adaptive Cards that break the 1.3 schema"


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(
        webex_bot_token="bot-token-for-tests",
        webex_api_url=API,
        webex_analytics_url=ANALYTICS,
        webex_webhook_secret=SECRET,
        webex_client_id="client-id",
        webex_client_secret="client-secret",
        public_url="https://bot.test",
        database_url=f"sqlite:///{tmp_path}/bot.db",
        queue_url="immediate",
        token_key=Fernet.generate_key().decode(),
    )


@pytest.fixture
def no_sleep_http() -> Http:
    """Retries happen, but without waiting: the waits asked for are recorded instead."""
    waits: list[float] = []
    http = Http(RetryPolicy(sleep=waits.append))
    http.waits = waits  # type: ignore[attr-defined]
    return http


@pytest.fixture
def webex_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(
            f"{API}/people/me",
            json={
                "id": BOT_ID,
                "displayName": "Quality Bot",
                "emails": ["quality@webex.bot"],
                "type": "bot",
            },
        )
        yield rsps


@pytest.fixture
def worker(config, no_sleep_http, webex_api):
    """Both roles in one process, as QUEUE_URL=immediate runs them: the tasks run inline."""
    from bot.app import build_runtime
    from bot.worker import build_worker
    from storage.db import database

    yield build_worker(build_runtime(config, http=no_sleep_http))
    database.close()


@pytest.fixture
def runtime(worker):
    return worker.runtime


@pytest.fixture
def app(runtime):
    from bot.app import create_app

    return create_app(runtime=runtime)


@pytest.fixture
def client(app):
    return app.test_client()


def deliver(client, envelope: dict, secret: str = SECRET):
    body = json.dumps(envelope).encode()
    return client.post(
        "/webhooks/webex",
        data=body,
        headers={"X-Spark-Signature": sign(body, secret), "Content-Type": "application/json"},
    )


def message_envelope(
    message_id: str,
    person_id: str = "person-1",
    room_id: str = "room-1",
    room_type: str = "direct",
    email: str = "alice@example.com",
) -> dict:
    return {
        "id": "wh-1",
        "name": "quality-bot messages/created",
        "resource": "messages",
        "event": "created",
        "targetUrl": "https://bot.test/webhooks/webex",
        "actorId": person_id,
        "data": {
            "id": message_id,
            "roomId": room_id,
            "roomType": room_type,
            "personId": person_id,
            "personEmail": email,
        },
    }


@pytest.fixture
def sandbox():
    """A fresh Webex sandbox on a loopback port."""
    from sandbox.server import start_in_thread

    handle = start_in_thread(seed=1)
    yield handle
    handle.stop()


@pytest.fixture
def harness(sandbox, tmp_path):
    """The real bot app and a real worker wired to the sandbox (see tests/e2e/harness.py)."""
    from storage.db import database
    from tests.e2e.harness import Harness

    h = Harness(sandbox, tmp_path)
    yield h
    h.stop()
    database.close()


def chat_message(message_id: str, text: str = "/help", **extra) -> dict:
    """What GET /messages/{id} answers for Alice's message in her direct space."""
    return {
        "id": message_id,
        "roomId": "room-1",
        "roomType": "direct",
        "personId": "person-1",
        "personEmail": "alice@example.com",
        "text": text,
        **extra,
    }


def register_message(rsps, message_id: str, text: str = "/help", **extra) -> None:
    rsps.get(f"{API}/messages/{message_id}", json=chat_message(message_id, text, **extra))


def posted(rsps) -> list[dict]:
    """The bodies of the bot's POST /messages, in order."""
    return [
        json.loads(c.request.body)
        for c in rsps.calls
        if c.request.method == "POST" and c.request.url == f"{API}/messages"
    ]


def posted_markdown(rsps) -> list[str]:
    return [body["markdown"] for body in posted(rsps)]


def register_action(
    rsps, action_id: str, message_id: str, room_id: str = "room-1", **inputs: str
) -> None:
    """What GET /attachment/actions/{id} answers for Alice pressing a card of `message_id`."""
    rsps.get(
        f"{API}/attachment/actions/{action_id}",
        json={
            "id": action_id,
            "type": "submit",
            "messageId": message_id,
            "personId": "person-1",
            "roomId": room_id,
            "inputs": inputs or {"command": "help"},
        },
    )


def action_envelope(action_id: str, message_id: str = "card-9", room_id: str = "room-1") -> dict:
    """The webhook delivery of Alice's card press."""
    return {
        "resource": "attachmentActions",
        "event": "created",
        "data": {
            "id": action_id,
            "messageId": message_id,
            "roomId": room_id,
            "personId": "person-1",
            "type": "submit",
        },
    }
