"""Issue 10 item 10: `/summary` with dates at the calendar's edges, in zones far from UTC,
answers with a helpful line, never an exception."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("zone", ["UTC", "Etc/GMT-14", "Etc/GMT+12", "Pacific/Kiritimati"])
@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("0001-01-01", "too long ago"),
        ("0001-01-02", "too long ago"),
        ("1970-01-01", "too long ago"),
        ("9999-12-31", "has not ended yet"),
        ("9999-12-30", "has not ended yet"),
    ],
)
def test_edge_days_get_a_helpful_line(chat, zone, day, says):
    if zone != "UTC":
        assert "Subscribed" in chat(f"/subscribe 09:00 {zone}")
    reply = chat(f"/summary {day}")
    assert says in reply and "/summary 2026-03-09" in reply
    assert "went wrong" not in reply


def test_yesterday_far_east_still_works(chat):
    chat("/subscribe 09:00 Etc/GMT-14")
    reply = chat("/summary")
    assert "went wrong" not in reply and "too long ago" not in reply
