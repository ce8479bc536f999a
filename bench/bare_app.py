"""Baselines for bench/webhook_ack.py, served by the same gunicorn settings as the bot.

- `app`: a bare Flask route that reads the body and answers 200.
- `durable`: the fair baseline — the same route plus one durable insert per request, into
  SQLite with the bot's own pragmas (WAL, synchronous=NORMAL) or into PostgreSQL when
  BARE_DATABASE_URL is a postgresql:// URL. What the bot must do at least to never lose an ack.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading

from flask import Flask, request

app = Flask(__name__)
durable = Flask(__name__)
_local = threading.local()
URL = os.environ.get("BARE_DATABASE_URL", "sqlite:///bare.db")


@app.post("/webhooks/webex")
def receive():
    request.get_data()
    return {"status": "ok"}, 200


@app.get("/healthz")
@durable.get("/healthz")
def health():
    return {"status": "ok"}, 200


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        if URL.startswith("postgres"):
            import psycopg2
            import psycopg2.errors

            conn = psycopg2.connect(URL)
            conn.autocommit = True
            create = "CREATE TABLE IF NOT EXISTS bare (id SERIAL PRIMARY KEY, body TEXT)"
            # Another thread or process may create it at the same moment: PostgreSQL then
            # reports either error, IF NOT EXISTS notwithstanding.
            races = (psycopg2.errors.UniqueViolation, psycopg2.errors.DuplicateTable)
            with conn.cursor() as cur, contextlib.suppress(*races):
                cur.execute(create)
        else:
            conn = sqlite3.connect(URL.split("://", 1)[1][1:], isolation_level=None, timeout=15)
            conn.execute("PRAGMA journal_mode=wal")
            conn.execute("PRAGMA synchronous=normal")
            conn.execute("CREATE TABLE IF NOT EXISTS bare (id INTEGER PRIMARY KEY, body TEXT)")
        _local.conn = conn
    return conn


@durable.post("/webhooks/webex")
def receive_durably():
    body = request.get_data().decode()
    conn = _connection()
    if URL.startswith("postgres"):
        with conn.cursor() as cur:
            cur.execute("INSERT INTO bare (body) VALUES (%s)", (body,))
    else:
        conn.execute("INSERT INTO bare (body) VALUES (?)", (body,))
    return {"status": "ok"}, 200
