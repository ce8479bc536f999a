"""`/_sandbox/*`: unauthenticated, loopback-only controls for tests, scripts and the chat page.

Feeds (`calls`, `events`, `deliveries`) answer `{"items": [...], "next": N}`; pass `since=N`
to get only newer entries, and `wait=S` (≤ 30 s) to long-poll until at least one arrives.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, request

from sandbox import objects
from sandbox.api_core import file_response
from sandbox.http import loopback_only, world
from sandbox.world import Failure, World, iso, parse_iso

bp = Blueprint("sandbox_admin", __name__)
bp.before_request(loopback_only)


def state(w: World) -> dict[str, Any]:
    """The contract's state file (§8) plus the seeded integration's credentials."""
    with w.lock:
        bot = w.people[w.bot_id]
        base = w.base_url
        return {
            "api_url": f"{base}/v1",
            "analytics_url": f"{base}/analytics/v1",
            "chat_url": f"{base}/",
            "bot": {"id": bot.id, "email": bot.email, "displayName": bot.display_name,
                    "token": w.token_for(bot.id)},
            "people": [
                {"id": p.id, "email": p.email, "displayName": p.display_name,
                 "token": w.token_for(p.id), "admin": p.admin}
                for p in w.people.values() if not p.is_bot
            ],
            "rooms": [
                {"id": r.id, "title": r.title, "type": r.type,
                 "memberEmails": [w.people[pid].email for pid in w.members(r.id)]}
                for r in w.rooms.values()
            ],
            "integration": {"client_id": w.client_id, "client_secret": w.client_secret},
            "org": {"id": w.org_id, "adminEmail": next(
                (p.email for p in w.people.values()
                 if p.admin and not p.is_bot and w.org_of(p) == w.org_id), "")},
            "serviceApp": dict(w.service_app),
            # Not in the contract: who is in the second org (for outsider tests and the demo).
            "otherOrg": {"id": w.other_org_id, "adminEmail": next(
                (p.email for p in w.people.values() if p.admin and p.org_id == w.other_org_id),
                ""), "memberEmails": [p.email for p in w.people.values()
                                      if p.org_id and p.org_id == w.other_org_id]},
        }


def _feed(entries_name: str):
    w = world()
    since = request.args.get("since", 0, type=int)
    wait = min(request.args.get("wait", 0, type=float), 30.0)
    with w.lock:
        entries: list[dict[str, Any]] = getattr(w, entries_name)
        if wait > 0:
            w.changed.wait_for(lambda: len(entries) > since, timeout=wait)
        return jsonify({"items": entries[since:], "next": len(entries)})


@bp.get("/state")
def get_state():
    return jsonify(state(world()))


@bp.get("/calls")
def calls():
    return _feed("calls")


@bp.post("/calls/reset")
def reset_calls():
    w = world()
    with w.lock:
        w.calls.clear()
    return jsonify({"next": 0})


@bp.get("/events")
def events():
    return _feed("events")


@bp.get("/deliveries")
def deliveries():
    return _feed("deliveries")


@bp.get("/webhooks")
def webhooks():
    w = world()
    with w.lock:
        return jsonify({"items": [
            {**objects.webhook(w, h), "consecutiveFailures": h.consecutive_failures}
            for h in w.webhooks.values()
        ]})


@bp.route("/clock", methods=["GET", "POST"])
def clock():
    w = world()
    if request.method == "POST":
        body = request.get_json(silent=True) or {}
        if "advance" in body:
            w.advance(float(body["advance"]))
        elif "set" in body:
            w.set_clock(parse_iso(str(body["set"])))
        else:
            return jsonify({"message": "give 'advance' (seconds) or 'set' (ISO time)"}), 400
    return jsonify({"now": iso(w.now())})


@bp.post("/tokens/expire")
def expire_token():
    w = world()
    value = (request.get_json(silent=True) or {}).get("token", "")
    with w.lock:
        token = w.tokens.get(value)
        if token is None:
            return jsonify({"message": "unknown token"}), 404
        token.expires_at = w.now()
    return jsonify({"expired": True})


@bp.route("/fail", methods=["POST", "DELETE"])
def fail():
    w = world()
    with w.lock:
        if request.method == "DELETE":
            w.failures.clear()
            return jsonify({"failures": 0})
        body = request.get_json(silent=True) or {}
        retry = body.get("retry_after")
        w.failures.append(Failure(str(body.get("path_prefix", "/v1")), int(body.get("status", 503)),
                                  int(body.get("count", 1)),
                                  int(retry) if retry is not None else None,
                                  body.get("method"), bool(body.get("after")),
                                  min(float(body.get("delay", 0)), 120.0),
                                  bool(body.get("bot_only"))))
        return jsonify({"failures": len(w.failures)})


@bp.get("/contents/<content_id>")
def content(content_id: str):
    """The same bytes as `/v1/contents/<id>`, without a token, so `<img src>` works in a page."""
    w = world()
    with w.lock:
        c = w.contents.get(content_id)
        if c is None:
            abort(404)
        return file_response(c.data, c.content_type, c.filename)
