"""`/v1/events`: the org's activity (messages, memberships, rooms, card presses), newest first.

On Webex only compliance officers read it; the sandbox lets org admins, who are the sandbox's
most privileged people. Message events carry the message as it is now (with its text) while it
exists, else what the webhook carried.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from sandbox import objects
from sandbox.http import ApiFault, caller, paged, time_arg, world
from sandbox.world import World, iso

bp = Blueprint("events", __name__)


def _event(w: World, e: dict[str, Any]) -> dict[str, Any]:
    data = e["data"]
    msg = w.messages.get(str(data.get("id"))) if e["resource"] == "messages" else None
    if msg is not None and e["type"] != "deleted":
        data = {**data, **objects.message(w, msg)}
    return {"id": e["id"], "resource": e["resource"], "type": e["type"], "appId": objects.APP_ID,
            "actorId": e["actorId"], "orgId": w.org_id, "created": iso(e["created"]),
            "data": data}


def _admin() -> None:
    if not caller().admin:
        raise ApiFault(403, "Only compliance officers (in the sandbox: org admins) read events.")


@bp.get("/events")
def events_list():
    w = world()
    _admin()
    start, end = time_arg("from"), time_arg("to")
    wanted = {k: request.args.get(k) for k in ("resource", "type", "actorId")}
    with w.lock:
        found = [e for e in reversed(w.activity)
                 if all(v in (None, "") or e[k] == v for k, v in wanted.items())
                 and (start is None or e["created"] >= start)
                 and (end is None or e["created"] < end)]
        return paged([_event(w, e) for e in found])


@bp.get("/events/<event_id>")
def events_get(event_id: str):
    w = world()
    _admin()
    with w.lock:
        for e in w.activity:
            if e["id"] == event_id:
                return jsonify(_event(w, e))
    raise ApiFault(404, "Could not find an event with provided ID.")
