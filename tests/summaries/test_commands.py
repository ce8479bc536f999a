"""/subscribe, /unsubscribe and /summary as typed, through the dispatcher."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.summaries import notices
from storage import subscriptions
from tests.summaries.conftest import NOW


def test_subscribe_repeats_what_it_understood_and_the_next_send(chat):
    reply = chat("/subscribe 08:30 Europe/Berlin")
    assert "**08:30 Europe/Berlin**" in reply
    assert "Next: **Wednesday 11 March 08:30** (Europe/Berlin)" in reply
    sub = subscriptions.get("room-1")
    assert (sub.person_id, sub.local_time, sub.timezone) == ("alice", "08:30", "Europe/Berlin")


def test_subscribe_later_today_says_today(chat):
    assert "Next: **Tuesday 10 March 17:00**" in chat("/subscribe 17:00 UTC")


@pytest.mark.parametrize(
    ("words", "time", "zone"),
    [
        ("", "09:00", "UTC"),  # DEFAULT_TIMEZONE of the test config
        ("Europe/Paris", "09:00", "Europe/Paris"),
        ("10:00", "10:00", "UTC"),
        ("europe/paris 7:05", "07:05", "Europe/Paris"),
        ("5:30pm america/new_york", "17:30", "America/New_York"),
        ("12am Pacific/Auckland", "00:00", "Pacific/Auckland"),
    ],
)
def test_subscribe_arguments_in_any_order_and_case(chat, words, time, zone):
    chat(f"/subscribe {words}")
    sub = subscriptions.get("room-1")
    assert (sub.local_time, sub.timezone) == (time, zone)


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("25:00", "`25:00` is not a time: use HH:MM (24-hour), e.g. `/subscribe 08:30"),
        ("8:75 Europe/Berlin", "`8:75` is not a time"),
        ("Europe/Berln", "`Europe/Berln` is not a time zone I know. Did you mean `Europe/Berlin`?"),
        ("09:00 Mars/Olympus", "`Mars/Olympus` is not a time zone I know"),
        ("09:00 UTC extra", "`extra` is one word too many"),
        ("tomorrow", "`tomorrow` is not a time zone I know"),
    ],
)
def test_subscribe_bad_arguments_explain_with_an_example(chat, words, says):
    reply = chat(f"/subscribe {words}")
    assert says in reply
    assert "/subscribe [HH:MM] [Area/City]" in reply
    assert subscriptions.get("room-1") is None


def test_a_new_subscription_replaces_the_old_and_says_so(chat, people):
    people.connected.add("bob")
    chat("/subscribe 08:30 Europe/Berlin", person="bob")
    reply = chat("/subscribe 10:00 Asia/Tokyo")
    assert "replaces the previous subscription (08:30 Europe/Berlin, another member's)" in reply
    assert subscriptions.get("room-1").person_id == "alice"


def test_subscribe_needs_a_connected_account(chat, people):
    reply = chat("/subscribe 09:00", person="carol")
    assert "/connect" in reply
    assert subscriptions.get("room-1") is None


def test_unsubscribe(chat):
    assert "no daily summary" in chat("/unsubscribe")
    chat("/subscribe 08:30 Europe/Berlin")
    assert "Stopped the daily summary here (it was at 08:30 Europe/Berlin)" in chat("/unsubscribe")
    assert subscriptions.get("room-1") is None


def test_summary_defaults_to_yesterday_in_the_spaces_zone(chat, days):
    chat("/subscribe 09:00 Pacific/Auckland")  # 12:00 UTC is already the 11th there
    assert "summary of 2026-03-10 (Pacific/Auckland)" in chat("/summary")
    assert days.composed[-1] == ("alice", date(2026, 3, 10), "Pacific/Auckland")
    chat("/unsubscribe")
    chat("/summary")
    assert days.composed[-1] == ("alice", date(2026, 3, 9), "UTC")


def test_summary_of_a_given_day(chat, days):
    chat("/summary 2026-03-02")
    assert days.composed[-1][1] == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("2026-13-01", "`2026-13-01` is not a date: use YYYY-MM-DD, e.g. `/summary 2026-03-09`"),
        ("yesterday", "`yesterday` is not a date"),
        ("2026-03-10", "2026-03-10 has not ended yet in UTC"),
    ],
)
def test_summary_bad_dates(chat, days, words, says):
    assert says in chat(f"/summary {words}")
    assert days.composed == []


def test_summary_needs_a_connected_account(chat, days):
    assert "/connect" in chat("/summary", person="carol")


def test_next_send_is_in_the_subscriptions_zone(chat):
    chat("/subscribe 09:00 Pacific/Auckland")  # 12:00 UTC = 01:00 on the 11th in Auckland
    sub = subscriptions.get("room-1")
    assert notices.next_send(sub, NOW) == datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
