"""Part II §9 fixtures: the bot on the sandbox with its org connected, on SQLite or PostgreSQL,
and a meeting whose host, participant and stranger are known."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from storage.db import database
from tests.e2e.harness import Harness
from tests.scale.conftest import pg_url  # noqa: F401 (fixture)

GUEST = ("Gina Guest", "gina.guest@guest.example.net")


def add_meeting(world: Any, host_email: str, attendees: list[tuple[str, str, str]],
                title: str = "Org Review", minutes: int = 30, hours_ago: float = 2) -> str:
    """An ended meeting in the sandbox: attendees are (name, email, quality profile)."""
    from sandbox.world import Meeting, Participant, Series

    with world.lock:
        host = world.person_by_email(host_email)
        series = Series(uuid.uuid4().hex, title, "2" + str(uuid.uuid4().int)[:9], host.id,
                        world.now() - timedelta(days=1))
        world.series[series.id] = series
        start = (world.now() - timedelta(hours=hours_ago)).replace(microsecond=0)
        end = start + timedelta(minutes=minutes)
        people = [Participant(name, email, profile, start, end) for name, email, profile in
                  attendees]
        meeting_id = f"{series.id}_I_{uuid.uuid4().int % 10**18:018d}"
        world.meetings[meeting_id] = Meeting(meeting_id, series.id, start, end, people)
    return meeting_id


def roles(state: dict) -> dict[str, str]:
    """Emails by role, from the sandbox state: the org admin (connects), a host, a participant, a
    stranger (all org A), an outsider and the second org's admin."""
    people = list(state["people"])
    other = state["otherOrg"]
    direct = {e for r in state["rooms"] if r["type"] == "direct" for e in r["memberEmails"]}
    group = set(next(r for r in state["rooms"] if r["type"] == "group")["memberEmails"])
    org_a = [p for p in people if p["email"] not in other["memberEmails"]]
    host = next(p for p in org_a if not p["admin"] and p["email"] in direct)
    in_group = [p for p in org_a if p["email"] in group and not p["admin"] and p is not host]
    return {
        "admin": next(p for p in org_a if p["admin"])["email"],
        "host": host["email"],
        "participant": in_group[0]["email"],
        "stranger": in_group[1]["email"],
        "outsider": next(p for p in people if p["email"] in other["memberEmails"]
                         and not p["admin"] and p["email"] in direct)["email"],
        "outsider_admin": other["adminEmail"],
    }


class Cast:
    """The people of `roles`, as harness people, and a meeting of the host with the participant
    and a guest."""

    def __init__(self, h: Harness) -> None:
        for role, email in roles(h.sandbox.state).items():
            setattr(self, role, h.people[email])
        self.meeting_id = add_meeting(h.sandbox.world, self.host.email, [
            (self.host.name, self.host.email, "desktop"),
            (self.participant.name, self.participant.email, "wifi_bursts"),
            (*GUEST, "cellular"),
        ])


def make_harness(sandbox, tmp_path, database_url: str | None = None, **overrides) -> Harness:
    app = sandbox.state["serviceApp"]
    settings = dict(webex_service_app_client_id=app["clientId"],
                    webex_service_app_client_secret=app["clientSecret"], **overrides)
    if database_url:
        settings["database_url"] = database_url
    return Harness(sandbox, tmp_path, **settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def org_bot(request, sandbox, tmp_path):
    """The bot with its org connected by the admin's `/connect org`, on either database."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    h = make_harness(sandbox, tmp_path, url)
    cast = Cast(h)
    page = h.connect_org(cast.admin)
    assert page.status_code == 200 and "everyone in your organization" in page.text
    yield h, cast
    h.stop()
    database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def bot_only(request, sandbox, tmp_path):
    """The bot with nothing connected yet, on either database; `make(**config)` starts it."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    made: list[Harness] = []

    def make(**overrides) -> tuple[Harness, Cast]:
        h = make_harness(sandbox, tmp_path, url, **overrides)
        made.append(h)
        return h, Cast(h)

    yield make
    for h in made:
        h.stop()
    database.close()
