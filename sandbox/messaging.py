"""What happens when someone posts a message, submits a card or joins a space.

Kept free of Flask so the rules (membership, threads, limits, mentions, fan-out) read in one
place; the blueprints only translate HTTP to these calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox import objects
from sandbox.deliveries import fan_out
from sandbox.http import ApiFault
from sandbox.markup import render
from sandbox.world import Action, Content, Message, Person, Room, World, webex_id

MAX_TEXT_BYTES = 7439
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
ROOM_NOT_FOUND = "Could not find a room with provided ID."


@dataclass
class Upload:
    filename: str
    content_type: str
    data: bytes


def visible_room(w: World, room_id: str, person_id: str) -> Room:
    """A room the person belongs to; Webex answers 404 alike for unknown and not-yours."""
    room = w.rooms.get(room_id)
    if room is None or not w.is_member(room_id, person_id):
        raise ApiFault(404, ROOM_NOT_FOUND)
    return room


def may_manage_members(w: World, room: Room, actor: Person) -> None:
    """Anyone in a group space adds or removes people, only moderators in a locked one."""
    if room.type == "direct":
        raise ApiFault(409, "Memberships of a 1:1 space cannot change.")
    mine = w.membership(room.id, actor.id)
    if room.is_locked and not (mine and mine.is_moderator):
        raise ApiFault(403, "Only moderators can change memberships of a locked space.")


def direct_room_with(w: World, sender: Person, other: Person) -> Room:
    if other.id == sender.id:
        raise ApiFault(400, "Cannot send a direct message to yourself.")
    room = w.direct_room(sender.id, other.id)
    if room is None:
        now = w.now()
        room = Room(webex_id("ROOM"), other.display_name, "direct", sender.id, now, now)
        w.rooms[room.id] = room
        w.add_membership(room.id, sender.id)
        add_member(w, room, other, actor=sender)
    return room


def add_member(w: World, room: Room, person: Person, actor: Person,
               moderator: bool = False) -> dict[str, Any]:
    if w.is_member(room.id, person.id):
        raise ApiFault(409, "Person is already in the room.")
    m = w.add_membership(room.id, person.id, moderator)
    data = objects.membership(w, m)
    w.add_event("membership", data)
    fan_out(w, "memberships", "created", data, actor.id, w.members(room.id))
    return data


def _resolver(w: World):
    def resolve(kind: str, value: str) -> tuple[str, str] | None:
        p = w.person_by_email(value) if kind == "personEmail" else w.people.get(value)
        return (p.id, p.display_name) if p else None

    return resolve


def _check_attachments(attachments: Any) -> list[dict[str, Any]]:
    if attachments in (None, []):
        return []
    if not isinstance(attachments, list):
        raise ApiFault(400, "attachments must be a list.")
    if len(attachments) > 1:
        raise ApiFault(400, "Only one attachment is allowed per message.")
    card = attachments[0]
    if (not isinstance(card, dict) or card.get("contentType") != CARD_TYPE
            or not isinstance(card.get("content"), dict)):
        raise ApiFault(400, f"attachments[0] needs contentType {CARD_TYPE} and a content object.")
    return attachments


def _texts(fields: dict[str, Any]) -> tuple[str | None, str | None]:
    text, markdown = fields.get("text"), fields.get("markdown")
    for name, value in (("text", text), ("markdown", markdown)):
        if value is not None and not isinstance(value, str):
            raise ApiFault(400, f"{name} must be a string.")
        if value and len(value.encode()) > MAX_TEXT_BYTES:
            raise ApiFault(400, f"The {name} is too long: at most {MAX_TEXT_BYTES} bytes.")
    return text, markdown


def _set_text(w: World, msg: Message, text: str | None, markdown: str | None) -> None:
    """Markdown renders to html and, unless `text` is given, to the plain text; mentions too."""
    if markdown:
        rendered = render(markdown, _resolver(w))
        msg.markdown, msg.html = markdown, rendered.html
        msg.text = text or rendered.text
        msg.mentioned_people = rendered.mentioned_people
        msg.mentioned_groups = rendered.mentioned_groups
    else:
        msg.text, msg.markdown, msg.html = text or None, None, None
        msg.mentioned_people, msg.mentioned_groups = [], []


def create_message(w: World, sender: Person, fields: dict[str, Any],
                   upload: Upload | None = None) -> Message:
    """POST /messages: validate like Webex, store, feed the chat page, fan out webhooks."""
    room_id, to_id = fields.get("roomId"), fields.get("toPersonId")
    to_email = fields.get("toPersonEmail")
    if sum(bool(x) for x in (room_id, to_id, to_email)) != 1:
        raise ApiFault(400, "Exactly one of roomId, toPersonId or toPersonEmail is required.")
    text, markdown = _texts(fields)
    attachments = _check_attachments(fields.get("attachments"))
    if not (text or markdown or upload or attachments):
        raise ApiFault(400, "A message needs text, markdown, files or attachments.")
    if upload is not None and attachments:
        raise ApiFault(400, "A message cannot carry both a file and an attachment.")

    if room_id:
        room = visible_room(w, room_id, sender.id)
    else:
        other = w.people.get(to_id) if to_id else w.person_by_email(to_email)
        if other is None:
            raise ApiFault(404, "Could not find the person to send the message to.")
        room = direct_room_with(w, sender, other)

    parent_id = fields.get("parentId")
    if parent_id:
        parent = w.messages.get(parent_id)
        if parent is None or parent.room_id != room.id:
            raise ApiFault(400, "parentId must be a message in the same room.")
        if parent.parent_id:
            raise ApiFault(400, "Cannot reply to a reply: use the thread's first message.")

    now = w.now()
    msg = Message(webex_id("MESSAGE"), room.id, sender.id, now, parent_id=parent_id or None,
                  attachments=attachments, to_person_id=to_id or None,
                  to_person_email=to_email or None)
    _set_text(w, msg, text, markdown)
    if upload is not None:
        content = Content(webex_id("CONTENT"), room.id, upload.data, upload.content_type,
                          upload.filename)
        w.contents[content.id] = content
        msg.content_ids.append(content.id)
    w.messages[msg.id] = msg
    room.last_activity = now
    full = objects.message(w, msg)
    w.add_event("message", full)
    data = {k: full[k] for k in ("id", "roomId", "roomType", "personId", "personEmail", "created")}
    if msg.mentioned_people:
        data["mentionedPeople"] = list(msg.mentioned_people)
    fan_out(w, "messages", "created", data, sender.id, w.members(room.id))
    return msg


MAX_EDITS = 10  # Webex allows ten edits per message


def edit_message(w: World, message_id: str, editor: Person, fields: dict[str, Any]) -> Message:
    """PUT /messages/{id}: the author rewrites the text of a message in the given room."""
    msg = readable_message(w, message_id, editor)
    if fields.get("roomId") != msg.room_id:
        raise ApiFault(400, "roomId is required and must be the message's room.")
    if msg.person_id != editor.id:
        raise ApiFault(403, "You can only edit your own messages.")
    text, markdown = _texts(fields)
    if not (text or markdown):
        raise ApiFault(400, "An edit needs text or markdown.")
    if msg.edits >= MAX_EDITS:
        raise ApiFault(400, f"A message can be edited at most {MAX_EDITS} times.")
    _set_text(w, msg, text, markdown)
    msg.edits += 1
    msg.updated = w.now()
    full = objects.message(w, msg)
    w.add_event("message_updated", full)
    data = {k: full[k] for k in ("id", "roomId", "roomType", "personId", "personEmail",
                                 "created", "updated")}
    if msg.mentioned_people:
        data["mentionedPeople"] = list(msg.mentioned_people)
    fan_out(w, "messages", "updated", data, editor.id, w.members(msg.room_id))
    return msg


def readable_message(w: World, message_id: str, reader: Person) -> Message:
    msg = w.messages.get(message_id)
    if msg is None or not w.is_member(msg.room_id, reader.id):
        raise ApiFault(404, "Could not find a message with provided ID.")
    room = w.rooms[msg.room_id]
    if (reader.is_bot and room.type == "group" and msg.person_id != reader.id
            and reader.id not in msg.mentioned_people):
        raise ApiFault(403, "Bots can only read group space messages that mention them.")
    return msg


def delete_message(w: World, message_id: str, person: Person) -> None:
    msg = readable_message(w, message_id, person)
    membership = w.membership(msg.room_id, person.id)
    if msg.person_id != person.id and not (membership and membership.is_moderator):
        raise ApiFault(403, "You can only delete your own messages.")
    del w.messages[msg.id]
    room = w.rooms[msg.room_id]
    w.add_event("message_deleted", {"id": msg.id, "roomId": room.id})
    data = {"id": msg.id, "roomId": room.id, "roomType": room.type, "personId": msg.person_id,
            "personEmail": objects.email_of(w, msg.person_id), "created": objects.iso(msg.created)}
    fan_out(w, "messages", "deleted", data, person.id, w.members(room.id))


def submit_action(w: World, person: Person, body: dict[str, Any]) -> Action:
    if body.get("type") != "submit":
        raise ApiFault(400, "type must be 'submit'.")
    inputs = body.get("inputs", {})
    if not isinstance(inputs, dict):
        raise ApiFault(400, "inputs must be an object.")
    msg = w.messages.get(str(body.get("messageId")))
    if msg is None or not w.is_member(msg.room_id, person.id):
        raise ApiFault(404, "Could not find a message with provided ID.")
    if not msg.attachments:
        raise ApiFault(400, "The message has no card to submit.")
    action = Action(webex_id("ATTACHMENT_ACTION"), msg.id, person.id, msg.room_id, inputs, w.now())
    w.actions[action.id] = action
    full = objects.action(action)
    w.add_event("action", full)
    data = {k: v for k, v in full.items() if k != "inputs"}
    # Only the card's author hears about presses on it, wherever the room is.
    fan_out(w, "attachmentActions", "created", data, person.id, [msg.person_id])
    return action
