"""`/v1/meetings` and the analytics host's `/meeting/qualities`.

Choices where Webex is silent or the sandbox is simpler (documented for users of the fake):
- `meetingType=scheduledMeeting` lists nothing: the sandbox has no upcoming occurrences.
- `from` is inclusive, `to` exclusive, naive times are in the `timezone` request header's zone;
  only `from` given: `to` is `from` + 7 days; only `to`: `from` is `to` - 7 days (the reference);
  neither: the last 7 days up to now (the sandbox's choice). `from` after `to` answers 400.
- Series are listed when one of their instances starts in the range.
- An ended instance is listed 15 minutes after its end (Webex takes about that long to publish
  it); `GET /meetings/{id}` answers it at once, as after a `meetings`/`ended` webhook.
- The `timezone` request header (IANA name) gives the response's times in that zone; unknown
  names answer 400.
- Qualities outside the data window (before start + 10 min, after start + 7 days) answer
  200 with empty `items`.
- Org scope (Part II): an admin token holding `meeting:admin_schedule_read` lists, without
  `hostEmail`, every meeting instance hosted in its org, and with `hostEmail` (a person of its
  org) that person's meetings; `hostEmail` on any other token is 403 unless it is the caller's
  own. Admins see single meetings and qualities of their own org only (404 / 403 otherwise).
- The 1-request-per-5-minutes limit is per meeting instance across all tokens; a page request
  (`offset` > 0) within 60 s of the fetch's first page belongs to that fetch and is not counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, Response, jsonify, request

from sandbox import objects
from sandbox.http import ApiFault, bearer, caller, int_arg, json_body, paged, time_arg, world
from sandbox.live_meetings import find, new_series
from sandbox.qualities import meeting_items
from sandbox.world import Meeting, Person, Series, World, parse_iso

bp = Blueprint("meetings", __name__)
analytics = Blueprint("analytics", __name__)

AVAILABLE_AFTER = timedelta(minutes=10)
LISTED_AFTER_END = timedelta(minutes=15)
WINDOW = timedelta(days=7)
RETENTION = timedelta(days=7)
PAGE_GRACE = timedelta(seconds=60)


def _attended(w: World, person: Person, series_id: str | None = None,
              meeting: Meeting | None = None) -> bool:
    meetings = [meeting] if meeting else [m for m in w.meetings.values()
                                          if m.series_id == series_id]
    return any(p.email == person.email for m in meetings for p in m.participants)


def _visible_series(w: World, person: Person, s: Series) -> bool:
    return s.host_id == person.id or _attended(w, person, series_id=s.id)


def _visible_meeting(w: World, person: Person, m: Meeting) -> bool:
    return w.series[m.series_id].host_id == person.id or _attended(w, person, meeting=m)


def _host_org(w: World, m: Meeting) -> str:
    return w.org_of(w.people[w.series[m.series_id].host_id])


def _org_admin(w: World, me: Person, scopes: frozenset[str] | None = None) -> bool:
    """An admin token with the admin meeting scope: it sees its whole org's meetings."""
    return me.admin and (scopes is None or "meeting:admin_schedule_read" in scopes)


def _zone() -> ZoneInfo:
    """The `timezone` request header: the zone of the response's times (UTC by default)."""
    name = request.headers.get("timezone", "").strip() or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiFault(400, f"Invalid timezone header {name!r}: expected an IANA name "
                            "such as Europe/Berlin.") from None


