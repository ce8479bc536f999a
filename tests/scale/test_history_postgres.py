"""The history on PostgreSQL: the same upsert, week arithmetic, aggregates and pruning as on
SQLite (integer division, EXCLUDED, GROUP BY position)."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.history.trends import load
from storage import history
from storage.db import database
from storage.history import Scope
from storage.schema import open_database
from tests.history.conftest import NOW, ORG, put, row


@pytest.fixture
def pg(pg_url):
    open_database(pg_url)
    yield pg_url
    database.close()


def test_history_queries_agree_with_sqlite(pg):
    monday = datetime(2026, 11, 30, 9, tzinfo=UTC)
    put(
        row("a", "ann@example.com", start=monday, poor=3, cause="Wi-Fi"),
        row("a", "bob@example.com", start=monday, poor=6, network="cellular", cause="upload"),
        row("b", "bob@example.com", start=monday - timedelta(days=1), poor=6, cause="upload"),
        row("old", "bob@example.com", start=NOW - timedelta(days=500)),
    )
    # Analysed again without Bob: his row of meeting a goes, Ann's is updated in place.
    put(row("a", "ann@example.com", start=monday, poor=3, cause="Wi-Fi"))
    weeks = history.weekly(Scope(org_id=ORG), NOW - timedelta(days=14), NOW)
    day = (date(2026, 11, 30) - date(1970, 1, 1)).days
    assert [(w.monday, w.network, w.rows, w.leads) for w in weeks] == [
        (day - 7, "wifi", 1, 1), (day, "wifi", 1, 1),
    ]
    t = load(Scope(org_id=ORG), "the organization", 14, NOW, org_view=True)
    assert (t.current.meetings, t.current.rows) == (2, 2)
    assert sorted(t.causes) == [("Wi-Fi", 1), ("upload", 1)]
    assert t.repeat == []
    assert history.prune(NOW - timedelta(days=400)) == 1
    assert len(history.raw_rows(Scope(), NOW - timedelta(days=999), NOW)) == 2
