"""World records → the JSON objects Webex returns (Webex leaves out keys that have no value)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.world import (
    Action,
    Meeting,
    Membership,
    Message,
    Person,
    Room,
    Series,
    Webhook,
    World,
    iso,
    webex_id,
)

ADMIN_ROLE = webex_id("ROLE", "id_full_admin")
APP_ID = webex_id("APPLICATION", "C0de5a9db0c5a1d0e5a9db0c5a1d0e5a9db0c5a1d0e5a9db0c5a1d0e5a9db0c5")
SITE = "sandbox.webex.com"


def _compact(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v not in (None, [], "")}


def person(w: World, p: Person) -> dict[str, Any]:
    return _compact({
        "id": p.id,
        "emails": [p.email],
        "phoneNumbers": [],
        "displayName": p.display_name,
        "nickName": p.first_name,
        "firstName": p.first_name,
        "lastName": p.last_name,
        "avatar": f"https://avatar.{SITE}/{p.id[-12:]}~1600",
        "orgId": w.org_of(p),
        "roles": [ADMIN_ROLE] if p.admin else [],
        "licenses": [] if p.is_bot else [webex_id("LICENSE", "MS_sandbox"),
                                         webex_id("LICENSE", "MC_sandbox")],
        "timezone": None if p.is_bot else p.timezone,
        "created": iso(p.created),
        "lastModified": iso(p.created),
        "status": "unknown" if p.is_bot else "active",
        "type": p.type,
    })


def room(w: World, r: Room, viewer_id: str) -> dict[str, Any]:
    title = r.title
    if r.type == "direct":
        # A 1:1 space is titled with the other person's name, as each side sees it.
        other = next((pid for pid in w.members(r.id) if pid != viewer_id), None)
        title = w.people[other].display_name if other else r.title
    return {
        "id": r.id,
        "title": title,
        "type": r.type,
        "isLocked": r.is_locked,
        "lastActivity": iso(r.last_activity),
        "creatorId": r.creator_id,
        "created": iso(r.created),
        "ownerId": w.org_id,
        "isReadOnly": False,
        **({"description": r.description} if r.description else {}),
        **({"teamId": r.team_id} if r.team_id else {}),
    }


def membership(w: World, m: Membership) -> dict[str, Any]:
    p = w.people[m.person_id]
    return {
        "id": m.id,
        "roomId": m.room_id,
        "personId": p.id,
        "personEmail": p.email,
        "personDisplayName": p.display_name,
        "personOrgId": w.org_of(p),
        "isModerator": m.is_moderator,
        "isMonitor": False,
        "isRoomHidden": False,
        "roomType": w.rooms[m.room_id].type,
        "created": iso(m.created),
    }


def content_url(w: World, content_id: str) -> str:
    return f"{w.base_url}/v1/contents/{content_id}"


def message(w: World, m: Message) -> dict[str, Any]:
    return _compact({
        "id": m.id,
        "parentId": m.parent_id,
        "roomId": m.room_id,
        "roomType": w.rooms[m.room_id].type,
        "toPersonId": m.to_person_id,
        "toPersonEmail": m.to_person_email,
        "text": m.text,
        "markdown": m.markdown,
        "html": m.html,
        "files": [content_url(w, c) for c in m.content_ids],
        "personId": m.person_id,
        "personEmail": email_of(w, m.person_id),
        "mentionedPeople": list(m.mentioned_people),
        "mentionedGroups": list(m.mentioned_groups),
        "attachments": m.attachments,
        "created": iso(m.created),
        "updated": iso(m.updated) if m.updated else None,
    })


def email_of(w: World, person_id: str) -> str:
    """A deleted person's messages stay, without an address to show."""
    p = w.people.get(person_id)
    return p.email if p else ""


def action(a: Action) -> dict[str, Any]:
    return {
        "id": a.id,
        "type": a.type,
        "messageId": a.message_id,
        "inputs": a.inputs,
        "personId": a.person_id,
        "roomId": a.room_id,
        "created": iso(a.created),
    }


def webhook(w: World, h: Webhook) -> dict[str, Any]:
    return _compact({
        "id": h.id,
        "name": h.name,
        "targetUrl": h.target_url,
        "resource": h.resource,
        "event": h.event,
        "filter": h.filter,
        "secret": h.secret,
        "status": h.status,
        "created": iso(h.created),
        "orgId": w.org_id,
        "createdBy": h.owner_id,
        "appId": APP_ID,
        "ownedBy": h.owned_by,
    })


def _local(dt: datetime, zone: tzinfo) -> str:
    """Meeting times as Webex writes them: `Z` in UTC, else the zone's offset (`+01:00`)."""
    if zone in (UTC, ZoneInfo("UTC")):
        return iso(dt, ms=False)
    return dt.astimezone(zone).replace(microsecond=0).isoformat()


def _zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or "UTC"


def _host(w: World, host_id: str) -> dict[str, Any]:
    host = w.people[host_id]
    return {"hostUserId": host.id, "hostDisplayName": host.display_name, "hostEmail": host.email}


def series(w: World, s: Series, zone: tzinfo = UTC) -> dict[str, Any]:
    """The series item: the meeting as scheduled, with the number people dial."""
    recent = sorted((m for m in w.meetings.values() if m.series_id == s.id), key=lambda m: m.start)
    if s.start and s.end:
        start, end = s.start, s.end
    else:
        start, end = (recent[-1].start, recent[-1].end) if recent else (s.created, s.created)
    return {
        "id": s.id,
        "meetingNumber": s.meeting_number,
        "title": s.title,
        "password": "Sandbox123",
        "meetingType": "meetingSeries",
        "state": "active",
        "timezone": _zone_name(zone),
        "start": _local(start, zone),
        "end": _local(end, zone),
        **_host(w, s.host_id),
        "siteUrl": SITE,
        "webLink": f"https://{SITE}/{SITE.split('.')[0]}/j.php?MTID=m{s.id}",
        "sipAddress": f"{s.meeting_number}@{SITE}",
        "scheduledType": "meeting",
    }


def instance(w: World, m: Meeting, zone: tzinfo = UTC) -> dict[str, Any]:
    """An instance (ended, or in progress until its end): no meetingNumber and no password.

    `scheduledMeetingId` names the occurrence it was started from: the series id and the
    occurrence's UTC start (`<seriesId>_20261201T140000Z`)."""
    s = w.series[m.series_id]
    scheduled = m.start.astimezone(UTC).replace(second=0, microsecond=0)
    return {
        "id": m.id,
        "meetingSeriesId": s.id,
        "scheduledMeetingId": f"{s.id}_{scheduled.strftime('%Y%m%dT%H%M%SZ')}",
        "title": s.title,
        "meetingType": "meeting",
        "state": "inProgress" if m.id in w.live else "ended",
        "timezone": _zone_name(zone),
        "start": _local(m.start, zone),
        "end": _local(m.end, zone),
        **_host(w, s.host_id),
        "siteUrl": SITE,
        "webLink": f"https://{SITE}/{SITE.split('.')[0]}/j.php?MTID=m{s.id}",
        "scheduledType": "meeting",
    }
