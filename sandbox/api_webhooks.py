"""`/v1/webhooks`: CRUD scoped to the token's person, as on Webex."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from sandbox import objects
from sandbox.http import ApiFault, bearer, caller, json_body, paged, world
from sandbox.world import Person, Webhook, World, webex_id

bp = Blueprint("webhooks", __name__)

RESOURCES = {"all", "messages", "memberships", "rooms", "attachmentActions", "meetings",
             "recordings", "meetingParticipants", "meetingTranscripts"}
EVENTS = {"all", "created", "updated", "deleted", "started", "ended", "joined", "left"}
# Resources a bot has no access to (bots never join meetings); org-level hooks exist only for them.
MEETING_RESOURCES = {"meetings", "recordings", "meetingParticipants", "meetingTranscripts"}
ORG_HOOK_SCOPE = "meeting:admin_schedule_read"
BOT_REFUSED = "Bots cannot create webhooks for meeting resources (bots have no meeting access)."


def _own(w: World, me: Person, webhook_id: str) -> Webhook:
    hook = w.webhooks.get(webhook_id)
    if hook is None or hook.owner_id != me.id:
        raise ApiFault(404, "Could not find a webhook with provided ID.")
    return hook


def _text(body: dict, key: str, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ApiFault(400, f"{key} is required.")
        return None
    if not isinstance(value, str):
        raise ApiFault(400, f"{key} must be a string.")
    return value


def _target(body: dict) -> str:
    url = _text(body, "targetUrl")
    assert url is not None
    if not url.startswith(("http://", "https://")):
        raise ApiFault(400, "targetUrl must be an http(s) URL.")
    return url


def _owned_by(me: Person, body: dict, resource: str) -> str:
    """`ownedBy: org` is for org admins and meeting resources only; bots get no meeting hooks."""
    owned_by = _text(body, "ownedBy", False) or "creator"
    if owned_by not in ("creator", "org"):
        raise ApiFault(400, "ownedBy must be 'creator' or 'org'.")
    # Only bots: a Service App's machine account (an org connection) may own meeting hooks.
    if me.type == "bot" and resource in MEETING_RESOURCES:
        raise ApiFault(403, BOT_REFUSED)
    if owned_by == "org":
        if resource not in MEETING_RESOURCES:
            raise ApiFault(400, f"ownedBy 'org' is not supported for resource {resource!r}.")
        if not me.admin or ORG_HOOK_SCOPE not in bearer().scopes:
            raise ApiFault(403, "An org-level webhook needs an org admin token with "
                                f"{ORG_HOOK_SCOPE}.")
    return owned_by


@bp.get("/webhooks")
def list_webhooks():
    w, me = world(), caller()
    with w.lock:
        return paged([objects.webhook(w, h) for h in w.webhooks.values() if h.owner_id == me.id])


@bp.post("/webhooks")
def create_webhook():
    w, me = world(), caller()
    body = json_body()
    name, target = _text(body, "name"), _target(body)
    resource, event = _text(body, "resource"), _text(body, "event")
    if resource not in RESOURCES:
        raise ApiFault(400, f"Unknown resource {resource!r}.")
    if event not in EVENTS:
        raise ApiFault(400, f"Unknown event {event!r}.")
    filt, secret = _text(body, "filter", False), _text(body, "secret", False)
    if filt and any("=" not in part for part in filt.split("&")):
        raise ApiFault(400, "filter must be key=value pairs joined with '&'.")
    owned_by = _owned_by(me, body, resource or "")
    with w.lock:
        hook = Webhook(webex_id("WEBHOOK"), me.id, name or "", target, resource or "",
                       event or "", w.now(), filt, secret, owned_by=owned_by)
        w.webhooks[hook.id] = hook
        return jsonify(objects.webhook(w, hook))


@bp.get("/webhooks/<webhook_id>")
def get_webhook(webhook_id: str):
    w, me = world(), caller()
    with w.lock:
        return jsonify(objects.webhook(w, _own(w, me, webhook_id)))


@bp.put("/webhooks/<webhook_id>")
def update_webhook(webhook_id: str):
    w, me = world(), caller()
    body = json_body()
    name, target = _text(body, "name"), _target(body)
    secret, status = _text(body, "secret", False), _text(body, "status", False)
    if status not in (None, "active", "inactive"):
        raise ApiFault(400, "status must be 'active' or 'inactive'.")
    with w.lock:
        hook = _own(w, me, webhook_id)
        hook.name, hook.target_url = name or hook.name, target
        if secret is not None:
            hook.secret = secret
        # Webex lets an owner revive a webhook it deactivated, never switch one off.
        if status == "active" and hook.status != "active":
            hook.status, hook.consecutive_failures = "active", 0
        return jsonify(objects.webhook(w, hook))


@bp.delete("/webhooks/<webhook_id>")
def delete_webhook(webhook_id: str):
    w, me = world(), caller()
    with w.lock:
        del w.webhooks[_own(w, me, webhook_id).id]
    return Response(status=204)
