"""/trends and /export as typed, through the dispatcher: who sees what (§9, §12), the replies'
shapes, and argument errors."""

from __future__ import annotations

import csv
import io

import pytest

from tests.history.conftest import ADMIN, days_ago, put, row

HEADER = (
    "date,meeting_id,title,host_email,participant,email,network,client,transport,minutes,"
    "poor_minutes_audio,poor_minutes_video,poor_minutes_share,verdict,cause"
)


@pytest.fixture
def rows(runtime):
    put(
        row("m1", "ann@example.com", start=days_ago(2), poor=10, cause="Wi-Fi"),
        row("m1", "bob@example.com", start=days_ago(2), poor=12, cause="upload"),
        row("m2", "bob@example.com", start=days_ago(9), poor=8, network="cellular",
            cause="mobile data"),
        row("m3", "cy@example.com", start=days_ago(12)),
        row("m4", "ann@example.com", start=days_ago(50), poor=1),
    )


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("markdown") or "" for r in replies)


def test_trends_shows_the_askers_own_meetings_as_a_chart_then_a_card(chat, rows):
    chart, card = chat("/trends")
    assert chart["file"]["contentType"] == "image/png"
    assert chart["file"]["content"].startswith(b"\x89PNG")
    assert "**you**" in chart["markdown"] and "30 days" in chart["markdown"]
    content = card["attachments"][0]["content"]
    assert content["type"] == "AdaptiveCard" and content["version"] == "1.3"
    facts = {f["title"]: f["value"] for b in content["body"] if b["type"] == "FactSet"
             for f in b["facts"]}
    assert facts["Meetings"] == "1"  # m1 only: m4 is older, m2/m3 are other people's
    assert facts["Participant-minutes"] == "30"
    assert facts["Poor"] == "33.3% of participant-minutes"
    assert facts["Top causes"] == "Wi-Fi (1)"
    assert facts["vs previous 30 days"] == "+30.0 points, worse (was 3.3%)"
    assert "People with" not in texts([card])  # only the org view lists people
    assert "- Meetings: 1" in card["markdown"]


def test_trends_without_history_is_one_clear_line(chat, rows):
    [reply] = chat("/trends 7", email="new@example.com")
    assert "file" not in reply and "attachments" not in reply
    assert reply["markdown"].startswith("No meeting history for your meetings in the last 7 days")


@pytest.mark.parametrize("words", ["/trends org", "/trends bob@example.com 90"])
def test_others_history_is_refused_to_people_who_are_not_quality_admins(chat, rows, words):
    [reply] = chat(words)
    assert "Only quality admins" in reply["markdown"]
    assert "bob" not in reply["markdown"].lower() and "file" not in reply


def test_a_quality_admin_sees_the_org_and_who_keeps_having_poor_meetings(chat, rows):
    chart, card = chat("/trends org", email=ADMIN)
    assert chart["file"]["content"].startswith(b"\x89PNG")
    assert "- Meetings: 3" in card["markdown"]
    assert "People with 2+ poor meetings:" in card["markdown"]
    assert "Bob (bob@example.com): 2" in card["markdown"]
    assert "Ann (" not in card["markdown"]  # one poor meeting in the period


def test_a_quality_admin_sees_one_person(chat, rows):
    _, card = chat("/trends BOB@example.com 14", email=ADMIN.upper())
    assert "bob@example.com, last 14 days" in card["markdown"]
    assert "- Meetings: 2" in card["markdown"] and "People with" not in card["markdown"]


def test_asking_for_yourself_by_email_is_your_own_view(chat, rows):
    _, card = chat("/trends ann@example.com")
    assert "you, last 30 days" in card["markdown"]


def test_a_person_by_mention(chat, rows):
    _, card = chat("/trends @p-bob", email=ADMIN)
    assert "bob@example.com, last 30 days" in card["markdown"]
    [refusal] = chat("/trends @p-bob")
    assert "Only quality admins" in refusal["markdown"]


