"""GET /healthz: 200 when the database and the queue answer, 503 otherwise."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from storage import inbox
from storage.db import ping

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    runtime = current_app.extensions["quality-bot"]
    database_ok = ping()
    queue_ok = runtime.queue.ping()
    body: dict[str, object] = {
        "status": "ok" if database_ok and queue_ok else "unavailable",
        "database": "ok" if database_ok else "unavailable",
        "queue": "ok" if queue_ok else "unavailable",
    }
    if database_ok:
        body["inbox"] = inbox.counts()
    return jsonify(body), 200 if database_ok and queue_ok else 503
