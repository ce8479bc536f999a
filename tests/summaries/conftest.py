"""Daily-summary fixtures: a runtime on a settable clock, recorded Webex posts, fake accounts
and fake day content, so scheduling is tested without the quality pipeline."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
import responses

from bot import accounts
from bot.quality.daily import summarize_day
from bot.summaries import content
from tests.chat import markdown_of, posted, type_command
from tests.clock import Clock
from tests.conftest import API

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the settable clock's start, and the chat's


@dataclass
class Posts:
    """Every POST /messages the bot made, as dicts (multipart bodies noted as uploads)."""

    items: list[dict] = field(default_factory=list)

    def to(self, room_id: str) -> list[dict]:
        return [p for p in self.items if p.get("roomId") == room_id]

    def text(self, room_id: str) -> str:
        return "\n".join(p.get("markdown") or "" for p in self.to(room_id))


@pytest.fixture
def clock(runtime) -> Clock:
    c = Clock(NOW)
    runtime.clock = c
    return c


@pytest.fixture
def posts(webex_api) -> Posts:
    record = Posts()

    def on_post(request):
        item = posted(request)
        if "file" in item:
            item["upload"] = True
        record.items.append(item)
        n = len(record.items)
        return 200, {}, json.dumps({"id": f"msg-{n}", "roomId": record.items[-1].get("roomId")})

    webex_api.add_callback(responses.POST, f"{API}/messages", callback=on_post)
    return record


@dataclass
class Members:
    """Who is in which space, as GET /memberships answers it (everyone unless removed)."""

    absent: set[tuple[str, str]] = field(default_factory=set)
    calls: int = 0


@pytest.fixture
def members(webex_api) -> Members:
    state = Members()

    def on_get(request):
        state.calls += 1
        room, person = request.params.get("roomId"), request.params.get("personId")
        items = (
            []
            if (room, person) in state.absent
            else [{"id": f"mem-{room}-{person}", "roomId": room, "personId": person}]
        )
        return 200, {}, json.dumps({"items": items})

    webex_api.add_callback(responses.GET, f"{API}/memberships", callback=on_get)
    return state


@dataclass
class People:
    """Connected people: client_for returns a marker object; others raise like the real thing."""

    connected: set[str] = field(default_factory=lambda: {"alice"})
    broken: set[str] = field(default_factory=set)

    def client_for(self, person_id: str):
        if person_id in self.broken:
            raise accounts.NeedsReconnect(person_id)
        if person_id not in self.connected:
            raise accounts.NotConnected(person_id)
        return f"user-client:{person_id}"

    def is_connected(self, person_id: str) -> bool:
        return person_id in self.connected or person_id in self.broken


@pytest.fixture
def people(runtime, monkeypatch) -> People:
    state = People()
    monkeypatch.setattr(runtime.accounts, "client_for", state.client_for)
    monkeypatch.setattr(runtime.accounts, "is_connected", state.is_connected)
    return state


@dataclass
class Days:
    """Fake day content: which (person, day, tz) were composed; no meetings unless told."""

    composed: list[tuple[str, date, str]] = field(default_factory=list)

    def compose(self, runtime, person_id, user, day, tz):
        self.composed.append((person_id, day, tz))
        return content.DayContent(day, tz, summarize_day(day, tz, [], []), 0)

    @staticmethod
    def render(composed, note=""):
        text = f"summary of {composed.day.isoformat()} ({composed.tz})"
        return [content.Post("\n\n".join(p for p in (text, note) if p))]


@pytest.fixture
def days(monkeypatch) -> Days:
    state = Days()
    monkeypatch.setattr(content, "compose", state.compose)
    monkeypatch.setattr(content, "render", state.render)
    return state


@pytest.fixture
def scene(runtime, clock, posts, members, people):
    """A runtime on a settable clock with recorded posts, memberships and accounts."""
    return runtime


@pytest.fixture
def world(scene, days):
    """Everything a scheduler test needs, in one name; the day content is faked."""
    return scene


@pytest.fixture
def chat(worker, world, clock, posts):
    """Type a command in a group space as `person` at NOW; the markdown of the replies."""
    clock.set(NOW)

    def say(text: str, person: str = "alice", room: str = "room-1") -> str:
        before = len(posts.items)
        type_command(worker, text, person_id=person, person_email="", room_id=room,
                     room_type="group", thread_id="t-1")
        return markdown_of(posts.items[before:])

    return say
