from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.quality.analysis import analyze_meeting
from bot.quality.daily import summarize_day

from .factory import T0, item, meeting

DAY = date(2024, 5, 6)


def report(loss: float, title: str, start=T0, people=("A", "B")):
    items = [item(name, start=start, minutes=20, loss=loss if k == 0 else 0)
             for k, name in enumerate(people)]
    return analyze_meeting(items, meeting(20, title, start) | {"id": title})


def test_summary_numbers_and_worst():
    bad = report(9, "Bad", people=("Ann", "Bob"))
    good = report(0, "Good", start=T0 + timedelta(hours=2), people=("Ann", "Cid"))
    history = [(DAY - timedelta(days=k), 0.1) for k in range(1, 8)]
    history.append((DAY - timedelta(days=9), 0.9))  # outside the 7-day window
    s = summarize_day(DAY, "UTC", [good, bad], history)
    assert s.meeting_count == 2 and s.participants == 3
    assert [m.title for m in s.meetings] == ["Bad", "Good"]  # by start time
    assert s.poor_share == pytest.approx(0.25)
    assert [m.title for m in s.worst_meetings] == ["Bad"]
    assert s.worst_participants[0].name == "Ann"
    assert s.worst_participants[0].poor_due_to[0] == "loss (audio in)"
    assert s.baseline == pytest.approx(0.1) and len(s.history) == 7
    assert s.trend == "worse" and s.trend_delta == pytest.approx(0.15)


def test_trend_cases():
    r = report(0, "Fine")
    assert summarize_day(DAY, "UTC", [r], []).trend == "no history"
    assert summarize_day(DAY, "UTC", [r], [(DAY - timedelta(days=1), 0.2)]).trend == "better"
    assert summarize_day(DAY, "UTC", [r], [(DAY - timedelta(days=1), 0.005)]).trend == (
        "about the same")
    empty = summarize_day(DAY, "UTC", [], [(DAY - timedelta(days=1), None)])
    assert empty.trend == "no data" and empty.poor_share is None and empty.baseline is None
