"""The schema: `open_database` binds storage.db's proxy to DATABASE_URL and brings the tables,
columns and indexes up to date (`quality-bot db upgrade` runs the same)."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from peewee import Database, SqliteDatabase
from playhouse import db_url
from playhouse.migrate import SchemaMigrator, migrate

from storage.db import SQLITE_PRAGMAS, database, sqlite_path
from storage.models import ALL_MODELS

log = logging.getLogger(__name__)


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
