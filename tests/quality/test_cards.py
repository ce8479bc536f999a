from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.quality.analysis import analyze_meeting
from bot.quality.cards import (
    MARKDOWN_LIMIT,
    breakdown_line,
    cut_markdown,
    daily_card,
    daily_empty_markdown,
    help_card,
    meetings_card,
    quality_card,
)
from bot.quality.daily import summarize_day
from tests.card_schema import card_problems

from .factory import T0, crowd, item, media, meeting

ALLOWED = {"TextBlock", "FactSet", "ColumnSet", "Column", "Image", "Container",
           "Action.Submit", "Action.OpenUrl", "Input.Text", "Input.Time", "Input.ChoiceSet"}
NOW = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def types(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if "type" in node and node is not None:
            found.add(node["type"])
        for key, value in node.items():
            if key != "data":  # submit payloads are ours, not card elements
                found |= types(value)
    elif isinstance(node, list):
        for value in node:
            found |= types(value)
    return found


def check_card(card: dict, markdown: str) -> None:
    assert card_problems(card) == []
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.3"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["body"]
    assert len(card.get("actions", [])) <= 5
    assert types(card) - {"AdaptiveCard"} <= ALLOWED
    assert len(json.dumps(card).encode()) <= 20_000
    assert json.loads(json.dumps(card)) == card
    assert markdown and len(markdown.encode()) <= MARKDOWN_LIMIT


def meetings(n: int) -> list[dict]:
    out = []
    for k in range(n):
        start = NOW - timedelta(hours=6 * k + 2)
        out.append({"id": f"inst-{k}", "title": f"Meeting *{k}*",
                    "start": start.isoformat(), "end": (start + timedelta(minutes=45)).isoformat()})
    return out


def test_meetings_card_contract():
    card, md = meetings_card(meetings(3), tz="Europe/Berlin", now=NOW, days=7)
    check_card(card, md)
    choice = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")
    assert choice["id"] == "meetingId"
    assert [c["value"] for c in choice["choices"]] == ["inst-0", "inst-1", "inst-2"]
    assert "45 min" in choice["choices"][0]["title"]
    assert "12:00" in choice["choices"][0]["title"]  # 10:00 UTC shown in Berlin time
    assert card["actions"] == [{"type": "Action.Submit", "title": "Show quality",
                                "data": {"command": "quality"}}]
    lines = [x for x in md.splitlines() if x.startswith("#")]
    assert [x.split()[0] for x in lines] == ["#1", "#2", "#3"]
    assert "/quality #N" in md and r"\*0\*" in md


def test_meetings_card_expired_and_long_lists():
    many = meetings(60)  # 6 h apart: the last ones are older than 7 days
    card, md = meetings_card(many, tz="UTC", now=NOW, days=30, max_items=20)
    check_card(card, md)
    choice = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")
    assert len(choice["choices"]) == 20
    assert any("not" not in e.get("text", "") and "newest of 60" in e.get("text", "")
               for e in card["body"])
    assert "#60 " in md and "quality data expired" in md.splitlines()[-1]
    assert "quality data expired" not in md.splitlines()[2]


def test_meetings_card_empty():
    card, md = meetings_card([], tz="UTC", now=NOW, days=3)
    check_card(card, md)
    assert "last 3 days" in md and "actions" not in card


def test_quality_card():
    bad = item("Cell User", minutes=30, network="cellular", loss=8)
    good = [item(f"Desk {k}", minutes=30, network="ethernet") for k in range(3)]
    report = analyze_meeting([*good, bad], meeting(30, "Sales <b>sync</b>"))
    fetched = T0 + timedelta(minutes=40)
    card, md = quality_card(report, fetched_at=fetched, tz="Europe/Berlin")
    check_card(card, md)
    blob = json.dumps(card, ensure_ascii=False)
    assert "estimated, audio only" in blob
    assert "Cell User — mobile data — poor, 100% of minutes poor" in blob
    assert "The mobile signal was weak" in blob  # the tip
    assert "poor due to loss (audio in/out, video in/out)" in blob  # the detail below
    assert "worst 11:00–11:30" in blob  # when, in the zone asked
    assert "Data fetched Mon 06 May 2024, 11:40 (Europe/Berlin)" in blob
    assert breakdown_line(report) == ("Poor minutes by network: mobile data 100% (1 person) · "
                                      "ethernet 0% (3 people)")
    assert card["actions"][0]["data"] == {"command": "quality", "meetingId": "m1_I_1"}
    assert "Cell User" in md and "11:40" in md and "4 (1 poor, 0 fair)" in md
    assert "mobile data" in md and "The mobile signal was weak" in md


def test_quality_card_names_tcp_phones_and_every_network():
    people = [
        item("Tia", minutes=20, network="ethernet", transport="TCP", latency=450),
        item("Wes", minutes=20, network="wifi", loss=lambda i: 8 if i < 10 else 0),
        item("Pat", minutes=20, network="unknown", client="Phone", video=False,
             loss=lambda i: 8 if i < 5 else 0),
        item("Eve", minutes=20, network="ethernet"),
    ]
    report = analyze_meeting(people, meeting(20))
    card, md = quality_card(report, fetched_at=None, tz="UTC")
    check_card(card, md)
    blob = json.dumps(card, ensure_ascii=False)
    assert "Tia — TCP — poor" in blob and "firewall" in blob
    line = breakdown_line(report)
    # Each network with its share of the 20 + 10 + 5 poor minutes; the phone named a phone.
    assert line == ("Poor minutes by network: ethernet 57% (2 people) · Wi-Fi 29% (1 person) · "
                    "phone 14% (1 person)")
    assert "unknown" not in line and line in blob and line.replace("·", "·") in md
    for name in ("Tia", "Wes", "Pat"):
        assert name in md


def test_tcp_shown_beside_another_cause():
    ana = item("Ana", minutes=30, network="ethernet", video=False, transport="TCP",
               audio_out=media(minutes=30, loss=lambda i: 12 if 10 <= i < 20 else 0,
                               transport="TCP"))
    rx = [item(n, minutes=30, network="ethernet", video=False,
               audio_in=media(minutes=30, loss=lambda i: 9 if 10 <= i < 20 else 0))
          for n in ("Bo", "Cy")]
    card, md = quality_card(analyze_meeting([ana, *rx], meeting(30)), fetched_at=None, tz="UTC")
    blob = json.dumps(card, ensure_ascii=False)
    assert "Ana — upload (over TCP) — poor" in blob
    assert "Bo — from Ana — poor" in blob and "from Ana" in md


def test_quality_card_big_meeting_and_no_data():
    report = analyze_meeting(crowd(300, 60), meeting(60))
    card, md = quality_card(report, fetched_at=None, tz="UTC")
    check_card(card, md)
    empty = analyze_meeting([], None)
    card, md = quality_card(empty, fetched_at=None, tz="UTC")
    check_card(card, md)
    assert "no data" in md


def test_daily_card_and_empty_line():
    reports = [analyze_meeting(crowd(20, 45, seed=s), meeting(45, f"M{s}")) for s in range(4)]
    history = [(date(2024, 5, 6) - timedelta(days=k), 0.01) for k in range(1, 10)]
    summary = summarize_day(date(2024, 5, 6), "Europe/Berlin", reports, history)
    card, md = daily_card(summary, "Europe/Berlin")
    check_card(card, md)
    assert "Trend" in md and "Worst participants" in md
    assert all(a["data"]["command"] == "quality" for a in card.get("actions", []))
    line = daily_empty_markdown(date(2024, 5, 5), "Europe/Berlin")
    assert "\n" not in line and "Sunday 05 May 2024" in line and len(line) < 120


def test_help_card():
    entries = [("/meetings [DAYS]", "your ended meetings"), ("/quality REF", "one meeting")]
    card, md = help_card(entries)
    check_card(card, md)
    assert "`/quality REF` — one meeting" in md


def test_cut_markdown():
    text = "\n".join(f"line {k} " + "é" * 40 for k in range(400))
    cut = cut_markdown(text)
    assert len(cut.encode()) <= MARKDOWN_LIMIT and "more lines not shown" in cut
    assert cut_markdown("short") == "short"


def test_meetings_card_preselects_the_newest_meeting_with_data():
    fresh = {"id": "fresh", "title": "Just ended",
             "start": (NOW - timedelta(minutes=6)).isoformat(),
             "end": (NOW - timedelta(minutes=1)).isoformat()}
    card, _ = meetings_card([fresh, *meetings(2)], tz="UTC", now=NOW, days=7)
    choice = next(e for e in card["body"] if e["type"] == "Input.ChoiceSet")
    assert choice["value"] == "inst-0"  # the fresh one has no data yet, but stays listed
    assert [c["value"] for c in choice["choices"]] == ["fresh", "inst-0", "inst-1"]
