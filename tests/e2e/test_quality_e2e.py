"""The reason the bot exists, end to end: connect, list meetings, press, see chart and card."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.polling import wait_for

pytestmark = pytest.mark.e2e


def analytics_calls(harness, meeting_id=None):
    items = requests.get(f"{harness.sandbox.url}/_sandbox/calls", timeout=5).json()["items"]
    return [
        c
        for c in items
        if "/meeting/qualities" in c["path"]
        and (meeting_id is None or meeting_id in str(c.get("query")))
    ]


def ended(person, days_back=10):
    now = datetime.now(UTC)
    params = {
        "meetingType": "meeting",
        "state": "ended",
        "max": 100,
        "from": (now - timedelta(days=days_back)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return person.call("GET", "/meetings", params=params).json()["items"]


def published(person, days_back=7):
    """The ended meetings whose quality data Webex already publishes (10 minutes after start)."""
    cutoff = datetime.now(UTC) - timedelta(minutes=10)
    return [
        m
        for m in ended(person, days_back)
        if datetime.fromisoformat(m["start"].replace("Z", "+00:00")) < cutoff
    ]


@pytest.fixture
def connected(harness):
    page = harness.connect(harness.admin)
    assert page.status_code == 200, page.text[:300]
    return harness


def test_meetings_then_button_then_chart_and_card_then_cached(connected):
    h = connected
    admin = h.admin
    room = h.room("direct", admin)["id"]

    [listing] = h.ask(admin, room, "/meetings")
    card = listing["attachments"][0]["content"]
    assert card["version"] == "1.3" and len(card.get("actions", [])) <= 5
    choice = next(e for e in walk(card["body"]) if e.get("type") == "Input.ChoiceSet")
    assert choice["id"] == "meetingId" and choice["choices"]
    assert "#1" in listing["markdown"]
    submit = card["actions"][0]
    assert submit["type"] == "Action.Submit" and submit["data"]["command"] == "quality"

    # Pick the newest meeting whose data Webex already publishes.
    meeting_id = published(admin)[0]["id"]
    pressed = admin.press(listing, {"command": "quality", "meetingId": meeting_id})
    assert pressed["id"]

    def replies():
        got = h.bot_messages(admin, room, after=listing["id"])
        files = [m for m in got if m.get("files")]
        cards = [m for m in got if m.get("attachments")]
        return (files, cards) if files and cards else None

    files, cards = wait_for(replies, timeout=60, what="the chart and the card")
    png = admin.session.get(
        files[0]["files"][0], headers={"Authorization": f"Bearer {admin.token}"}, timeout=10
    )
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    summary = cards[0]
    assert summary["attachments"][0]["content"]["version"] == "1.3"
    assert "participant" in summary["markdown"].lower()
    assert len(analytics_calls(h, meeting_id)) >= 1
    before = len(analytics_calls(h, meeting_id))

    # The same meeting again within 5 minutes: answered from the database, no analytics call.
    again = h.ask(admin, room, f"/quality {meeting_id}", expect=2, timeout=60)
    assert any(m.get("files") for m in again) and any(m.get("attachments") for m in again)
    assert not any("Fetching" in (m.get("markdown") or "") for m in again)
    assert len(analytics_calls(h, meeting_id)) == before


def test_list_number_refers_to_the_last_list(connected):
    h = connected
    admin = h.admin
    room = h.room("direct", admin)["id"]
    h.ask(admin, room, "/meetings 2")
    [reply] = h.ask(admin, room, "/quality #99")
    assert "#1" in reply["markdown"] and "/meetings" in reply["markdown"]


def test_error_cases_answer_clearly(connected):
    h = connected
    admin = h.admin
    room = h.room("direct", admin)["id"]
    meetings = ended(admin, 10)
    now = datetime.now(UTC)

    def started(m):
        return datetime.fromisoformat(m["start"].replace("Z", "+00:00"))

    # Webex lists an ended meeting only ~15 minutes after its end, so one too fresh for
    # qualities is known by its id (a webhook, a link), not from the listing.
    fresh = max(h.sandbox.world.meetings.values(), key=lambda m: m.start)
    assert fresh.start > now - timedelta(minutes=10)
    too_new = {"id": fresh.id}
    [reply] = h.ask(admin, room, f"/quality {too_new['id']}")
    assert "not available yet" in reply["markdown"]

    expired = next(m for m in meetings if started(m) < now - timedelta(days=7))
    [reply] = h.ask(admin, room, f"/quality {expired['id']}")
    assert "expired" in reply["markdown"]

    [reply] = h.ask(admin, room, "/quality 0123456789abcdef0123456789abcdef_I_1")
    assert "can't find meeting" in reply["markdown"]
    assert analytics_calls(h, too_new["id"]) == [] and analytics_calls(h, expired["id"]) == []


def test_non_admin_is_told_what_is_missing(harness):
    h = harness
    person = next(
        p
        for p in h.people.values()
        if not p.admin
        and any(r["type"] == "direct" and p.email in r["memberEmails"] for r in h.rooms)
    )
    assert h.connect(person).status_code == 200
    room = h.room("direct", person)["id"]
    meetings = published(person)
    assert meetings, "the seeded non-admin attended meetings"
    replies = h.ask(person, room, f"/quality {meetings[0]['id']}", expect=2, timeout=30)
    assert "org admin" in replies[-1]["markdown"] and "Pro Pack" in replies[-1]["markdown"]


def offline_env(h) -> dict[str, str]:
    """What the offline CLI commands (report, meetings) need: stored tokens and the cache."""
    c = h.config
    return {
        "DATABASE_URL": c.database_url,
        "TOKEN_KEY": c.token_key,
        "WEBEX_API_URL": c.webex_api_url,
        "WEBEX_ANALYTICS_URL": c.webex_analytics_url,
        "WEBEX_CLIENT_ID": c.webex_client_id,
        "WEBEX_CLIENT_SECRET": c.webex_client_secret,
    }


def walk(elements):
    for element in elements:
        yield element
        for key in ("items", "columns", "body"):
            if isinstance(element.get(key), list):
                yield from walk(element[key])


def test_report_command_offline_from_stored_token_and_cache(connected, tmp_path, capsys):
    from bot.cli import main

    h = connected
    meeting = published(h.admin)[0]
    out, table = tmp_path / "chart.png", tmp_path / "table.csv"
    env = offline_env(h)
    import os
    from unittest import mock

    with mock.patch.dict(os.environ, env):
        assert (
            main(
                [
                    "report",
                    meeting["id"],
                    "--token-from",
                    h.admin.email,
                    "--out",
                    str(out),
                    "--csv",
                    str(table),
                ]
            )
            == 0
        )
        calls = len(analytics_calls(h, meeting["id"]))
        assert (
            main(["report", meeting["id"], "--token-from", h.admin.email, "--out", str(out)]) == 0
        )
    assert len(analytics_calls(h, meeting["id"])) == calls == 1  # the second run used the cache
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = table.read_text().splitlines()
    assert len(lines) >= 3 and "," in lines[0]
    assert "participants" in capsys.readouterr().out


def test_meeting_number_resolves_to_the_latest_ended_instance(connected):
    h = connected
    admin = h.admin
    room = h.room("direct", admin)["id"]
    latest: dict[str, dict] = {}
    for m in ended(admin, 7):
        sid = m.get("meetingSeriesId") or m["id"].split("_I_")[0]
        if sid not in latest or m["start"] > latest[sid]["start"]:
            latest[sid] = m
    cutoff = datetime.now(UTC) - timedelta(minutes=10)
    series_id, newest = next(
        (sid, m)
        for sid, m in latest.items()
        if datetime.fromisoformat(m["start"].replace("Z", "+00:00")) < cutoff
    )
    series = admin.call("GET", f"/meetings/{series_id}").json()
    number = series["meetingNumber"]
    spaced = f"{number[:4]} {number[4:7]} {number[7:]}"
    replies = h.ask(admin, room, f"/quality {spaced}", expect=2, timeout=60)
    assert any(m.get("files") for m in replies)
    assert newest["title"] in " ".join(m.get("markdown") or "" for m in replies)
    # The card comes last: let it land, or it would be read as the answer to the next question.
    wait_for(
        lambda: any(
            m.get("attachments") for m in h.bot_messages(admin, room, after=replies[0]["id"])
        ),
        what="the summary card",
    )

    [reply] = h.ask(admin, room, "/quality 999 999 9999")
    assert "No meeting with number `9999999999`" in reply["markdown"]


def test_cli_lists_meeting_ids_and_reports_by_list_number(connected, tmp_path, capsys):
    import os
    from unittest import mock

    from bot.cli import main

    h = connected
    env = offline_env(h)
    cutoff = datetime.now(UTC) - timedelta(minutes=10)
    with mock.patch.dict(os.environ, env):
        assert main(["meetings", "--token-from", h.admin.email, "--days", "7"]) == 0
        listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("#")]
        assert listed, "the admin has seeded meetings"
        ready = next(
            line
            for line in listed
            if datetime.fromisoformat(line.split()[1] + "T" + line.split()[2] + ":00+00:00")
            < cutoff
        )
        number, meeting_id = ready.split()[0], ready.split()[4]
        out = tmp_path / "chart.png"
        assert main(["report", number, "--token-from", h.admin.email, "--out", str(out)]) == 0
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert analytics_calls(h, meeting_id)  # the number meant the listed meeting
        with pytest.raises(SystemExit, match="use `#1` … `#"):
            main(["report", "#99", "--token-from", h.admin.email, "--out", str(out)])
