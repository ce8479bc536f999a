"""The aggregates /trends reads: weeks × network, a period against the one before, causes,
people with repeated poor meetings; and pruning after HISTORY_DAYS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.history.chart import weekly_shares
from bot.history.trends import change_text, load
from storage import history
from storage.history import Scope
from tests.history.conftest import NOW, days_ago, put, row

ORG = Scope(org_id="org-1")


def test_weekly_sums_are_grouped_by_monday_and_network(runtime):
    # 2026-11-30 is a Monday; the 29th a Sunday of the week before.
    put(
        row("a", "ann@example.com", start=datetime(2026, 11, 30, 9, tzinfo=UTC), poor=3,
            org_id="org-1"),
        row("a", "bob@example.com", start=datetime(2026, 11, 30, 9, tzinfo=UTC), org_id="org-1"),
        row("b", "ann@example.com", start=datetime(2026, 12, 1, 8, tzinfo=UTC), poor=6,
            network="cellular", org_id="org-1"),
        row("c", "ann@example.com", start=datetime(2026, 11, 29, 23, tzinfo=UTC), poor=30,
            org_id="org-1"),
        row("d", "zed@example.com", start=datetime(2026, 11, 30, 9, tzinfo=UTC), poor=30,
            org_id="org-2"),
    )
    weeks = history.weekly(ORG, NOW - timedelta(days=7), NOW)
    monday = (date(2026, 11, 30) - date(1970, 1, 1)).days
    assert [(w.monday, w.network, w.minutes, w.poor_minutes, w.rows, w.leads) for w in weeks] == [
        (monday - 7, "wifi", 30.0, 30.0, 1, 1),
        (monday, "cellular", 30.0, 6.0, 1, 1),
        (monday, "wifi", 60.0, 3.0, 2, 1),
    ]
    mondays, shares = weekly_shares(weeks, NOW - timedelta(days=7), NOW)
    assert mondays == [date(2026, 11, 23), date(2026, 11, 30)]
    assert list(shares["all"]) == [100.0, 100 * 9 / 90]
    assert list(shares["cellular"])[1] == 20.0


def test_a_period_is_compared_with_the_one_before_of_the_same_length(runtime):
    put(
        row("now-1", "ann@example.com", start=days_ago(3), minutes=100, poor=20, cause="Wi-Fi"),
        row("now-2", "ann@example.com", start=days_ago(20), minutes=100, poor=0),
        row("now-3", "ann@example.com", start=days_ago(25), minutes=50, poor=10, cause="TCP"),
        row("now-3", "bob@example.com", start=days_ago(25), minutes=50, poor=5, cause="Wi-Fi"),
        row("before", "ann@example.com", start=days_ago(45), minutes=100, poor=5),
        row("older", "ann@example.com", start=days_ago(75), minutes=100, poor=100),
    )
    t = load(ORG, "the organization", 30, NOW, org_view=True)
    assert (t.current.meetings, t.current.rows, t.current.minutes) == (3, 4, 300.0)
    assert t.current.poor_share == 35 / 300
    assert t.previous.poor_share == 0.05
    assert round(t.change, 6) == round(100 * (35 / 300 - 0.05), 6)
    assert change_text(t) == "+6.7 points, worse (was 5.0%)"
    assert t.causes == [("Wi-Fi", 2), ("TCP", 1)]
    mine = load(Scope(email="ANN@example.com"), "you", 30, NOW)
    assert (mine.current.rows, mine.current.poor_minutes) == (3, 30.0)
    empty_before = load(ORG, "the organization", 7, NOW - timedelta(days=300))
    assert empty_before.empty and change_text(empty_before).startswith("no data")


def test_people_with_two_or_more_poor_meetings(runtime):
    put(
        row("m1", "ann@example.com", start=days_ago(1), poor=5),
        row("m2", "ann@example.com", start=days_ago(2), poor=5),
        row("m2", "bob@example.com", start=days_ago(2), poor=5),
        row("m3", "bob@example.com", start=days_ago(3), poor=0, verdict="fair"),
        row("m3", "cy@example.com", start=days_ago(3), poor=4),
        row("m4", "cy@example.com", start=days_ago(4), poor=4),
        row("m5", "cy@example.com", start=days_ago(5), poor=4),
        row("m6", "ann@example.com", start=days_ago(40), poor=5),
    )
    assert history.repeat_poor(ORG, NOW - timedelta(days=30), NOW) == [
        ("cy@example.com", "Cy", 3),
        ("ann@example.com", "Ann", 2),
    ]


def test_the_hourly_housekeeping_forgets_rows_older_than_history_days(worker, runtime):
    runtime.config = replace(runtime.config, history_days=30)
    put(
        row("old", "ann@example.com", start=NOW - timedelta(days=31)),
        row("edge", "ann@example.com", start=NOW - timedelta(days=29)),
    )
    worker.dispatcher.sweep()
    left = history.raw_rows(Scope(), NOW - timedelta(days=999), NOW)
    assert [r.meeting_id for r in left] == ["edge"]
