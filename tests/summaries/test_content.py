"""The day's content: the subscriber's meetings of the local day, the 7-day trend from the
meeting history, and the messages (chart + card, or one short line)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import meetings
from bot.history import record_meeting
from bot.quality.analysis import analyze_meeting
from bot.summaries import content, delivery
from storage import subscriptions, tokens
from tests.quality import factory

BERLIN = "Europe/Berlin"


class FakeMeetings:
    """bot.meetings as the summaries see it: a list per window and a report per meeting."""

    def __init__(self) -> None:
        self.found: list[dict] = []
        self.reports: dict[str, object] = {}
        self.windows: list[tuple[datetime, datetime]] = []

    def add(self, meeting_id: str, title: str, loss: float = 0.0) -> None:
        meeting = {**factory.meeting(title=title), "id": meeting_id}
        items = [factory.item(f"P{k}", loss=loss if k == 0 else 0.0) for k in range(3)]
        self.found.append(meeting)
        self.reports[meeting_id] = analyze_meeting(items, meeting)

    def ended_meetings(self, user, start, end):
        self.windows.append((start, end))
        return list(self.found)

    def load_report(self, user, meeting, **_when):
        report = self.reports.get(meeting["id"])
        if report is None:
            raise meetings.QualityUnavailable(f"Webex refused **{meeting['title']}** (403).")
        return report, datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


@pytest.fixture
def fake(monkeypatch) -> FakeMeetings:
    f = FakeMeetings()
    monkeypatch.setattr(meetings, "ended_meetings", f.ended_meetings)
    monkeypatch.setattr(meetings, "load_report", f.load_report)
    return f


def test_the_day_is_cut_in_the_subscriptions_zone(runtime, fake):
    content.compose(runtime, "alice", "user", date(2026, 3, 29), BERLIN)
    content.compose(runtime, "alice", "user", date(2026, 3, 10), "Pacific/Auckland")
    (start, end), (nz_start, _) = fake.windows
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # midnight CET
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # midnight CEST: a 23-hour day
    assert nz_start == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)  # UTC+13


def test_a_day_with_meetings_is_a_chart_then_a_card(runtime, fake):
    fake.add("m1", "Weekly Sync", loss=12.0)
    fake.add("m2", "Design Review")
    composed = content.compose(runtime, "alice", "user", date(2026, 3, 9), BERLIN)
    assert composed.summary.meeting_count == 2 and composed.summary.poor_share > 0
    chart, card = content.render(composed, "_Sent late: …_")
    assert chart.upload.content.startswith(b"\x89PNG") and chart.card is None
    assert "Monday 09 March 2026" in chart.markdown and "Sent late" in chart.markdown
    assert card.card["type"] == "AdaptiveCard" and card.upload is None
    assert "Weekly Sync" in card.markdown  # the worst meeting, in the markdown fallback too


def test_a_day_without_meetings_is_one_short_line(runtime, fake):
    composed = content.compose(runtime, "alice", "user", date(2026, 3, 9), BERLIN)
    [post] = content.render(composed)
    assert post.upload is None and post.card is None
    assert "No meetings on Monday 09 March 2026" in post.markdown
    assert "\n" not in post.markdown


def test_meetings_without_quality_data_say_why(runtime, fake):
    fake.found.append({"id": "m9", "title": "Board", "start": "2026-03-09T10:00:00Z"})
    composed = content.compose(runtime, "alice", "user", date(2026, 3, 9), BERLIN)
    [post] = content.render(composed)
    assert "1 meeting(s), but no quality data" in post.markdown
    assert "Webex refused **Board** (403)" in post.markdown


def test_some_meetings_without_data_are_noted_beside_the_chart(runtime, fake):
    fake.add("m1", "Weekly Sync")
    fake.found.append({"id": "m9", "title": "Board"})
    fake.found.append({"id": "m8", "title": "Hiring"})
    chart, _ = content.render(content.compose(runtime, "alice", "u", date(2026, 3, 9), BERLIN))
    assert "2 meetings have no quality data (**Board**, **Hiring**)" in chart.markdown


def connect_alice() -> None:
    """Alice's stored connection: the email her history is found by."""
    tokens.save_for(
        "alice",
        email="Alice@Example.com",
        display_name="Alice",
        access_token=b"x",
        refresh_token=b"y",
        access_expires_at=datetime(2030, 1, 1, tzinfo=UTC),
        refresh_expires_at=None,
        scopes="",
        now=datetime(2026, 3, 1, tzinfo=UTC),
    )


