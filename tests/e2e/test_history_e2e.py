"""History end to end on the sandbox: /quality leaves history rows, then /trends and /export
answer from them, each person seeing what §9 lets them see."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import database
from tests.e2e.harness import Harness
from tests.e2e.test_quality_e2e import ended

pytestmark = pytest.mark.e2e

HEADER = (
    "date,meeting_id,title,host_email,participant,email,network,client,transport,minutes,"
    "poor_minutes_audio,poor_minutes_video,poor_minutes_share,verdict,cause"
)


@pytest.fixture
def h(sandbox, tmp_path):
    admin = next(p["email"] for p in sandbox.state["people"] if p["admin"])
    harness = Harness(sandbox, tmp_path, quality_admins=admin)
    yield harness
    harness.stop()
    database.close()


def download(person, message: dict) -> tuple[str, str, bytes]:
    resp = person.session.get(
        message["files"][0], headers={"Authorization": f"Bearer {person.token}"}, timeout=10
    )
    resp.raise_for_status()
    disposition = resp.headers.get("Content-Disposition", "")
    name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    return name, resp.headers.get("Content-Type", ""), resp.content


def test_quality_then_trends_and_export(h):
    admin = h.admin
    page = h.connect(admin)
    assert page.status_code == 200, page.text[:300]
    room = h.room("direct", admin)["id"]

    [nothing] = h.ask(admin, room, "/trends org")
    assert nothing["markdown"].startswith("No meeting history for the organization's meetings")

    ready = [
        m
        for m in ended(admin, 7)
        if datetime.fromisoformat(m["start"].replace("Z", "+00:00"))
        < datetime.now(UTC) - timedelta(minutes=10)
    ]
    meeting = ready[0]
    h.ask(admin, room, f"/quality {meeting['id']}", expect=2, timeout=60, until_card=True)

    chart, card = h.ask(admin, room, "/trends org 90", expect=2, timeout=60)
    name, kind, png = download(admin, chart)
    assert kind.startswith("image/png") and png[:8] == b"\x89PNG\r\n\x1a\n"
    content = card["attachments"][0]["content"]
    assert content["version"] == "1.3"
    assert "- Meetings: 1" in card["markdown"]
    assert "People with 2+ poor meetings" in card["markdown"]

    [export] = h.ask(admin, room, "/export 7", timeout=60)
    name, kind, body = download(admin, export)
    assert name == f"quality-export-{datetime.now(UTC):%Y-%m-%d}.csv"
    assert kind.startswith("text/csv")
    text = body.decode("utf-8")
    assert text.split("\n", 1)[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["meeting_id"] for r in rows} == {meeting["id"]}
    participants = {r["email"].lower() for r in rows if r["email"]}

    # Someone else from that meeting, in the shared group space: own rows only, no org view.
    other = next(
        p
        for p in h.people.values()
        if not p.admin
        and p.email.lower() in participants
        and any(r["type"] == "group" and p.email in r["memberEmails"] for r in h.rooms)
    )
    group = h.room("group", other)["id"]
    [refused] = h.ask(other, group, "/trends org")
    assert "Only quality admins" in refused["markdown"]
    [mine] = h.ask(other, group, "/export", timeout=60)
    _, _, body = download(other, mine)
    own = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    assert [r["email"].lower() for r in own] == [other.email.lower()]
    _, own_card = h.ask(other, group, "/trends", expect=2, timeout=60)
    assert "you, last 30 days" in own_card["markdown"] and "- Meetings: 1" in own_card["markdown"]
