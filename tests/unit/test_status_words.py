"""/status answers first what a newcomer wants to know: will /meetings and /quality work for me?"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.accounts.model import ConnectionInfo
from handlers.status import connection_lines, what_works

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def person(scopes: str = "spark:people_read", broken: bool = False) -> ConnectionInfo:
    return ConnectionInfo(
        email="maya@example.com", display_name="Maya", scopes=scopes,
        access_expires_at=NOW + timedelta(days=14), refresh_expires_at=None,
        connected_at=NOW, broken=broken,
    )


@pytest.mark.parametrize(
    ("personal", "org_serves", "expected"),
    [
        (None, True, "work for you** through your organization's connection: no `/connect`"),
        (person(), True, "through your organization's connection"),
        (person("analytics:read_all"), False, "work for you** with your own account"),
        (person(), False, "**`/meetings` works for you; `/quality` does not**"),
        (person(broken=True), False, "Neither `/meetings` nor `/quality` works for you yet"),
        (None, False, "Neither `/meetings` nor `/quality` works for you yet"),
        (None, None, "could not tell whether your organization is connected"),
    ],
)
def test_what_works_says_whether_quality_will_work(personal, org_serves, expected):
    assert expected in what_works(personal, org_serves)


def test_no_connect_asked_when_the_org_serves_the_person():
    [line] = connection_lines(None, NOW, org_serves=True)
    assert "/connect" not in line and "need not be" in line
    [line] = connection_lines(None, NOW)
    assert "Not connected" in line and "/connect" in line
