"""A meeting's report is analysed once per fetch in a process, whoever asks for it."""

from datetime import UTC, datetime, timedelta

import pytest

from bot import meetings
from storage.db import database
from storage.schema import open_database
from tests.quality import factory


@pytest.fixture
def db(tmp_path):
    open_database(f"sqlite:///{tmp_path}/q.db")
    yield
    database.close()


def now() -> datetime:
    return datetime.now(UTC)


class User:
    def __init__(self) -> None:
        self.calls = 0

    def qualities(self, meeting_id: str) -> list[dict]:
        self.calls += 1
        return [factory.item("Ana Lima"), factory.item("Bo Chen", loss=12)]


def test_a_second_asker_gets_the_same_report_without_another_analysis(db, monkeypatch):
    analysed = []
    real = meetings.analyze_meeting
    def counted(items, meeting):
        analysed.append(1)
        return real(items, meeting)

    monkeypatch.setattr(meetings, "analyze_meeting", counted)
    start = datetime.now(UTC) - timedelta(hours=2)
    meeting = {**factory.meeting(start=start), "id": "m-report-once"}
    user = User()
    first, fetched = meetings.load_report(user, meeting, clock=now, min_interval=300)
    second, again = meetings.load_report(user, dict(meeting), clock=now, min_interval=300)
    assert user.calls == 1 and len(analysed) == 1
    assert second is first and again == fetched
    assert {p.name for p in first.participants} == {"Ana Lima", "Bo Chen"}
