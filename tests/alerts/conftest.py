"""Alerts fixtures: a runtime on a settable clock, recorded posts, a fake org connection
(bot/alerts/org.py patched) and a meeting whose qualities Webex serves once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import responses

from bot.alerts import org
from bot.webex import TokenSource, UserClient
from tests.chat import posted
from tests.clock import Clock
from tests.conftest import ANALYTICS, API
from tests.quality.factory import iso, item, media

ORG = "org-acme"
END = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
START = END - timedelta(minutes=30)


@dataclass
class Posts:
    items: list[dict] = field(default_factory=list)
    fail_next: list[tuple[int, dict]] = field(default_factory=list)  # (status, headers)

    def to_room(self, room_id: str) -> list[dict]:
        return [p for p in self.items if p.get("roomId") == room_id]

    def to_person(self, email: str) -> list[dict]:
        return [p for p in self.items if p.get("toPersonEmail") == email]


class OrgTokens(TokenSource):
    def access_token(self) -> str:
        return "org-token"

    def refresh(self, rejected: str) -> str:
        return "org-token"


@dataclass
class FakeOrg:
    """The org connections, people and quality admins bot/alerts/org.py answers with."""

    connected: list[org.OrgInfo] = field(
        default_factory=lambda: [org.OrgInfo(ORG, "admin@example.com")]
    )
    people_orgs: dict[str, str] = field(default_factory=lambda: {"host-id": ORG})
    admins: set[str] = field(default_factory=lambda: {"admin@example.com"})


@pytest.fixture
def clock(runtime) -> Clock:
    c = Clock(END)
    runtime.clock = c
    return c


@pytest.fixture
def posts(webex_api) -> Posts:
    record = Posts()

    def on_post(request):
        if record.fail_next:
            status, headers = record.fail_next.pop(0)
            return status, headers, json.dumps({"message": "try later"})
        record.items.append(posted(request))
        return 200, {}, json.dumps({"id": f"msg-{len(record.items)}"})

    webex_api.add_callback(responses.POST, f"{API}/messages", callback=on_post)
    return record


@pytest.fixture
def fake_org(runtime, monkeypatch) -> FakeOrg:
    state = FakeOrg()
    user = UserClient(OrgTokens(), API, ANALYTICS, runtime.http)

    def client(rt, org_id):
        if org_id not in {c.org_id for c in state.connected}:
            raise org.NoOrgConnection(org_id)
        return user

    monkeypatch.setattr(org, "connections", lambda rt: list(state.connected))
    monkeypatch.setattr(org, "client", client)
    monkeypatch.setattr(org, "org_of", lambda rt, pid: state.people_orgs.get(pid))
    monkeypatch.setattr(
        org, "is_quality_admin", lambda rt, email, org_id: email.lower() in state.admins
    )
    return state


def meeting_data(meeting_id: str = "m1_I_1", **over) -> dict:
    return {
        "id": meeting_id,
        "meetingType": "meeting",
        "state": "ended",
        "title": "Weekly sync",
        "start": iso(START),
        "end": iso(END),
        "timezone": "Europe/Berlin",
        "hostEmail": "host.person@example.com",
        "hostDisplayName": "Host Person",
        "hostUserId": "host-id",
        **over,
    }


def poor_items(meeting_id: str = "m1_I_1", poor_minutes: int = 6) -> list[dict]:
    """Host fine; Wendy on Wi-Fi loses packets for `poor_minutes`; Gail and a guest fine."""
    bad = media(START, 30, loss=lambda i: 12.0 if 5 <= i < 5 + poor_minutes else 0.0)
    items = [
        item("Host Person", start=START, minutes=30, network="ethernet"),
        item("Wendy Wifi", start=START, minutes=30, network="wifi", audio_in=bad, video=False),
        item("Gail Good", start=START, minutes=30, network="ethernet"),
        item("Guest Other", email="guest@elsewhere.test", start=START, minutes=30),
    ]
    for it in items:
        it["meetingInstanceId"] = meeting_id
    return items


@dataclass
class Analytics:
    calls: dict[str, int] = field(default_factory=dict)
    items: dict[str, list[dict]] = field(default_factory=dict)
    status: int = 200


@pytest.fixture
def analytics(webex_api) -> Analytics:
    state = Analytics()

    def on_get(request):
        meeting_id = request.params.get("meetingId")
        state.calls[meeting_id] = state.calls.get(meeting_id, 0) + 1
        if state.status != 200:
            return state.status, {}, json.dumps({"message": "unavailable"})
        return 200, {}, json.dumps({"items": state.items.get(meeting_id, [])})

    webex_api.add_callback(
        responses.GET, f"{ANALYTICS}/meeting/qualities", callback=on_get
    )
    return state


@pytest.fixture
def scene(runtime, clock, posts, fake_org, analytics):
    return runtime
