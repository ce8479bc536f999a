"""Daily summary over loopback: subscribe in the group space, move the bot's clock to the
time, and exactly one summary (chart + card) arrives through the real queue and worker."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.summaries import delivery
from storage import summary_runs
from tests.e2e.harness import wait_for

pytestmark = pytest.mark.e2e


def latest_meeting_day(person) -> datetime:
    """The UTC day of the person's most recent ended meeting in the seeded week."""
    resp = person.call("GET", "/meetings", params={"meetingType": "meeting", "state": "ended"})
    resp.raise_for_status()
    starts = [m["start"] for m in resp.json()["items"]]
    return datetime.fromisoformat(max(starts).replace("Z", "+00:00")).date()


def test_subscribe_then_one_summary_with_chart_and_card(harness):
    admin = harness.admin
    harness.connect(admin)
    group = harness.room("group", admin)["id"]
    day = latest_meeting_day(admin)
    send_day = day + timedelta(days=1)
    clock = {"now": datetime.combine(send_day, time(8, 0), UTC)}
    harness.runtime.clock = lambda: clock["now"]

    [confirm] = harness.ask(admin, group, "/subscribe 09:00 UTC")
    assert "**09:00 UTC**" in confirm["markdown"]
    assert f"{send_day:%A %d %B} 09:00" in confirm["markdown"]

    clock["now"] = datetime.combine(send_day, time(9, 0), UTC)
    assert delivery.run_due(harness.runtime) == 1  # queued; the worker sends it
    messages = wait_for(
        lambda: (lambda got: got if len(got) >= 2 else None)(
            harness.bot_messages(admin, group, after=confirm["id"])
        ),
        timeout=60,
        what="the daily summary's two messages",
    )
    chart, card = messages
    assert chart.get("files") and "Meeting quality of" in chart["markdown"]
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert f"{day:%A %d %B %Y}" in card["markdown"]
    wait_for(lambda: summary_runs.get(group, send_day).status == "sent", what="the run row")

    # Later ticks the same day find the row and queue nothing: no second summary.
    clock["now"] += timedelta(minutes=1)
    assert delivery.run_due(harness.runtime) == 0
    assert len(harness.bot_messages(admin, group, after=confirm["id"])) == 2


def test_status_summary_unsubscribe_disconnect_journey(harness):
    admin = harness.admin
    harness.connect(admin)
    group = harness.room("group", admin)["id"]

    [status] = harness.ask(admin, group, "/status")
    assert "connected" in status["markdown"].lower() and admin.email in status["markdown"]
    assert "No daily summary" in status["markdown"]

    day = latest_meeting_day(admin)
    replies = harness.ask(admin, group, f"/summary {day:%Y-%m-%d}", expect=2, timeout=60)
    assert any(m.get("files") for m in replies)
    assert any(m.get("attachments") and f"{day:%A %d %B %Y}" in m["markdown"] for m in replies)

    harness.ask(admin, group, "/subscribe 07:30 Europe/Paris")
    [status] = harness.ask(admin, group, "/status")
    assert "07:30 Europe/Paris" in status["markdown"]
    [gone] = harness.ask(admin, group, "/unsubscribe")
    assert "stop" in gone["markdown"].lower() or "no longer" in gone["markdown"].lower()
    [status] = harness.ask(admin, group, "/status")
    assert "No daily summary" in status["markdown"]

    [bye] = harness.ask(admin, group, "/disconnect")
    assert "deleted" in bye["markdown"]
    [hint] = harness.ask(admin, group, "/meetings")
    assert "/connect" in hint["markdown"]
