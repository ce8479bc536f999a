"""History fixtures: a settable clock, every message the bot posts (files decoded), a chat that
types commands through the real dispatcher, and rows put straight into the history."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import responses

from bot.history.record import day_number
from storage import history
from tests.chat import posted, type_command
from tests.conftest import API

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ADMIN = "boss@example.com"
ORG = "org-1"


@dataclass
class Posts:
    items: list[dict] = field(default_factory=list)

    def since(self, n: int) -> list[dict]:
        return self.items[n:]


@pytest.fixture
def posts(webex_api) -> Posts:
    record = Posts()

    def on_post(request):
        record.items.append(posted(request))
        return 200, {}, json.dumps({"id": f"msg-{len(record.items)}"})

    webex_api.add_callback(responses.POST, f"{API}/messages", callback=on_post)
    return record


@pytest.fixture
def config(config):
    """The shared test config, with a quality admin (as QUALITY_ADMINS would name them)."""
    from dataclasses import replace

    return replace(config, quality_admins=f"{ADMIN.upper()}, other@example.com")


@pytest.fixture
def runtime(worker):
    worker.runtime.clock = lambda: NOW
    return worker.runtime


@pytest.fixture
def people(webex_api):
    """Everyone is in ORG; `p-bob` is bob@example.com (the bot token's person lookups)."""

    def person(request):
        pid = request.url.rsplit("/", 1)[1]
        body = {"id": pid, "type": "person", "orgId": ORG, "displayName": pid[2:].title(),
                "emails": [f"{pid[2:]}@example.com"]}
        return 200, {}, json.dumps(body)

    webex_api.add_callback(responses.GET, re.compile(rf"{re.escape(API)}/people/p-\w+"),
                           callback=person)


@pytest.fixture
def chat(worker, runtime, posts, people):
    def say(text: str, email: str = "ann@example.com", person: str = "p-ann") -> list[dict]:
        before = len(posts.items)
        type_command(worker, text, person_id=person, person_email=email, room_id="room-1",
                     room_type="direct", thread_id="t-1")
        return posts.since(before)

    return say


def row(
    meeting_id: str,
    email: str,
    *,
    start: datetime,
    minutes: float = 30,
    poor: float = 0,
    network: str = "wifi",
    verdict: str | None = None,
    cause: str = "",
    org_id: str = ORG,
    host: str = "host@example.com",
    title: str = "Weekly sync",
    name: str | None = None,
) -> dict:
    return {
        "meeting_id": meeting_id,
        "participant_key": email.lower(),
        "org_id": org_id,
        "start": start.astimezone(UTC).replace(tzinfo=None),
        "day": day_number(start),
        "title": title,
        "host_lc": host,
        "name": name if name is not None else email.split("@")[0].title(),
        "email": email,
        "email_lc": email.lower(),
        "network": network,
        "client": "Webex Desktop 44.5",
        "transport": "UDP",
        "minutes": minutes,
        "poor_minutes": poor,
        "poor_audio": poor,
        "poor_video": 0.0,
        "poor_sharing": 0.0,
        "verdict": verdict or ("poor" if poor else "good"),
        "cause": cause,
        "lead": 0,
        "recorded_at": start.astimezone(UTC).replace(tzinfo=None),
    }


def put(*rows: dict) -> None:
    by_meeting: dict[str, list[dict]] = {}
    for r in rows:
        by_meeting.setdefault(r["meeting_id"], []).append(r)
    for meeting_id, group in by_meeting.items():
        history.save_meeting(meeting_id, [{**r, "lead": int(k == 0)} for k, r in enumerate(group)])


def days_ago(n: float, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=n)).replace(hour=hour, minute=0)