@pytest.mark.parametrize(
    ("words", "says"),
    [
        ("/trends 5", "DAYS must be from 7 to 400 (you typed 5)"),
        ("/trends org 401", "DAYS must be from 7 to 400 (you typed 401)"),
        ("/trends everyone", "`everyone` is neither `org`, an email nor an @mention"),
        ("/export 0", "DAYS must be from 1 to 400 (you typed 0)"),
        ("/export 500", "DAYS must be from 1 to 400"),
        ("/export lots", "`lots` is not a number of days"),
    ],
)
def test_bad_arguments_say_what_to_type(chat, rows, words, says):
    [reply] = chat(words)
    assert says in reply["markdown"] and "Usage: `/" in reply["markdown"]


def read_csv(reply: dict) -> list[list[str]]:
    return list(csv.reader(io.StringIO(reply["file"]["content"].decode("utf-8"))))


def test_export_gives_a_participant_only_their_own_rows(chat, rows):
    [reply] = chat("/export")
    assert reply["file"]["filename"] == "quality-export-2026-12-01.csv"
    assert reply["file"]["contentType"] == "text/csv"
    assert reply["file"]["content"].decode().split("\n")[0] == HEADER
    _, *data = read_csv(reply)
    assert data == [[
        days_ago(2).strftime("%Y-%m-%d"), "m1", "Weekly sync", "host@example.com", "Ann",
        "ann@example.com", "wifi", "Webex Desktop 44.5", "UDP", "30", "10", "0", "0", "poor",
        "Wi-Fi",
    ]]
    assert "1 row(s)" in reply["markdown"] and "your meetings" in reply["markdown"]


def test_export_gives_a_quality_admin_the_orgs_rows(chat, rows):
    [reply] = chat("/export 400", email=ADMIN)
    _, *data = read_csv(reply)
    assert sorted((r[1], r[5]) for r in data) == [
        ("m1", "ann@example.com"), ("m1", "bob@example.com"), ("m2", "bob@example.com"),
        ("m3", "cy@example.com"), ("m4", "ann@example.com"),
    ]
    assert [r[0] for r in data] == sorted(r[0] for r in data)  # oldest first


def test_export_with_nothing_still_sends_the_file_with_its_header(chat, rows):
    [reply] = chat("/export 1")
    assert reply["file"]["content"].decode() == HEADER + "\n"
    assert "0 row(s)" in reply["markdown"]


def test_export_cells_cannot_become_formulas_and_stay_utf8(chat, runtime):
    put(row("=cmd|' /C calc'!A0", "ann@example.com", start=days_ago(1), name="+Zoë Ünal",
            title="@SUM(1+1)", cause="-2+3"))
    [reply] = chat("/export")
    _, cells = read_csv(reply)
    assert cells[1] == "'=cmd|' /C calc'!A0"
    assert cells[2] == "'@SUM(1+1)"
    assert cells[4] == "'+Zoë Ünal"
    assert cells[14] == "'-2+3"
    assert "Zoë".encode() in reply["file"]["content"]


def test_someone_webex_gives_no_email_never_sees_the_rows_of_email_less_guests(
    chat, runtime, monkeypatch
):
    """An unknown email must not become a scope matching every row without one (a phone
    guest's, another org's)."""
    put(
        row("m9", "ann@example.com", start=days_ago(2), poor=5),
        {**row("m9", "guest@x.test", start=days_ago(2), poor=9, name="Phone guest",
               org_id="org-other"), "email": "", "email_lc": "", "participant_key": "s:guest"},
    )
    monkeypatch.setattr(runtime.webex, "person", lambda pid: {"id": pid, "emails": []})
    for command in ("/trends", "/export"):
        replies = chat(command, email="", person="p-nomail")
        assert [r.get("file") for r in replies] == [None], command
        assert "your email address" in replies[0]["markdown"], command
