"""Issue 10 item 10: `/summary` with dates at the calendar's edges, in zones far from UTC,
answers with a helpful line, never an exception."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def chat(worker, world, clock, posts, days):
    clock.set(NOW)

    def say(text: str) -> str:
        before = len(posts.items)
        word, *words = text.split()
        worker.dispatcher.run(
            word.lstrip("/"),
            words,
            person_id="alice",
            person_email="",
            room_id="room-1",
            room_type="group",
            thread_id="t-1",
        )
        return "\n".join(p.get("markdown") or "" for p in posts.items[before:])

    return say


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