def _range(w: World, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start, end = time_arg("from", zone), time_arg("to", zone)
    if start and end and start > end:
        raise ApiFault(400, "'from' cannot be after 'to'.")
    if start and not end:
        end = start + WINDOW
    elif end and not start:
        start = end - WINDOW
    elif not start and not end:
        end = w.now() + timedelta(minutes=1)
        start = end - WINDOW
    assert start is not None and end is not None
    return start, end


@bp.get("/meetings")
def list_meetings():
    w, token = world(), bearer()
    me = caller()
    with w.lock:
        as_person: Person | None = me
        whole_org = _org_admin(w, me, token.scopes)
        host_email = request.args.get("hostEmail")
        if host_email:
            if host_email.strip().lower() != me.email and not whole_org:
                raise ApiFault(403, "hostEmail requires an admin token with admin scopes.")
            as_person = w.person_by_email(host_email)
            if as_person is None or w.org_of(as_person) != w.org_of(me):
                raise ApiFault(404, "No such host in your organization.")
        elif whole_org:
            as_person = None  # the whole org's meetings
        size = int_arg("max", 10, 1, 100)
        number = request.args.get("meetingNumber")
        if number:  # Webex ignores type, state and time range with a meeting number
            items = [objects.series(w, s, _zone()) for s in w.series.values()
                     if s.meeting_number == number.replace(" ", "")
                     and (me.admin or _visible_series(w, as_person or me, s))]
            return jsonify({"items": items[:size]})
        kind = request.args.get("meetingType", "meetingSeries")
        state = request.args.get("state")
        if kind not in ("meetingSeries", "scheduledMeeting", "meeting"):
            raise ApiFault(400, f"Invalid meetingType {kind!r}.")
        zone = _zone()
        start, end = _range(w, zone)
        published = w.now() - LISTED_AFTER_END
        if kind == "meeting":
            wanted_series = request.args.get("meetingSeriesId")
            found = [m for m in w.meetings.values()
                     if (_visible_meeting(w, as_person, m) if as_person
                         else _host_org(w, m) == w.org_of(me))
                     and start <= m.start < end
                     and m.end <= published and state in (None, "ended")
                     and wanted_series in (None, m.series_id)]
            found.sort(key=lambda m: m.start)
            items = [objects.instance(w, m, zone) for m in found]
        elif kind == "meetingSeries":
            items = [objects.series(w, s, zone) for s in w.series.values()
                     if _visible_series(w, as_person or me, s) and state in (None, "active")
                     and ((s.start is not None and start <= s.start < end)
                          or any(m.series_id == s.id and start <= m.start < end
                                 for m in w.meetings.values()))]
        else:
            items = []
        return paged(items, default_max=10, cap=100)


@bp.get("/meetings/<meeting_id>")
def get_meeting(meeting_id: str):
    w, me = world(), caller()
    zone = _zone()
    with w.lock:
        m = find(w, meeting_id)
        if m is not None:
            if (me.admin and _host_org(w, m) == w.org_of(me)) or _visible_meeting(w, me, m):
                return jsonify(objects.instance(w, m, zone))
        elif meeting_id in w.series:
            s = w.series[meeting_id]
            if me.admin or _visible_series(w, me, s):
                return jsonify(objects.series(w, s, zone))
        raise ApiFault(404, "Meeting not found.")


@bp.post("/meetings")
def create_meeting():
    """Schedule a one-off meeting: a series with its first occurrence, hosted by the caller."""
    w, me = world(), caller()
    body = json_body()
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ApiFault(400, "title is required.")
    zone = _zone_named(body.get("timezone"))
    start, end = _body_time(body, "start", zone), _body_time(body, "end", zone)
    if end <= start:
        raise ApiFault(400, "end must be after start.")
    with w.lock:
        s = new_series(w, title.strip(), me.id, w.now(), start, end)
        return jsonify(objects.series(w, s, zone))


@bp.delete("/meetings/<meeting_id>")
def delete_meeting(meeting_id: str):
    w, me = world(), caller()
    with w.lock:
        s = w.series.get(meeting_id)
        if s is None or s.host_id != me.id:
            raise ApiFault(404, "Meeting not found.")
        if any(m.series_id == s.id for m in w.meetings.values()):
            raise ApiFault(409, "The sandbox keeps meetings that already took place.")
        del w.series[s.id]
    return Response(status=204)


def _zone_named(name: object) -> ZoneInfo:
    if name in (None, ""):
        return _zone()
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ApiFault(400, f"Invalid timezone {name!r}.") from None


def _body_time(body: dict, key: str, zone: ZoneInfo) -> datetime:
    try:
        return parse_iso(str(body.get(key)), zone)
    except ValueError:
        raise ApiFault(400, f"{key} is required: an ISO 8601 time.") from None


def _rate_limit(w: World, meeting_id: str, continuing: bool) -> None:
    now, interval = w.now(), timedelta(seconds=w.quality_interval)
    last = w.quality_fetches.get(meeting_id)
    if last is not None and now - last < interval:
        if continuing and now - last <= PAGE_GRACE:
            return
        wait = (interval - (now - last)).total_seconds()
        raise ApiFault(429, "Too many requests for this meeting: one per 5 minutes.", wait)
    w.quality_fetches[meeting_id] = now


@analytics.get("/meeting/qualities")
def qualities():
    w = world()
    token = bearer()
    me = caller()
    if not me.admin or "analytics:read_all" not in token.scopes:
        raise ApiFault(403, "Meeting qualities need an org admin token with analytics:read_all.")
    meeting_id = request.args.get("meetingId")
    if not meeting_id:
        raise ApiFault(400, "meetingId is required.")
    int_arg("max", 10, 1, 1000)  # a bad page size is a 400 before the call counts
    offset = int_arg("offset", 0, 0, 10**9)
    with w.lock:
        meeting = find(w, meeting_id)
        if meeting is None:
            raise ApiFault(404, "Meeting instance not found (qualities need an instance id).")
        if _host_org(w, meeting) != w.org_of(me):
            raise ApiFault(403, "Meeting qualities are only given to admins of the meeting's org.")
        _rate_limit(w, meeting_id, continuing=offset > 0)
        now = w.now()
        if (meeting.id in w.live
                or not meeting.start + AVAILABLE_AFTER <= now < meeting.start + RETENTION):
            return jsonify({"items": []})
        items = w.quality_cache.get(meeting_id)
        if items is None:
            items = w.quality_cache[meeting_id] = meeting_items(w.seed, meeting)
        return paged(items, default_max=10, cap=1000)
