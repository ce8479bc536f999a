"""Every analysis leaves one history row per (meeting, participant): built from the report,
written once however often the meeting is analysed again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.history import history_rows, record_meeting
from bot.quality.analysis import analyze_meeting
from storage import history
from storage.history import Scope
from tests.quality import factory

START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
WIDE = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def meeting(meeting_id: str = "m1_I_1") -> dict:
    return {**factory.meeting(start=START), "id": meeting_id, "hostEmail": "Ana.Lima@Example.com"}


def items() -> list[dict]:
    return [
        factory.item("Ana Lima", start=START, loss=12.0),
        factory.item("Bo Chen", start=START, network="ethernet"),
        factory.item("Cy Diaz", start=START, email="", participant_id="dial-in-7", video=False),
    ]


def stored() -> list:
    return sorted(history.raw_rows(Scope(), *WIDE), key=lambda r: r.participant_key)


def test_one_row_per_participant_and_analysing_again_changes_nothing(runtime):
    report = analyze_meeting(items(), meeting())
    assert record_meeting(meeting(), report, "org-1") == 3
    first = [(r.id, r.meeting_id, r.participant_key) for r in stored()]
    assert record_meeting(meeting(), analyze_meeting(items(), meeting()), "org-1") == 3
    assert [(r.id, r.meeting_id, r.participant_key) for r in stored()] == first
    assert [key for _, _, key in first] == ["ana.lima@example.com", "bo.chen@example.com",
                                            "dial-in-7"]


def test_a_later_analysis_updates_the_rows_and_drops_participants_it_no_longer_has(runtime):
    record_meeting(meeting(), analyze_meeting(items(), meeting()), "org-1")
    fewer = [factory.item("Ana Lima", start=START), factory.item("Bo Chen", start=START)]
    record_meeting(meeting(), analyze_meeting(fewer, meeting()), "org-1")
    rows = stored()
    assert [r.participant_key for r in rows] == ["ana.lima@example.com", "bo.chen@example.com"]
    assert rows[0].verdict == "good" and rows[0].poor_minutes == 0


def test_rows_carry_the_meeting_and_the_participants_fields(runtime):
    record_meeting(meeting(), analyze_meeting(items(), meeting()), None)
    ana, bo, dial_in = stored()
    assert (ana.meeting_id, ana.title, ana.host_lc, ana.org_id) == (
        "m1_I_1", "Weekly sync", "ana.lima@example.com", "")
    assert ana.start == START.replace(tzinfo=None)
    assert (ana.name, ana.email, ana.email_lc) == ("Ana Lima", "ana.lima@example.com",
                                                   "ana.lima@example.com")
    assert (ana.network, bo.network, ana.client) == ("wifi", "ethernet", "Webex Desktop 44.5")
    assert ana.transport == "UDP"
    assert ana.verdict == "poor" and ana.poor_minutes == ana.minutes == 30
    assert (ana.poor_audio, ana.poor_video, ana.poor_sharing) == (30, 30, 0)
    assert ana.cause == "Wi-Fi"  # §11: poor both ways on a wifi network
    assert bo.verdict == "good" and bo.cause == "" and bo.poor_minutes == 0
    assert dial_in.email == "" and dial_in.name == "Cy Diaz"


@dataclass(frozen=True)
class Person:
    """A participant with just the attributes the history reads (the causes interface)."""

    key: str
    name: str
    email: str
    network: str
    client: str
    verdict: str
    poor_minutes: int
    data_minutes: int
    cause: str
    transport: str
    active_minutes: float
    poor_minutes_by_channel: dict[str, float]
    poor_due_to: list[str] = field(default_factory=list)
    fair_due_to: list[str] = field(default_factory=list)
    streams: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    meeting_id: str
    title: str
    start: datetime | None
    participants: list[Person]


def test_rows_take_the_causes_attributes_as_they_are():
    p = Person("eve@example.com", "Eve", "Eve@Example.com", "wifi", "Webex Mobile", "poor", 9, 40,
               "TCP", "TCP", 41.5, {"audio": 6.0, "video": 9.0, "share": 1.5})
    [row] = history_rows({"id": "m2", "title": "Sync"}, Report("m2", "Sync", START, [p]), "o")
    assert (row["cause"], row["transport"], row["minutes"]) == ("TCP", "TCP", 41.5)
    assert (row["poor_audio"], row["poor_video"], row["poor_sharing"]) == (6.0, 9.0, 1.5)
    assert (row["email"], row["email_lc"], row["org_id"]) == ("Eve@Example.com",
                                                              "eve@example.com", "o")


def test_a_meeting_without_any_time_is_not_recorded():
    assert history_rows({"id": "m3"}, Report("m3", "", None, []), None) == []
