"""`/quality REF`: #N from the person's last list, meeting numbers, instance ids."""

from datetime import UTC, datetime

import pytest

from bot.meetings import QualityUnavailable, resolve_ref
from bot.webex import NotFound
from storage import meeting_lists
from storage.db import database
from storage.schema import open_database

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeUser:
    def __init__(self, series=(), ended=(), meetings=None):
        self.series, self.ended, self.meetings = list(series), list(ended), meetings or {}
        self.calls = []

    def meetings_by_number(self, number):
        self.calls.append(("number", number))
        return self.series

    def ended_meetings(self, start, end):
        self.calls.append(("ended", start, end))
        return self.ended

    def meeting(self, meeting_id):
        self.calls.append(("meeting", meeting_id))
        if meeting_id not in self.meetings:
            raise NotFound(404, "not found")
        return self.meetings[meeting_id]


@pytest.fixture(autouse=True)
def db(tmp_path):
    open_database(f"sqlite:///{tmp_path}/r.db")
    yield
    database.close()


def test_hash_n_is_the_nth_of_the_last_list_without_any_call():
    meeting_lists.save("alice", [{"id": "m1"}, {"id": "m2"}], now=NOW)
    user = FakeUser()
    assert resolve_ref(user, "alice", "#2", NOW) == {"id": "m2"}
    assert user.calls == []


def test_hash_n_out_of_range_or_without_list():
    with pytest.raises(QualityUnavailable, match="Type `/meetings` first"):
        resolve_ref(FakeUser(), "bob", "#1", NOW)
    meeting_lists.save("bob", [{"id": "m1"}], now=NOW)
    with pytest.raises(QualityUnavailable, match="has 1 meeting"):
        resolve_ref(FakeUser(), "bob", "#3", NOW)
    with pytest.raises(QualityUnavailable, match="is not a list number"):
        resolve_ref(FakeUser(), "bob", "#x", NOW)


def test_lists_are_per_person():
    meeting_lists.save("alice", [{"id": "a"}], now=NOW)
    meeting_lists.save("bob", [{"id": "b"}], now=NOW)
    assert resolve_ref(FakeUser(), "bob", "#1", NOW) == {"id": "b"}


def test_meeting_number_picks_the_latest_ended_instance_of_its_series():
    user = FakeUser(
        series=[
            {"id": "S1", "meetingNumber": "2550 123 456"},
            {"id": "OTHER", "meetingNumber": "1"},
        ],
        ended=[
            {"id": "S1_I_2", "start": "2026-11-22T10:00:00Z"},
            {"id": "X_I_9", "meetingSeriesId": "OTHER", "start": "2026-11-22T11:00:00Z"},
            {"id": "S1_I_1", "start": "2026-11-20T10:00:00Z"},
        ],
    )
    assert resolve_ref(user, "alice", "2550 123 456", NOW)["id"] == "S1_I_2"


def test_unknown_number_and_unknown_id_say_what_to_do():
    with pytest.raises(QualityUnavailable, match="No meeting with number"):
        resolve_ref(FakeUser(), "alice", "123456789", NOW)
    with pytest.raises(QualityUnavailable, match="can't find meeting `nope`"):
        resolve_ref(FakeUser(), "alice", "nope", NOW)


def test_a_refused_number_lookup_answers_clearly():
    from bot.webex import WebexError

    class Refusing(FakeUser):
        def meetings_by_number(self, number):
            raise WebexError(400, "meetingNumber not supported")

    with pytest.raises(QualityUnavailable, match="could not look up meeting number"):
        resolve_ref(Refusing(), "alice", "2550123456", NOW)
