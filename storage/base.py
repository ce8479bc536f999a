"""The database proxy every model binds to and the time helpers every repository shares.

Below both `storage/models.py` and `storage/db.py` (which opens and upgrades the database and
so imports the models), so neither imports the other back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from peewee import DatabaseProxy

database = DatabaseProxy()

# WAL lets the web process write the inbox while workers read; the busy timeout turns
# lock contention between processes into a short wait instead of an error.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 15000,
    "synchronous": "normal",
    "foreign_keys": 1,
}


def utcnow() -> datetime:
    """Naive UTC: what every DateTimeField holds, so SQLite compares them as text correctly."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as an aware one."""
    return None if moment is None else moment.replace(tzinfo=UTC)
