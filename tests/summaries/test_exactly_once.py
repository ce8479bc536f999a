"""Exactly once per (space, local date): duplicate tasks, takeovers, failures, two processes."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import responses

from bot.summaries import content, delivery, schedule
from storage import subscriptions, summary_runs
from storage.db import database
from storage.models import SummaryRun
from storage.schema import open_database
from tests.conftest import API
from tests.summaries import race_worker

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 10)


@pytest.fixture
def due(world, clock):
    subscriptions.subscribe("room-1", "alice", "09:00", "UTC", now=NOW - timedelta(days=3))
    clock.set(NOW)
    return world


def test_a_duplicate_task_loses_at_the_claim(due, posts):
    assert delivery.send_due(due, "room-1", DAY) == "empty"
    assert delivery.send_due(due, "room-1", DAY) == "taken"
    assert len(posts.to("room-1")) == 1


def test_two_ticks_in_one_minute_send_once(due, posts):
    assert delivery.run_due(due) == 1
    assert delivery.run_due(due) == 0
    assert len(posts.to("room-1")) == 1


def test_a_claim_that_died_before_sending_is_taken_over_after_the_lease(due, clock, posts):
    # A worker claimed at 09:00 and crashed while fetching data.
    assert summary_runs.claim("room-1", DAY, "dead-worker", NOW)
    clock.set(NOW + summary_runs.LEASE - timedelta(minutes=1))
    assert delivery.run_due(due) == 0
    clock.set(NOW + summary_runs.LEASE)
    assert delivery.run_due(due) == 1
    assert summary_runs.get("room-1", DAY).status == "empty"
    assert "Sent late" in posts.text("room-1")  # 15 minutes after its time


def test_a_run_that_started_posting_is_never_posted_again(due, clock, posts):
    assert summary_runs.claim("room-1", DAY, "dead-worker", NOW)
    assert summary_runs.advance("room-1", DAY, "dead-worker", "sending", NOW)
    clock.set(NOW + timedelta(hours=5))
    assert delivery.run_due(due) == 0
    assert posts.items == []


def test_a_worker_whose_claim_was_taken_over_does_not_post(due, clock):
    assert summary_runs.claim("room-1", DAY, "slow", NOW)
    later = NOW + summary_runs.LEASE + timedelta(seconds=1)  # e.g. its host's clock jumped
    assert summary_runs.claim("room-1", DAY, "other", later)
    assert not summary_runs.advance("room-1", DAY, "slow", "sending", later)
    assert summary_runs.advance("room-1", DAY, "other", "sending", later)


def test_a_failure_before_posting_is_retried_after_the_lease(due, clock, posts, days, monkeypatch):
    def broken(*args):
        raise RuntimeError("analytics exploded")

    monkeypatch.setattr(content, "compose", broken)
    assert delivery.run_due(due) == 1
    assert summary_runs.get("room-1", DAY).status == "failed"
    clock.set(NOW + timedelta(minutes=1))
    assert delivery.run_due(due) == 0  # not hammered every minute
    monkeypatch.setattr(content, "compose", days.compose)
    clock.set(NOW + summary_runs.LEASE)
    assert delivery.run_due(due) == 1
    assert summary_runs.get("room-1", DAY).status == "empty"
    assert len(posts.to("room-1")) == 1


def test_a_crash_while_posting_is_not_retried(due, clock, posts, monkeypatch):
    def explode(**kwargs):
        raise RuntimeError("bug after the first post")

    monkeypatch.setattr(due.webex, "send", explode)
    assert delivery.send_due(due, "room-1", DAY) == "partial"
    assert summary_runs.get("room-1", DAY).status == "partial"
    clock.set(NOW + timedelta(hours=2))
    assert delivery.run_due(due) == 0


def test_a_send_that_fails_half_way_is_not_repeated(due, clock, webex_api, monkeypatch):
    two = [content.Post("chart", upload=None), content.Post("card")]
    monkeypatch.setattr(content, "render", lambda composed, note="": two)
    sent = []

    def once_then_400(request):
        if sent:
            return 400, {}, '{"message": "bad card"}'
        sent.append(request)
        return 200, {}, '{"id": "m1"}'

    webex_api.remove(responses.POST, f"{API}/messages")  # drop the recording stand-in
    webex_api.add_callback(responses.POST, f"{API}/messages", callback=once_then_400)
    assert delivery.send_due(due, "room-1", DAY) == "partial"
    clock.set(NOW + timedelta(hours=2))
    assert delivery.run_due(due) == 0
    assert len(sent) == 1


def test_two_worker_processes_racing_on_one_database_send_each_space_once(tmp_path):
    """Two interpreters, one SQLite file, 120 due spaces (30 of them with a dead claim to take
    over), three ticks each: every space is posted exactly once."""
    db_url = f"sqlite:///{tmp_path}/race.db"
    sends = tmp_path / "sends.txt"
    open_database(db_url)
    rooms = [f"room-{n:03d}" for n in range(120)]
    for n, room in enumerate(rooms):
        tz = ("UTC", "Europe/Berlin", "Pacific/Auckland", "America/Los_Angeles")[n % 4]
        subscriptions.subscribe(room, "alice", "00:00", tz, now=NOW - timedelta(days=3))
    # The send day differs per zone; a dead worker's claims for the first 30 rooms are stale.
    for room in rooms[:30]:
        sub = subscriptions.get(room)
        day = schedule.due_day(sub, NOW)
        assert summary_runs.claim(room, day, "dead", NOW - timedelta(hours=1))
    database.close()

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    procs = [
        ctx.Process(
            target=race_worker.work,
            args=(db_url, str(sends), name, NOW.isoformat(), barrier, 3),
        )
        for name in ("A", "B")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)  # a safety net for a hung child, not a timing assertion
    assert [p.exitcode for p in procs] == [0, 0]

    lines = sends.read_text().splitlines()
    per_room = Counter(line.split()[0] for line in lines)
    assert sorted(per_room) == rooms
    assert set(per_room.values()) == {1}
    open_database(db_url)
    assert SummaryRun.select().where(SummaryRun.status == "empty").count() == 120
    workers = Counter(line.split()[1] for line in lines)
    print("sends per worker:", dict(workers))
