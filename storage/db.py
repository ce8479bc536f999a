"""The database: one Peewee proxy, bound once from DATABASE_URL, plus the schema upgrade."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from peewee import Database, DatabaseProxy, SqliteDatabase
from playhouse import db_url
from playhouse.migrate import SchemaMigrator, migrate

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


def aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def sqlite_path(url: str) -> str:
    """`sqlite:///data/x.db` is relative, `sqlite:////tmp/x.db` absolute; the folder is made."""
    path = url.split("://", 1)[1][1:] or ":memory:"
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


def open_database(url: str) -> Database:
    """Bind the proxy to the database at ``url`` and make sure the schema is current."""
    if urlparse(url).scheme.startswith("sqlite"):
        path = sqlite_path(url)
        db: Database = SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=15)
    else:
        db = db_url.connect(url)
    database.initialize(db)
    upgrade()
    return db


def upgrade() -> list[str]:
    """Create missing tables, columns and indexes; returns what changed."""
    from storage.models import ALL_MODELS

    db = database.obj
    changes: list[str] = []
    with database.connection_context():
        existing = set(db.get_tables())
        for model in ALL_MODELS:
            table = model._meta.table_name
            if table not in existing:
                db.create_tables([model], safe=True)
                changes.append(f"created table {table}")
                continue
            have = {c.name for c in db.get_columns(table)}
            missing = [f for f in model._meta.sorted_fields if f.column_name not in have]
            if missing:
                migrator = SchemaMigrator.from_database(db)
                migrate(*(migrator.add_column(table, f.column_name, f) for f in missing))
                changes.extend(f"added column {table}.{f.column_name}" for f in missing)
            before = {i.name for i in db.get_indexes(table)}
            model._schema.create_indexes(safe=True)  # IF NOT EXISTS: only new ones are made
            changes.extend(
                f"added index {name}" for name in {i.name for i in db.get_indexes(table)} - before
            )
    for change in changes:
        log.info("schema: %s", change)
    return changes


def ping() -> bool:
    try:
        database.execute_sql("SELECT 1")
        return True
    except Exception:
        log.warning("database did not answer", exc_info=True)
        return False
