"""`/v1` people, rooms, memberships, messages, contents and attachment actions."""

from __future__ import annotations

import mimetypes
import re
from typing import Any
from urllib.parse import quote, unquote, urlparse

import requests
from flask import Blueprint, Response, jsonify, request

from sandbox import objects
from sandbox.http import ApiFault, caller, int_arg, json_body, next_link, paged, world
from sandbox.messaging import (
    Upload,
    add_member,
    create_message,
    delete_message,
    edit_message,
    may_manage_members,
    readable_message,
    submit_action,
    visible_room,
)
from sandbox.world import parse_iso

bp = Blueprint("core", __name__)
MAX_FILE_BYTES = 100 * 1024 * 1024


@bp.get("/people/me")
def people_me():
    w, me = world(), caller()
    with w.lock:
        return jsonify(objects.person(w, me))


@bp.get("/people/<person_id>")
def people_get(person_id: str):
    w = world()
    caller()
    with w.lock:
        p = w.people.get(person_id)
        if p is None:
            raise ApiFault(404, "Could not find a person with provided ID.")
        return jsonify(objects.person(w, p))


@bp.get("/people")
def people_list():
    w = world()
    caller()
    email, ids, name = (request.args.get(k) for k in ("email", "id", "displayName"))
    with w.lock:
        found = list(w.people.values())
        if email:
            found = [p for p in found if p.email == email.lower()]
        if ids:
            wanted = set(ids.split(","))
            found = [p for p in found if p.id in wanted]
        if name:
            found = [p for p in found if p.display_name.lower().startswith(name.lower())]
        return paged([objects.person(w, p) for p in found])


@bp.get("/rooms")
def rooms_list():
    w, me = world(), caller()
    kind = request.args.get("type")
    with w.lock:
        rooms = [r for r in w.rooms.values() if w.is_member(r.id, me.id)]
        if kind:
            rooms = [r for r in rooms if r.type == kind]
        if request.args.get("teamId"):
            rooms = [r for r in rooms if r.team_id == request.args["teamId"]]
        sort = request.args.get("sortBy", "lastactivity")
        key = (lambda r: r.created) if sort == "created" else (lambda r: r.last_activity)
        rooms.sort(key=key, reverse=True)
        return paged([objects.room(w, r, me.id) for r in rooms])


@bp.get("/rooms/<room_id>")
def rooms_get(room_id: str):
    w, me = world(), caller()
    with w.lock:
        return jsonify(objects.room(w, visible_room(w, room_id, me.id), me.id))


@bp.get("/memberships")
def memberships_list():
    w, me = world(), caller()
    room_id, person_id = request.args.get("roomId"), request.args.get("personId")
    email = request.args.get("personEmail")
    with w.lock:
        if room_id:
            visible_room(w, room_id, me.id)
            found = [m for m in w.memberships.values() if m.room_id == room_id]
        else:  # without a room Webex lists the caller's own memberships
            found = [m for m in w.memberships.values() if m.person_id == me.id]
        if person_id:
            found = [m for m in found if m.person_id == person_id]
        if email:
            found = [m for m in found if w.people[m.person_id].email == email.lower()]
        return paged([objects.membership(w, m) for m in found])


@bp.post("/memberships")
def memberships_create():
    w, me = world(), caller()
    body = json_body()
    with w.lock:
        room = visible_room(w, str(body.get("roomId")), me.id)
        may_manage_members(w, room, me)
        p = w.people.get(body.get("personId", "")) or w.person_by_email(body.get("personEmail", ""))
        if p is None:
            raise ApiFault(404, "Could not find the person to add.")
        moderator = bool(body.get("isModerator"))
        if moderator:  # a space with a moderator is a moderated (locked) space
            room.is_locked = True
        return jsonify(add_member(w, room, p, me, moderator))


def _message_fields() -> tuple[dict[str, Any], Upload | None]:
    if request.mimetype == "multipart/form-data":
        fields: dict[str, Any] = request.form.to_dict()
        files = request.files.getlist("files")
        if len(files) > 1:
            raise ApiFault(400, "Only one file may be attached to a message.")
        upload = None
        if files:
            f = files[0]
            kind = f.mimetype or "application/octet-stream"
            upload = Upload(f.filename or "file", kind, f.read())
        return fields, upload
    fields = json_body()
    urls = fields.pop("files", None)
    if not urls:
        return fields, None
    if not isinstance(urls, list) or len(urls) != 1 or not isinstance(urls[0], str):
        raise ApiFault(400, "files must be a list of one URL.")
    return fields, _fetch(urls[0])


