"""Rules and content of alerts: pure functions of an analysed meeting."""

from __future__ import annotations

from bot.alerts import rules
from bot.alerts.content import alert_message, host_message, participant_message, time_span
from bot.alerts.rules import PoorParticipant
from bot.quality.analysis import analyze_meeting
from tests.alerts.conftest import START, meeting_data, poor_items
from tests.quality.factory import item, media


def report(items, **over):
    return analyze_meeting(items, meeting_data(**over))


def test_poor_needs_the_minimum_of_poor_minutes():
    assert [p.name for p in rules.poor_participants(report(poor_items(poor_minutes=6)), 3)] == [
        "Wendy Wifi"
    ]
    assert rules.poor_participants(report(poor_items(poor_minutes=2)), 3) == []
    assert rules.poor_participants(report(poor_items(poor_minutes=0)), 0) == []


def test_cause_direction_and_tip_in_plain_words():
    (wendy,) = rules.poor_participants(report(poor_items()), 3)
    assert wendy.cause == "Wi-Fi"
    assert wendy.direction == "received" and wendy.streams == ("audio in",)
    assert "access point" in wendy.tip and wendy.email == "wendy.wifi@example.com"


def test_upload_and_tcp_causes_without_the_causes_analysis():
    bad = media(START, 30, loss=12.0)
    sender = item("Sam Sender", start=START, minutes=30, network="ethernet", audio_out=bad,
                  video=False)
    tcp = item("Tia Tcp", start=START, minutes=30, network="ethernet", video=False,
               audio_in=media(START, 30, loss=12.0, transport="TCP"))
    found = {p.name: p for p in rules.poor_participants(report([sender, tcp]), 3)}
    assert found["Sam Sender"].cause == "upload" and found["Sam Sender"].direction == "sent"
    assert found["Tia Tcp"].cause == "TCP" and "UDP" in found["Tia Tcp"].tip


def pp(name: str, cause: str = "Wi-Fi", email: str = "") -> PoorParticipant:
    return PoorParticipant(name, email or f"{name.lower()}@example.com", cause, "received",
                           ("audio in",), 5, rules.TIPS["Wi-Fi"], "wifi")


def test_alert_card_names_title_host_time_zone_and_each_poor_participant():
    meeting = meeting_data()
    msg = alert_message(meeting, [pp("Ann"), pp("Bob", "from Ann")], 6, "Europe/Berlin")
    card = msg.card
    assert card["version"] == "1.3" and len(card["actions"]) == 1
    assert card["actions"][0] == {
        "type": "Action.Submit",
        "title": "Show quality",
        "data": {"command": "quality", "meetingId": "m1_I_1"},
    }
    for words in ("Weekly sync", "Host Person", "10:30–11:00 (Europe/Berlin)", "Ann", "Bob",
                  "from Ann", "received"):
        assert words in msg.markdown
        assert words in str(card)


def test_markdown_stays_within_webex_limit_with_hundreds_of_poor_participants():
    many = [pp(f"Person{n:03d} " + "x" * 40) for n in range(400)]
    msg = alert_message(meeting_data(title="T" * 300), many, 400, "UTC")
    assert len(msg.markdown.encode()) <= 7439
    host = host_message(meeting_data(), many, 400, "UTC", own=many[0])
    assert len(host.markdown.encode()) <= 7439


def test_participant_message_names_no_one_else():
    bob = pp("Bob", "from Ann")
    msg = participant_message(meeting_data(), bob, "UTC")
    text = msg.markdown + str(msg.card)
    assert "Ann" not in text and "Host Person" not in text
    assert "another participant" in text
    assert "Nothing to fix on your side" in text


def test_participant_message_has_own_cause_and_one_tip():
    msg = participant_message(meeting_data(), pp("Wendy"), "Europe/Berlin")
    assert "**Wi-Fi**" in msg.markdown
    assert msg.markdown.count("Tip:") == 1
    assert "access point" in msg.markdown


def test_host_who_suffered_gets_their_own_tip_in_the_one_summary():
    host = pp("Host", email="host.person@example.com")
    msg = host_message(meeting_data(), [host], 3, "UTC", own=host)
    assert "Your own connection too" in msg.markdown and "access point" in msg.markdown


def test_time_span_across_midnight_and_unknown_end():
    assert time_span(meeting_data(start="2026-03-10T22:30:00Z", end="2026-03-11T00:15:00Z"),
                     "UTC") == "Tue 10 Mar 2026, 22:30–Wed 11 Mar 2026, 00:15 (UTC)"
    assert time_span({"start": "2026-03-10T22:30:00Z"}, "") == "Tue 10 Mar 2026, 22:30 (UTC)"


def test_due_time_and_backoff():
    from datetime import timedelta

    seen = START
    assert rules.due_at(meeting_data(), seen, 900) == rules.ended_at(meeting_data()) + timedelta(
        seconds=900
    )
    assert rules.due_at({"id": "x"}, seen, 900) == seen + timedelta(seconds=900)
    assert [rules.backoff(n).total_seconds() for n in (1, 2, 3, 10)] == [60, 120, 240, 1800]


def test_alert_settings_read_and_checked_at_start(tmp_path):
    import pytest

    from bot.config import Config, ConfigError

    env = {"ALERT_DELAY": "60", "ALERT_POLL_INTERVAL": "30", "ALERT_MIN_POOR_MINUTES": "5"}
    config = Config.from_env(env, dotenv=tmp_path / "none")
    assert (config.alert_delay, config.alert_poll_interval, config.alert_min_poor_minutes) == (
        60, 30, 5)
    assert Config.from_env({}, dotenv=tmp_path / "none").alert_delay == 900
    for bad in ({"ALERT_DELAY": "soon"}, {"ALERT_DELAY": "-1"}, {"ALERT_POLL_INTERVAL": "0"}):
        with pytest.raises(ConfigError) as exc:
            Config.from_env(bad, dotenv=tmp_path / "none")
        assert next(iter(bad)) in str(exc.value)


def test_the_delay_is_said_in_words_people_use():
    from bot.alerts.commands import _after

    assert _after(900) == "about 15 minutes after"
    assert _after(30) == "about 30 seconds after"


def test_counts_read_as_words_not_participant_s():
    one = alert_message(meeting_data(), [pp("Ann")], 1, "UTC")
    assert "1 of 1 participant had poor quality" in one.markdown and "(s)" not in one.markdown
    many = alert_message(meeting_data(), [pp("Ann")], 6, "UTC")
    assert "1 of 6 participants" in many.markdown and "(s)" not in str(many.card)
    tip = participant_message(meeting_data(), pp("Ann"), "UTC")
    assert "For 5 minutes " in tip.markdown and "(s)" not in tip.markdown + str(tip.card)
