"""The scale-out configuration against real servers: PostgreSQL for DATABASE_URL and the queue,
Redis for the queue. `make test` starts both with scripts/test-services."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from bot.config import read_dotenv

SERVICES = read_dotenv(Path(__file__).resolve().parents[2] / "data" / "test-services.env")


def _url(name: str) -> str:
    url = os.environ.get(name) or SERVICES.get(name)
    if not url:
        message = f"{name} not set: run `scripts/test-services start` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run these, never skip them
        pytest.skip(message)
    return url


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    psycopg2 = pytest.importorskip("psycopg2")
    admin_url = _url("QB_TEST_POSTGRES_URL")
    name = f"qb_{uuid.uuid4().hex[:12]}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    conn.cursor().execute(f"CREATE DATABASE {name}")
    yield admin_url.rsplit("/", 1)[0] + "/" + name
    from storage.db import database

    if database.obj is not None:
        database.close()
    conn.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.close()


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = _url("QB_TEST_REDIS_URL")
    redis.Redis.from_url(url).flushdb()
    return url
