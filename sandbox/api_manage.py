"""`/v1` endpoints that change the org's shape: rooms, one membership, people (admin).

Rules follow the Webex reference where it states them and stay simple where it does not:
- A new group room has its creator as member (a moderator when `isLocked`); `rooms`/`created`
  and `memberships`/`created` reach the creator's webhooks.
- In a locked (moderated) room only moderators add, remove or promote others; anyone may leave.
  A 1:1 room has no membership changes, no title edits and cannot be deleted.
- Deleting a room (its creator or a moderator) deletes its messages and memberships.
- People are created, updated and deleted by org admins (`roles` holds the full-admin role);
  a created person gets a personal token (in `/_sandbox/state`) so tests can act as them.
  A person hosting meeting series cannot be deleted (409): the sandbox keeps meetings whole.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from sandbox import objects
from sandbox.deliveries import fan_out
from sandbox.http import ApiFault, caller, json_body, world
from sandbox.messaging import may_manage_members, visible_room
from sandbox.seed import BOT_SCOPES, USER_SCOPES, new_token
from sandbox.world import Membership, Person, Room, Token, World, webex_id

bp = Blueprint("manage", __name__)


def _title(body: dict[str, Any], required: bool = True) -> str | None:
    title = body.get("title")
    if title in (None, "") and not required:
        return None
    if not isinstance(title, str) or not title.strip():
        raise ApiFault(400, "title is required: a non-empty string.")
    return title.strip()


def _flag(body: dict[str, Any], key: str) -> bool | None:
    value = body.get(key)
    if value is not None and not isinstance(value, bool):
        raise ApiFault(400, f"{key} must be true or false.")
    return value


def _is_moderator(w: World, room_id: str, person_id: str) -> bool:
    m = w.membership(room_id, person_id)
    return bool(m and m.is_moderator)


# -- rooms -------------------------------------------------------------------------------------
@bp.post("/rooms")
def rooms_create():
    w, me = world(), caller()
    body = json_body()
    title = _title(body)
    locked = bool(_flag(body, "isLocked"))
    team_id = body.get("teamId") or None
    with w.lock:
        if team_id is not None and not any(m.team_id == team_id and m.person_id == me.id
                                           for m in w.team_memberships.values()):
            raise ApiFault(404, "Could not find a team with provided ID.")
        now = w.now()
        room = Room(webex_id("ROOM"), title or "", "group", me.id, now, now, locked,
                    str(body.get("description") or ""), team_id)
        w.rooms[room.id] = room
        membership = w.add_membership(room.id, me.id, moderator=locked)
        data = objects.room(w, room, me.id)
        fan_out(w, "rooms", "created", data, me.id, [me.id])
        fan_out(w, "memberships", "created", objects.membership(w, membership), me.id, [me.id])
        w.add_event("membership", objects.membership(w, membership))
        return jsonify(data)


@bp.put("/rooms/<room_id>")
def rooms_update(room_id: str):
    w, me = world(), caller()
    body = json_body()
    title = _title(body)
    locked = _flag(body, "isLocked")
    with w.lock:
        room = visible_room(w, room_id, me.id)
        if room.type == "direct":
            raise ApiFault(400, "A 1:1 space has no title to change.")
        if room.is_locked and not _is_moderator(w, room.id, me.id):
            raise ApiFault(403, "Only moderators can change a locked space.")
        room.title = title or room.title
        if "description" in body:
            room.description = str(body.get("description") or "")
        if locked is not None and locked != room.is_locked:
            room.is_locked = locked
            if locked:  # whoever locks a space moderates it
                membership = w.membership(room.id, me.id)
                assert membership is not None
                membership.is_moderator = True
        data = objects.room(w, room, me.id)
        fan_out(w, "rooms", "updated", data, me.id, w.members(room.id))
        return jsonify(data)


@bp.delete("/rooms/<room_id>")
def rooms_delete(room_id: str):
    w, me = world(), caller()
    with w.lock:
        room = visible_room(w, room_id, me.id)
        if room.type == "direct":
            raise ApiFault(403, "A 1:1 space cannot be deleted.")
        if room.creator_id != me.id and not _is_moderator(w, room.id, me.id):
            raise ApiFault(403, "Only the space's creator or a moderator can delete it.")
        w.delete_rooms({room.id})
    return Response(status=204)


@bp.get("/rooms/<room_id>/meetingInfo")
def rooms_meeting_info(room_id: str):
    w, me = world(), caller()
    with w.lock:
        room = visible_room(w, room_id, me.id)
        number = str(int.from_bytes(room.id.encode()[-8:], "big") % 10**9 + 2 * 10**9)
        return jsonify({
            "roomId": room.id,
            "meetingLink": f"https://{objects.SITE}/m/{number}",
            "sipAddress": f"{number}@{objects.SITE}",
            "meetingNumber": number,
            "callInTollFreeNumber": "",
            "callInTollNumber": "+1-415-527-5035",
        })


# -- one membership ----------------------------------------------------------------------------
def _membership(w: World, membership_id: str, viewer: Person) -> Membership:
    m = w.memberships.get(membership_id)
    if m is None or not w.is_member(m.room_id, viewer.id):
        raise ApiFault(404, "Could not find a membership with provided ID.")
    return m


@bp.get("/memberships/<membership_id>")
def memberships_get(membership_id: str):
    w, me = world(), caller()
    with w.lock:
        return jsonify(objects.membership(w, _membership(w, membership_id, me)))


@bp.put("/memberships/<membership_id>")
def memberships_update(membership_id: str):
    w, me = world(), caller()
    body = json_body()
    moderator = _flag(body, "isModerator")
    with w.lock:
        m = _membership(w, membership_id, me)
        room = w.rooms[m.room_id]
        if moderator is not None and moderator != m.is_moderator:
            if room.type == "direct":
                raise ApiFault(409, "A 1:1 space has no moderators.")
            # The first moderator locks the space; from then on moderators decide.
            if room.is_locked and not _is_moderator(w, room.id, me.id):
                raise ApiFault(403, "Only moderators can change moderators.")
            m.is_moderator = moderator
            room.is_locked = any(x.is_moderator for x in w.memberships.values()
                                 if x.room_id == room.id)
        data = objects.membership(w, m)
        fan_out(w, "memberships", "updated", data, me.id, w.members(room.id))
        return jsonify(data)


@bp.delete("/memberships/<membership_id>")
def memberships_delete(membership_id: str):
    w, me = world(), caller()
    with w.lock:
        m = _membership(w, membership_id, me)
        room = w.rooms[m.room_id]
        if m.person_id != me.id:
            may_manage_members(w, room, me)
        elif room.type == "direct":
            raise ApiFault(409, "Nobody can leave a 1:1 space.")
        data = objects.membership(w, m)
        audience = w.members(room.id)  # the person removed hears it too
        del w.memberships[m.id]
        w.add_event("membership_deleted", data)
        fan_out(w, "memberships", "deleted", data, me.id, audience)
    return Response(status=204)


# -- people (admin) ----------------------------------------------------------------------------
def _admin(me: Person) -> None:
    if not me.admin:
        raise ApiFault(403, "Only an org admin can create, change or delete people.")


def _names(body: dict[str, Any], email: str) -> tuple[str, str, str]:
    first = str(body.get("firstName") or "")
    last = str(body.get("lastName") or "")
    display = str(body.get("displayName") or f"{first} {last}".strip() or email.split("@")[0])
    return display, first, last


@bp.post("/people")
def people_create():
    w, me = world(), caller()
    _admin(me)
    body = json_body()
    emails = body.get("emails")
    if (not isinstance(emails, list) or len(emails) != 1 or not isinstance(emails[0], str)
            or "@" not in emails[0]):
        raise ApiFault(400, "emails must be a list of exactly one email address.")
    email = emails[0].strip().lower()
    display, first, last = _names(body, email)
    with w.lock:
        if w.person_by_email(email):
            raise ApiFault(409, "A person with this email already exists.")
        person = Person(webex_id("PEOPLE"), email, display, first, last, w.now(),
                        admin=objects.ADMIN_ROLE in (body.get("roles") or []))
        w.people[person.id] = person
        token = Token(new_token(w), person.id, BOT_SCOPES if person.is_bot else USER_SCOPES)
        w.tokens[token.value] = token
        return jsonify(objects.person(w, person))


@bp.put("/people/<person_id>")
def people_update(person_id: str):
    w, me = world(), caller()
    _admin(me)
    body = json_body()
    with w.lock:
        person = w.people.get(person_id)
        if person is None:
            raise ApiFault(404, "Could not find a person with provided ID.")
        emails = body.get("emails")
        if emails not in (None, [person.email]):
            raise ApiFault(400, "Email addresses cannot be changed through the API.")
        if body.get("displayName") or body.get("firstName") or body.get("lastName"):
            person.display_name, person.first_name, person.last_name = _names(body, person.email)
        if "roles" in body:
            person.admin = objects.ADMIN_ROLE in (body.get("roles") or [])
        return jsonify(objects.person(w, person))


@bp.delete("/people/<person_id>")
def people_delete(person_id: str):
    w, me = world(), caller()
    _admin(me)
    with w.lock:
        person = w.people.get(person_id)
        if person is None:
            raise ApiFault(404, "Could not find a person with provided ID.")
        if person.is_bot or any(s.host_id == person.id for s in w.series.values()):
            raise ApiFault(409, "The sandbox keeps bots and meeting hosts.")
        for table in (w.memberships, w.team_memberships, w.tokens):
            for key in [k for k, x in table.items() if x.person_id == person.id]:
                del table[key]
        for key in [k for k, h in w.webhooks.items() if h.owner_id == person.id]:
            del w.webhooks[key]
        del w.people[person.id]
    return Response(status=204)