def analysed(meeting_id: str, start: datetime, loss: float, host: str = "") -> None:
    """A meeting some earlier analysis kept in the history, with Alice in it unless she hosted."""
    meeting = {**factory.meeting(start=start), "id": meeting_id, "hostEmail": host}
    who = "Bob" if host else "Alice"
    items = [factory.item(who, start=start, loss=loss), factory.item("Carol", start=start)]
    record_meeting(meeting, analyze_meeting(items, meeting), None)


def test_trend_reads_the_previous_seven_days_from_the_history(runtime, fake):
    connect_alice()
    berlin = ZoneInfo(BERLIN)
    for back in range(1, 9):  # day 8 is outside the window
        day = date(2026, 3, 9) - timedelta(days=back)
        analysed(f"old-{back}", datetime(day.year, day.month, day.day, 10, tzinfo=berlin), 0.0)
    # 00:30 in Berlin on the 9th is still the 8th in UTC: the day is cut in the zone.
    analysed("late", datetime(2026, 3, 9, 0, 30, tzinfo=berlin), 12.0, host="alice@example.com")
    analysed("not-hers", datetime(2026, 3, 5, 10, tzinfo=berlin), 12.0, host="dan@example.com")
    fake.add("m1", "Weekly Sync", loss=12.0)
    composed = content.compose(runtime, "alice", "user", date(2026, 3, 9), BERLIN)
    assert [d for d, _ in composed.summary.history] == [
        date(2026, 3, 9) - timedelta(days=k) for k in range(7, 0, -1)
    ]
    assert composed.summary.baseline == 0.0  # Dan's meeting and the 9th's do not count
    assert composed.summary.trend == "worse"
    # The 9th, as the 10th's summary sees it: the meeting at 00:30 Berlin time.
    later = content.compose(runtime, "alice", "user", date(2026, 3, 10), BERLIN)
    assert later.summary.history[-1][0] == date(2026, 3, 9)
    assert later.summary.history[-1][1] > 0


def test_a_day_whose_data_is_gone_keeps_what_was_known(runtime, fake):
    connect_alice()
    analysed("kept", datetime(2026, 3, 1, 10, tzinfo=ZoneInfo(BERLIN)), 12.0)
    fake.found.append({"id": "m9", "title": "Old"})  # expired: QualityUnavailable
    content.compose(runtime, "alice", "user", date(2026, 3, 1), BERLIN)
    later = content.compose(runtime, "alice", "user", date(2026, 3, 2), BERLIN)
    [(day, share)] = later.summary.history
    assert day == date(2026, 3, 1) and share > 0


def test_scheduled_send_with_real_content(scene, clock, posts, fake):
    # The real compose and render, on a late catch-up.
    fake.add("m1", "Weekly Sync", loss=12.0)
    created = datetime(2026, 3, 1, tzinfo=UTC)
    subscriptions.subscribe("room-1", "alice", "07:30", BERLIN, now=created)
    clock.set(datetime(2026, 3, 10, 10, 0, tzinfo=ZoneInfo(BERLIN)))
    assert delivery.run_due(scene) == 1
    chart, card = posts.to("room-1")
    assert chart["upload"] and "Sent late: it was due at 07:30" in chart["markdown"]
    assert card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert delivery.run_due(scene) == 0


def test_every_meeting_the_summary_analyses_is_kept_in_the_history(runtime, fake):
    from storage.history import Scope, raw_rows

    fake.add("m1", "Weekly Sync", loss=12.0)
    fake.add("m2", "Design Review")
    fake.found.append({"id": "m9", "title": "Board"})  # no data: nothing to keep
    content.compose(runtime, "alice", "user", date(2026, 3, 9), BERLIN)
    content.compose(runtime, "alice", "user", date(2026, 3, 9), BERLIN)  # again: no duplicate
    rows = raw_rows(Scope(), datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert sorted((r.meeting_id, r.name) for r in rows) == [
        (m, f"P{k}") for m in ("m1", "m2") for k in range(3)
    ]
