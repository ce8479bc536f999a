"""The database: bound once from DATABASE_URL, plus the schema upgrade."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

from peewee import Database, SqliteDatabase
from playhouse import db_url
from playhouse.migrate import SchemaMigrator, migrate

# The proxy and time helpers live below the models; imported from here too, as they always were.
from storage.base import SQLITE_PRAGMAS, aware, database, to_utc_naive, utcnow
from storage.models import ALL_MODELS

__all__ = [
    "SQLITE_PRAGMAS",
    "aware",
    "database",
    "open_database",
    "ping",
    "sqlite_path",
    "to_utc_naive",
    "upgrade",
    "utcnow",
]

log = logging.getLogger(__name__)


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
            # The table exists: IF NOT EXISTS makes only the indexes that are new.
            db.create_tables([model], safe=True)
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
