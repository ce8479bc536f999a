"""A subscriber who disconnected, lost the token or left: paused, and the space told once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.summaries import delivery
from bot.summaries import notices as summary_notices
from storage import subscriptions, summary_runs

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def due(world, clock, webex_api):
    webex_api.get(
        "https://webex.test/v1/people/alice", json={"id": "alice", "displayName": "Alice Martin"}
    )
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=NOW - timedelta(days=3))
    clock.set(NOW)
    return world


def notices(posts) -> list[str]:
    return [p["markdown"] for p in posts.to("room-1") if "paused" in p["markdown"]]


@pytest.mark.parametrize(
    ("setup", "reason", "says"),
    [
        (lambda p, m: p.connected.discard("alice"), "disconnected", "/connect"),
        (lambda p, m: p.broken.add("alice"), "token", "expired or was revoked"),
        (lambda p, m: m.absent.add(("room-1", "alice")), "left", "no longer a member"),
    ],
)
def test_paused_at_send_time_and_told_once(due, clock, posts, people, members, setup, reason, says):
    setup(people, members)
    assert delivery.run_due(due) == 1
    sub = subscriptions.get("room-1")
    assert sub.paused_reason == reason and sub.paused_notified
    assert summary_runs.get("room-1", date(2026, 3, 10)).status == "paused"
    [notice] = notices(posts)
    assert says in notice and "Alice Martin" in notice and "/subscribe" in notice
    for later in (timedelta(minutes=1), timedelta(days=1), timedelta(days=2)):
        clock.set(NOW + later)
        delivery.run_due(due)
    assert len(posts.to("room-1")) == 1  # the notice only: no summary, no second notice


def test_resubscribing_unpauses(due, clock, posts, people):
    people.connected.discard("alice")
    delivery.run_due(due)
    people.connected.add("alice")
    clock.set(NOW + timedelta(hours=1))
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=clock())
    assert subscriptions.get("room-1").paused_reason is None
    clock.set(NOW + timedelta(days=1))
    assert delivery.run_due(due) == 1
    assert "summary of 2026-03-10" in posts.text("room-1")


def test_disconnect_pauses_at_once_and_connect_resumes(due, clock, posts):
    clock.set(NOW - timedelta(hours=2))
    subscriptions.subscribe("room-2", "alice", "09:00", "UTC", now=clock())
    # What bot.accounts calls on /disconnect, then on a new /connect.
    assert subscriptions.pause_for_person("alice", "disconnected") == 2
    delivery.run_due(due)  # before 09:00: the notices go out at the next tick anyway
    delivery.run_due(due)
    assert len(notices(posts)) == 1 and "paused" in posts.text("room-2")
    assert subscriptions.resume_for_person("alice") == 2
    clock.set(NOW)
    assert delivery.run_due(due) == 2


def test_a_broken_token_reason_in_other_words_is_stored_as_token(due):
    subscriptions.pause_for_person("alice", "refresh token rejected by Webex")
    assert subscriptions.get("room-1").paused_reason == subscriptions.PAUSE_TOKEN


def test_reconnecting_does_not_resume_a_space_the_subscriber_left(due, members):
    members.absent.add(("room-1", "alice"))
    delivery.run_due(due)
    assert subscriptions.resume_for_person("alice") == 0
    assert subscriptions.get("room-1").paused_reason == subscriptions.PAUSE_LEFT


def test_two_workers_announcing_tell_the_space_once(due, posts):
    subscriptions.pause("room-1", subscriptions.PAUSE_LEFT)
    assert (
        summary_notices.announce_pauses(due.webex) + summary_notices.announce_pauses(due.webex) == 1
    )
    assert len(notices(posts)) == 1


def test_status_line(due, clock):
    assert "next on Tue 10 Mar 09:00" in summary_notices.describe(
        "room-1", NOW - timedelta(hours=1)
    )
    subscriptions.pause("room-1", subscriptions.PAUSE_TOKEN)
    assert "paused" in summary_notices.describe("room-1", NOW)
    assert "No daily summary" in summary_notices.describe("room-x", NOW)