def _fetch(url: str) -> Upload:
    """Webex downloads a file given by URL when the message is posted; so does the sandbox."""
    if not url.startswith(("http://", "https://")):
        raise ApiFault(400, "files must hold a public http(s) URL.")
    try:
        with requests.get(url, timeout=10, stream=True) as resp:
            resp.raise_for_status()
            data = resp.raw.read(MAX_FILE_BYTES + 1, decode_content=True)
            kind = resp.headers.get("Content-Type", "").split(";")[0].strip()
            disposition = resp.headers.get("Content-Disposition", "")
    except requests.RequestException as exc:
        raise ApiFault(400, f"Could not download the file at {url}: {type(exc).__name__}.") \
            from None
    if len(data) > MAX_FILE_BYTES:
        raise ApiFault(400, "The file is larger than 100 MB.")
    named = re.search(r'filename="([^"]+)"', disposition)
    name = named.group(1) if named else unquote(urlparse(url).path.rsplit("/", 1)[-1]) or "file"
    return Upload(name, kind or mimetypes.guess_type(name)[0] or "application/octet-stream", data)


@bp.post("/messages")
def messages_create():
    w, me = world(), caller()
    fields, upload = _message_fields()
    with w.lock:
        msg = create_message(w, me, fields, upload)
        return jsonify(objects.message(w, msg))


@bp.get("/messages/<message_id>")
def messages_get(message_id: str):
    w, me = world(), caller()
    with w.lock:
        return jsonify(objects.message(w, readable_message(w, message_id, me)))


@bp.put("/messages/<message_id>")
def messages_edit(message_id: str):
    w, me = world(), caller()
    fields = json_body()
    with w.lock:
        return jsonify(objects.message(w, edit_message(w, message_id, me, fields)))


@bp.get("/messages/direct")
def messages_direct():
    """The caller's 1:1 messages with one person, newest first (`parentId` for a thread)."""
    w, me = world(), caller()
    person_id, email = request.args.get("personId"), request.args.get("personEmail")
    if bool(person_id) == bool(email):
        raise ApiFault(400, "Exactly one of personId or personEmail is required.")
    with w.lock:
        other = w.people.get(person_id or "") or w.person_by_email(email or "")
        room = w.direct_room(me.id, other.id) if other else None
        if room is None:
            return jsonify({"items": []})
        found = [m for m in reversed(w.messages.values()) if m.room_id == room.id]
        if request.args.get("parentId"):
            found = [m for m in found if m.parent_id == request.args["parentId"]]
        return paged([objects.message(w, m) for m in found], default_max=50)


@bp.delete("/messages/<message_id>")
def messages_delete(message_id: str):
    w, me = world(), caller()
    with w.lock:
        delete_message(w, message_id, me)
    return Response(status=204)


@bp.get("/messages")
def messages_list():
    w, me = world(), caller()
    room_id = request.args.get("roomId")
    if not room_id:
        raise ApiFault(400, "roomId is required.")
    size = int_arg("max", 50, 1, 1000)
    mentioned = request.args.get("mentionedPeople")
    with w.lock:
        room = visible_room(w, room_id, me.id)
        if me.is_bot and room.type == "group" and mentioned not in ("me", me.id):
            raise ApiFault(403, "Bots must use mentionedPeople=me to list group space messages.")
        found = [m for m in reversed(w.messages.values()) if m.room_id == room.id]
        if request.args.get("parentId"):
            found = [m for m in found if m.parent_id == request.args["parentId"]]
        if mentioned:
            wanted = {me.id if x == "me" else x for x in mentioned.split(",")}
            found = [m for m in found if wanted & set(m.mentioned_people)]
        if request.args.get("before"):
            try:
                before = parse_iso(request.args["before"])
            except ValueError:
                raise ApiFault(400, "before must be an ISO 8601 time.") from None
            found = [m for m in found if m.created < before]
        anchor = request.args.get("beforeMessage")
        if anchor:
            ids = [m.id for m in found]
            found = found[ids.index(anchor) + 1:] if anchor in ids else []
        page = found[:size]
        resp = jsonify({"items": [objects.message(w, m) for m in page]})
        if len(found) > size:
            resp.headers["Link"] = next_link(beforeMessage=page[-1].id, max=size)
        return resp


@bp.get("/contents/<content_id>")
def contents_get(content_id: str):
    w, me = world(), caller()
    with w.lock:
        content = w.contents.get(content_id)
        if content is None or not w.is_member(content.room_id, me.id):
            raise ApiFault(404, "Could not find the requested content.")
        return file_response(content.data, content.content_type, content.filename)


def file_response(data: bytes, content_type: str, filename: str) -> Response:
    resp = Response(data, content_type=content_type)
    resp.headers["Content-Disposition"] = (
        f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    )
    return resp


@bp.post("/attachment/actions")
def actions_create():
    w, me = world(), caller()
    body = json_body()
    with w.lock:
        return jsonify(objects.action(submit_action(w, me, body)))


@bp.get("/attachment/actions/<action_id>")
def actions_get(action_id: str):
    w, me = world(), caller()
    with w.lock:
        action = w.actions.get(action_id)
        if action is None or not w.is_member(action.room_id, me.id):
            raise ApiFault(404, "Could not find an attachment action with provided ID.")
        return jsonify(objects.action(action))
