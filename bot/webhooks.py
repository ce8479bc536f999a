"""POST /webhooks/webex: verify, store the receipt, answer. Never a Webex call in here."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

from flask import Blueprint, current_app, jsonify, request
from peewee import InterfaceError, OperationalError

from bot.webex.ids import ID_FIELDS, is_webex_id
from bot.webhook_admin import ORG_HOOK, WANTED
from storage import intake, spool

log = logging.getLogger(__name__)
# Bounded: a locked database costs a delivery at most this long before it is spooled, well
# inside the time Webex waits for an answer (unpublished; a few seconds is the safe bet).
ACCEPT_WAIT = 2.0
bp = Blueprint("webhooks", __name__)

RESOURCES: dict[str, set[str]] = {}
for _resource, _event in (*WANTED, ORG_HOOK):  # exactly what `webhooks sync` subscribes to
    RESOURCES.setdefault(_resource, set()).add(_event)


def signature_ok(secret: bytes, body: bytes, given: str) -> bool:
    expected = hmac.new(secret, body, hashlib.sha1).hexdigest().encode()
    # Bytes, so a header with non-ASCII characters is a wrong signature, not an error.
    return hmac.compare_digest(expected, given.strip().lower().encode("utf-8", "replace"))


def envelope_problem(envelope: object) -> str | None:
    if not isinstance(envelope, dict):
        return "the body must be a JSON object"
    resource, event, data = envelope.get("resource"), envelope.get("event"), envelope.get("data")
    # Strings first: a list or object is unhashable and must be a 400, not a TypeError.
    if not isinstance(resource, str) or not isinstance(event, str):
        return "resource and event must be strings"
    if resource not in RESOURCES or event not in RESOURCES[resource]:
        return f"unsupported resource/event {resource[:40]!r}/{event[:40]!r}"
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        return "data.id is missing"
    # Ids become URL paths in the worker: only what can be a Webex id is stored (this also
    # refuses a lone \ud800-style escape, which parses but cannot be stored).
    bad = [key for key in ID_FIELDS if key in data and not is_webex_id(data[key])]
    if bad:
        return f"data.{bad[0]} is not a Webex id"
    return None


def _spooled(path: str, fields: tuple[str, str, str, str], exc: Exception):
    """The database is locked or slow: the delivery goes to the fsynced spool, which a worker
    drains within seconds, and Webex still hears 200 at once. Only when the disk refuses the
    spool too is the answer 503 (Webex may or may not redeliver: see README, Guarantees)."""
    try:
        spool.append(path, *fields)
    except OSError:
        log.exception("could not store nor spool a delivery (database: %s)", exc)
        return jsonify(error="temporarily unable to store the delivery"), 503, {"Retry-After": "5"}
    log.warning("database busy (%s): delivery spooled to %s", type(exc).__name__, path)
    return jsonify(status="accepted", spooled=True), 200


@bp.post("/webhooks/webex")
def receive():
    body = request.get_data(cache=False)
    given = request.headers.get("X-Spark-Signature", "")
    secret = current_app.config["WEBHOOK_SECRET"]
    if not given or not signature_ok(secret, body, given):
        log.warning(
            "refused a webhook delivery with a %s signature", "wrong" if given else "missing"
        )
        return jsonify(error="invalid or missing X-Spark-Signature"), 401
    try:
        text = body.decode("utf-8")
        envelope = json.loads(text)
    except (ValueError, UnicodeError):
        return jsonify(error="the body is not valid UTF-8 JSON"), 400
    except RecursionError:
        # JSON nested a thousand levels deep: no Webex envelope looks like that.
        return jsonify(error="the body is nested too deeply"), 400
    problem = envelope_problem(envelope)
    if problem:
        return jsonify(error=problem), 400
    runtime = current_app.extensions["quality-bot"]
    try:
        intake.receive(text, now=runtime.now(), wait=ACCEPT_WAIT)
    except (intake.Busy, OperationalError, InterfaceError) as exc:
        fields = (envelope["resource"], envelope["event"], envelope["data"]["id"], text)
        return _spooled(runtime.config.spool_path, fields, exc)
    try:
        runtime.queue.submit()
    except Exception:
        # Stored durably already: the worker's pump takes it in, so the delivery is still a 200.
        log.exception("could not hand a stored delivery on; the worker will take it in")
    # A redelivery is answered alike: the worker keeps one event per (resource, event, data.id).
    return jsonify(status="accepted"), 200
