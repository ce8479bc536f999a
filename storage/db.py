"""The database: one Peewee proxy every model binds to (`storage/schema.py` binds it to
DATABASE_URL), the SQLite pragmas, and the time helpers every repository shares.

Below `storage/models.py`, which imports it; the schema upgrade, which needs the models, is in
`storage/schema.py`, so nothing imports back.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import overload

from peewee import DatabaseProxy

from storage.files import private_file

log = logging.getLogger(__name__)

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


def sqlite_path(url: str) -> str:
    """`sqlite:///data/x.db` is relative, `sqlite:////tmp/x.db` absolute. The folder (0700) and
    the file (0600) are made private before SQLite would create them world-readable."""
    path = url.split("://", 1)[1][1:] or ":memory:"
    if path != ":memory:" and not path.startswith("file:"):
        private_file(path)
    return path


def ping() -> bool:
    try:
        database.execute_sql("SELECT 1")
        return True
    except Exception:
        log.warning("database did not answer", exc_info=True)
        return False
