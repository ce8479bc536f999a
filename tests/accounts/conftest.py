"""Accounts fixtures: a token URL that behaves like Webex's (codes once, refresh tokens rotate),
people answering /people/me by bearer token, and a clock the tests move."""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest
import responses

from storage import tokens
from tests.conftest import API, BOT_ID


def webex_id(kind: str, raw: str) -> str:
    return base64.urlsafe_b64encode(f"ciscospark://us/{kind}/{raw}".encode()).decode().rstrip("=")


ALICE = webex_id("PEOPLE", "alice")
BOB = webex_id("PEOPLE", "bob")
PEOPLE = {
    ALICE: {"id": ALICE, "displayName": "Alice Example", "emails": ["alice@example.com"]},
    BOB: {"id": BOB, "displayName": "Bob Example", "emails": ["bob@example.com"]},
}
START = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


class TokenURL:
    """POST /access_token as Webex answers it; every token is long and random, like real ones."""

    def __init__(self, people_tokens: dict[str, str], delay: float = 0.0) -> None:
        self.people_tokens = people_tokens  # access token -> person id, for /people/me
        self.codes: dict[str, str] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.grants: list[dict[str, str]] = []
        self.issued: list[str] = []  # every token handed out, for the no-secret checks
        self.delay = delay
        self.expires_in = 14 * 86400
        self.refuse: tuple[int, dict] | None = None
        self.lock = threading.Lock()

    def code_for(self, person_id: str) -> str:
        code = "code-" + secrets.token_urlsafe(24)
        self.codes[code] = person_id
        self.issued.append(code)
        return code

    def __call__(self, request):
        form = dict(parse_qsl(request.body))
        with self.lock:
            self.grants.append(form)
        time.sleep(self.delay)  # widens the window in which racing workers could double-spend
        with self.lock:
            if self.refuse:
                status, body = self.refuse
                return status, {}, json.dumps(body)
            if form.get("client_secret") != "client-secret":
                return 401, {}, json.dumps({"error": "invalid_client"})
            if form["grant_type"] == "authorization_code":
                person = self.codes.pop(form.get("code", ""), None)
                if form.get("redirect_uri") != "https://bot.test/oauth/callback":
                    person = None
            else:
                person = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if person is None:
                return 400, {}, json.dumps({"error": "invalid_grant",
                                            "error_description": "bad code or refresh token"})
            return 200, {}, json.dumps(self.issue(person))

    def issue(self, person_id: str) -> dict:
        access, refresh = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
        self.people_tokens[access] = person_id
        self.refresh_tokens[refresh] = person_id
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "expires_in": self.expires_in,
            "refresh_token": refresh,
            "refresh_token_expires_in": 90 * 86400,
            "token_type": "Bearer",
            "scope": "spark:people_read meeting:schedules_read analytics:read_all",
        }

    @property
    def refreshes(self) -> list[dict[str, str]]:
        return [g for g in self.grants if g["grant_type"] == "refresh_token"]


@pytest.fixture
def clock(runtime):
    """Move time with `clock.now = ...`; accounts and handlers read it through the runtime."""

    class Clock:
        now = START

    runtime.clock = lambda: Clock.now
    return Clock


@pytest.fixture
def people_tokens() -> dict[str, str]:
    return {"bot-token-for-tests": BOT_ID}


@pytest.fixture
def token_url(people_tokens) -> TokenURL:
    return TokenURL(people_tokens)


@pytest.fixture
def webex(webex_api, token_url, people_tokens):
    """The bot's mocked Webex: messages, people by token, the token URL, a user API call."""
    webex_api.remove(responses.GET, f"{API}/people/me")

    def me(request):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        person = people_tokens.get(token)
        if person == BOT_ID:
            return 200, {}, json.dumps({"id": BOT_ID, "displayName": "Quality Bot",
                                        "emails": ["quality@webex.bot"], "type": "bot"})
        if person is None:
            return 401, {}, json.dumps({"message": "The request requires a valid access token"})
        return 200, {}, json.dumps({**PEOPLE[person], "type": "person"})

    webex_api.add_callback(responses.GET, f"{API}/people/me", callback=me)
    webex_api.add_callback(responses.POST, f"{API}/access_token", callback=token_url)
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    for person in PEOPLE:
        webex_api.get(f"{API}/people/{person}", json={**PEOPLE[person], "type": "person"})
    return webex_api


def sent(rsps) -> list[dict]:
    return [json.loads(c.request.body) for c in rsps.calls
            if c.request.method == "POST" and c.request.url == f"{API}/messages"]


def register_message(rsps, message_id: str, text: str, person_id: str = ALICE,
                     room_id: str = "room-1", room_type: str = "direct") -> None:
    html = f'<p><spark-mention data-object-type="person" data-object-id="{BOT_ID}">Quality Bot' \
           f"</spark-mention> {text}</p>"
    body = {"id": message_id, "roomId": room_id, "roomType": room_type, "personId": person_id,
            "personEmail": PEOPLE[person_id]["emails"][0], "text": f"Quality Bot {text}",
            "html": html, "mentionedPeople": [BOT_ID]}
    if room_type == "direct":
        body.update(text=text, html=f"<p>{text}</p>", mentionedPeople=[])
    rsps.get(f"{API}/messages/{message_id}", json=body)


def link_in(markdown: str) -> str:
    return re.search(r"\((https://webex\.test/v1/authorize\?[^)]+)\)", markdown).group(1)


def state_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["state"][0]


def connect_directly(runtime, token_url: TokenURL, person_id: str = ALICE,
                     expires_in: timedelta = timedelta(days=14)) -> dict:
    """A stored connection without the browser part: what the callback would have saved."""
    accounts = runtime.accounts
    grant = token_url.issue(person_id)
    tokens.save_for(
        person_id,
        email=PEOPLE[person_id]["emails"][0],
        display_name=PEOPLE[person_id]["displayName"],
        access_token=accounts.encrypt(grant["access_token"]),
        refresh_token=accounts.encrypt(grant["refresh_token"]),
        access_expires_at=runtime.now() + expires_in,
        refresh_expires_at=runtime.now() + timedelta(days=90),
        scopes=grant["scope"],
        now=runtime.now(),
    )
    return grant
