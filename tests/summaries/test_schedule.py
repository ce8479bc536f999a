"""When a subscription is due: zones on both sides of UTC, DST change days, catch-up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.summaries import delivery, notices, schedule
from bot.summaries.schedule import wall_instant
from storage import subscriptions, summary_runs

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(tz: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(tz))


def tick_minutes(runtime, clock, start: datetime, end: datetime) -> list[datetime]:
    """Run the scheduler once a minute from start to end; returns when each run sent something."""
    fired = []
    moment = start
    while moment <= end:
        clock.set(moment)
        if delivery.run_due(runtime):
            fired.append(moment)
        moment += timedelta(minutes=1)
    return fired


class TestWallInstant:
    def test_plain_day(self):
        assert wall_instant(date(2026, 3, 10), time(9), BERLIN) == utc(2026, 3, 10, 8)

    def test_spring_forward_gap_fires_when_the_gap_ends(self):
        # Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 never shows.
        moment = wall_instant(date(2026, 3, 29), time(2, 30), BERLIN)
        assert moment == utc(2026, 3, 29, 1, 0)
        assert moment.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"

    def test_fall_back_ambiguous_time_is_its_first_reading(self):
        # Europe/Berlin 2026-10-25: 02:30 shows twice, first in CEST (00:30 UTC).
        moment = wall_instant(date(2026, 10, 25), time(2, 30), BERLIN)
        assert moment == utc(2026, 10, 25, 0, 30)

    def test_nine_oclock_on_change_days(self):
        assert wall_instant(date(2026, 3, 29), time(9), BERLIN) == utc(2026, 3, 29, 7)
        assert wall_instant(date(2026, 10, 25), time(9), BERLIN) == utc(2026, 10, 25, 8)
        assert wall_instant(date(2026, 3, 8), time(9), NEW_YORK) == utc(2026, 3, 8, 13)
        assert wall_instant(date(2026, 11, 1), time(9), NEW_YORK) == utc(2026, 11, 1, 14)

    def test_change_days_are_23_and_25_hours(self):
        start, end = schedule.local_day_bounds(date(2026, 3, 29), BERLIN)
        assert end - start == timedelta(hours=23)
        start, end = schedule.local_day_bounds(date(2026, 10, 25), BERLIN)
        assert end - start == timedelta(hours=25)


@pytest.mark.parametrize(
    ("tz", "first_tick", "fires_at"),
    [
        # UTC+13 in March: 09:00 on the 11th in Auckland is 20:00 UTC on the 10th.
        ("Pacific/Auckland", utc(2026, 3, 10, 19, 0), utc(2026, 3, 10, 20, 0)),
        # UTC-7 in March: 09:00 on the 10th in Los Angeles is 16:00 UTC the same day.
        ("America/Los_Angeles", utc(2026, 3, 10, 15, 0), utc(2026, 3, 10, 16, 0)),
    ],
)
def test_zones_on_both_sides_of_utc(world, clock, posts, days, tz, first_tick, fires_at):
    subscriptions.subscribe("room-1", "alice", "09:00", tz, now=first_tick - timedelta(days=2))
    fired = tick_minutes(world, clock, first_tick, first_tick + timedelta(hours=3))
    assert fired == [fires_at]
    local_date = fires_at.astimezone(ZoneInfo(tz)).date()
    # The summary covers the local day before the send day, cut in that zone.
    assert days.composed == [("alice", local_date - timedelta(days=1), tz)]
    assert summary_runs.get("room-1", local_date).status == "empty"
    assert "late" not in posts.text("room-1")


@pytest.mark.parametrize(
    ("tz", "day", "at", "fires_at"),
    [
        ("Europe/Berlin", date(2026, 3, 29), "09:00", utc(2026, 3, 29, 7)),
        ("Europe/Berlin", date(2026, 10, 25), "09:00", utc(2026, 10, 25, 8)),
        ("America/New_York", date(2026, 3, 8), "09:00", utc(2026, 3, 8, 13)),
        ("America/New_York", date(2026, 11, 1), "09:00", utc(2026, 11, 1, 14)),
        # In the spring-forward gap: at the first valid instant after it (03:00 CEST).
        ("Europe/Berlin", date(2026, 3, 29), "02:30", utc(2026, 3, 29, 1)),
        # Shown twice on the fall-back day: once, at the first reading.
        ("Europe/Berlin", date(2026, 10, 25), "02:30", utc(2026, 10, 25, 0, 30)),
    ],
)
def test_dst_change_days_fire_once_at_local_time(world, clock, posts, tz, day, at, fires_at):
    start, end = schedule.local_day_bounds(day, ZoneInfo(tz))
    subscriptions.subscribe("room-1", "alice", at, tz, now=start - timedelta(hours=1))
    # Every minute of the local day (23 or 25 hours), and half an hour into the next.
    fired = tick_minutes(world, clock, start, end + timedelta(minutes=30))
    assert fired == [fires_at]
    assert len(posts.to("room-1")) == 1


def test_catch_up_same_day_says_it_is_late(world, clock, posts):
    subscriptions.subscribe("room-1", "alice", "09:00", "Europe/Berlin", now=utc(2026, 3, 1))
    clock.set(local("Europe/Berlin", 2026, 3, 10, 11, 47))  # the worker was down since 08:00
    assert delivery.run_due(world) == 1
    text = posts.text("room-1")
    assert "summary of 2026-03-09" in text
    assert "Sent late" in text and "09:00" in text and "11:47" in text
    clock.set(local("Europe/Berlin", 2026, 3, 10, 11, 48))
    assert delivery.run_due(world) == 0
    assert len(posts.to("room-1")) == 1


def test_a_day_missed_entirely_is_not_sent_the_next_day(world, clock, posts, days):
    subscriptions.subscribe("room-1", "alice", "09:00", "Europe/Berlin", now=utc(2026, 3, 1))
    clock.set(local("Europe/Berlin", 2026, 3, 11, 9, 0))  # down all of the 10th
    delivery.run_due(world)
    assert [d for _, d, _ in days.composed] == [date(2026, 3, 10)]  # only the 11th's send


def test_on_time_within_grace_is_not_late(world, clock, posts):
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=utc(2026, 3, 1))
    clock.set(utc(2026, 3, 10, 9, 3))
    delivery.run_due(world)
    assert "late" not in posts.text("room-1")


def test_new_subscription_does_not_fire_for_a_time_already_passed(world, clock, posts):
    clock.set(utc(2026, 3, 10, 10, 0))
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=clock())
    assert delivery.run_due(world) == 0
    sub = subscriptions.get("room-1")
    assert notices.next_send(sub, clock()) == utc(2026, 3, 11, 9, 0)
    clock.set(utc(2026, 3, 11, 9, 0))
    assert delivery.run_due(world) == 1


def test_clock_jumping_back_does_not_send_again(world, clock, posts):
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=utc(2026, 3, 1))
    clock.set(utc(2026, 3, 10, 9, 0))
    delivery.run_due(world)
    clock.set(utc(2026, 3, 10, 8, 0))  # NTP correction backwards
    tick_minutes(world, clock, clock(), utc(2026, 3, 10, 9, 30))
    assert len(posts.to("room-1")) == 1


def test_changing_the_time_after_todays_send_waits_for_tomorrow(world, clock, posts):
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=utc(2026, 3, 1))
    clock.set(utc(2026, 3, 10, 9, 0))
    delivery.run_due(world)
    clock.set(utc(2026, 3, 10, 9, 30))
    subscriptions.subscribe("room-1", "alice", "10:00", "UTC", now=clock())
    sub = subscriptions.get("room-1")
    assert notices.next_send(sub, clock()) == utc(2026, 3, 11, 10, 0)
    tick_minutes(world, clock, clock(), utc(2026, 3, 10, 12, 0))
    assert len(posts.to("room-1")) == 1


def test_many_spaces_each_get_one(world, clock, posts, days):
    for n in range(30):
        tz = ("UTC", "Europe/Berlin", "Pacific/Auckland")[n % 3]
        subscriptions.subscribe(f"room-{n}", "alice", "09:00", tz, now=utc(2026, 3, 9, 18))
    tick_minutes(world, clock, utc(2026, 3, 9, 19, 0), utc(2026, 3, 10, 9, 5))
    assert sorted(p["roomId"] for p in posts.items) == sorted(f"room-{n}" for n in range(30))
    # One person in three zones: each zone's day is fetched and drawn once, not once per space.
    assert len(days.composed) == 3
