"""Meetings in progress: started by `POST /_sandbox/meetings` (or the seed), ended by the clock.

A live meeting waits in `World.live` until its `end` passes on the sandbox clock. `fire_due` then
moves it to `World.meetings` (listed, qualities served under Webex's windows) and queues one
signed, compact-JSON `meetings`/`ended` envelope for each active org-level webhook of the host's
org (`ownedBy: org`, created by an admin of that org). Due endings fire from a one-second ticker
thread and around every request, so moving the clock with `/_sandbox/clock` fires them at once and
a running demo needs nobody's help.

Deviations: an in-progress meeting is not listed by `GET /meetings` (Webex lists it with
`state=inProgress`) and its qualities answer 200 with no items until it has ended.
"""

from __future__ import annotations

import heapq
import logging
import random
import secrets
import string
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, jsonify, request

from sandbox import objects
from sandbox.deliveries import filter_ok, queue_delivery
from sandbox.http import loopback_only, world
from sandbox.qualities import MEETING_PROFILES
from sandbox.world import Meeting, Participant, Person, Series, World

log = logging.getLogger(__name__)
bp = Blueprint("sandbox_meetings", __name__)
bp.before_request(loopback_only)

MAX_MINUTES = 24 * 60
MAX_PARTICIPANTS = 500
TICK = 1.0  # seconds between two looks for due endings
_SYSTEM_RANDOM = secrets.SystemRandom()  # ids of meetings made while the sandbox runs


class BadRequest(ValueError):
    """A junk `POST /_sandbox/meetings` body: the message goes back with a 400."""


def new_series(w: World, title: str, host_id: str, created: datetime,
               start: datetime | None = None, end: datetime | None = None,
               rng: random.Random = _SYSTEM_RANDOM) -> Series:
    """A new meeting series with a random id and 10-digit meeting number, kept in `w.series`
    (the seed passes its own `rng`, so the seeded series are the same every run)."""
    number = "2" + "".join(rng.choices(string.digits, k=9))
    s = Series(uuid.UUID(int=rng.getrandbits(128)).hex, title, number, host_id, created,
               start, end)
    w.series[s.id] = s
    return s


def series_for(w: World, title: str, host: Person, when: datetime,
               rng: random.Random = _SYSTEM_RANDOM) -> Series:
    """The host's series of that title (a recurring meeting), or a new one."""
    for s in w.series.values():
        if s.title == title and s.host_id == host.id:
            return s
    return new_series(w, title, host.id, when, rng=rng)


def start_meeting(w: World, title: str, host: Person, minutes: float,
                  people: list[tuple[str, str, str]], start: datetime | None = None,
                  meeting_id: str | None = None) -> Meeting:
    """Add a live meeting of `people` ((name, email, profile), host first) from `start` (default:
    the sandbox's now). Joins and leaves are spread over 20 s so that everyone's minutes line up,
    as the "from NAME" cause compares them."""
    with w.lock:
        start = (start or w.now()).replace(microsecond=0)
        end = start + timedelta(minutes=minutes)
        series = series_for(w, title, host, start)
        participants = [
            Participant(name, email, profile, start + timedelta(seconds=(i * 7) % 20),
                        end - timedelta(seconds=(i * 5) % 15), presenter=i == 0)
            for i, (name, email, profile) in enumerate(people)
        ]
        mid = meeting_id or f"{series.id}_I_{secrets.randbelow(9 * 10**17) + 10**17}"
        meeting = Meeting(mid, series.id, start, end, participants)
        w.live[meeting.id] = meeting
        heapq.heappush(w.live_due, (end, meeting.id))
        return meeting


def fire_due(w: World) -> list[str]:
    """End every live meeting whose end has passed; each ends (and is announced) exactly once."""
    ended = []
    with w.lock:
        heap, now = w.live_due, w.now()
        while heap and heap[0][0] <= now:
            _, mid = heapq.heappop(heap)
            meeting = w.live.pop(mid, None)
            if meeting is None:
                continue
            w.meetings[mid] = meeting
            ended.append(mid)
            _announce(w, meeting)
        if ended:
            w.changed.notify_all()
    return ended


def _announce(w: World, meeting: Meeting) -> None:
    """Queue `meetings`/`ended` for the org-level webhooks of the host's org."""
    host = w.people[w.series[meeting.series_id].host_id]
    data = objects.instance(w, meeting)
    for hook in list(w.webhooks.values()):
        owner = w.people.get(hook.owner_id)
        if (hook.status != "active" or hook.owned_by != "org" or owner is None
                or hook.resource != "meetings" or hook.event not in ("ended", "all")
                or w.org_of(owner) != w.org_of(host) or not filter_ok(w, hook, data)):
            continue
        log.info("meeting %s ended: meetings/ended for webhook %s", meeting.id, hook.id)
        queue_delivery(w, hook, "meetings", "ended", host.id, data)


class Ticker:
    """A daemon thread that fires due endings while nobody calls the sandbox."""

    def __init__(self, w: World, interval: float = TICK) -> None:
        self.world, self.interval = w, interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="sandbox-meeting-ends", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                fire_due(self.world)
            except Exception:  # a bug here must not stop meetings from ending later
                log.exception("firing due meeting endings failed")

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)


@bp.before_app_request
def _fire_before() -> None:
    fire_due(world())


@bp.after_app_request
def _fire_after(resp: Any) -> Any:
    fire_due(world())  # a clock change ends meetings before its answer leaves
    return resp



def _guest_name(email: str) -> str:
    local = email.split("@", 1)[0]
    words = [w for w in local.replace("_", ".").replace("-", ".").split(".") if w]
    return " ".join(word.capitalize() for word in words) or email


def parse_request(w: World, body: Any) -> tuple[str, Person, int, list[tuple[str, str, str]]]:
    """Check a `POST /_sandbox/meetings` body; BadRequest says what is wrong, in words."""
    if not isinstance(body, dict):
        raise BadRequest('Send a JSON object: {"title", "hostEmail", "minutes", "participants"}.')
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 128:
        raise BadRequest("title must be a non-empty string of at most 128 characters.")
    host_email = body.get("hostEmail")
    host = w.person_by_email(host_email) if isinstance(host_email, str) else None
    if host is None or host.is_bot:
        raise BadRequest(f"hostEmail {host_email!r} is not a person of the sandbox; "
                         "a host must be one of the state file's people.")
    minutes = body.get("minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not (
            1 <= minutes <= MAX_MINUTES):
        raise BadRequest(f"minutes must be a whole number from 1 to {MAX_MINUTES}.")
    raw = body.get("participants", [])
    if not isinstance(raw, list) or len(raw) > MAX_PARTICIPANTS:
        raise BadRequest(f"participants must be a list of at most {MAX_PARTICIPANTS} objects.")
    people: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            raise BadRequest(f"participant {n} must be an object with email, name and profile.")
        email, name = entry.get("email"), entry.get("name")
        profile = entry.get("profile", "good")
        if not isinstance(email, str) or "@" not in email.strip()[1:-1] or len(email) > 254:
            raise BadRequest(f"participant {n}: email must be an email address.")
        email = email.strip().lower()
        if email in seen:
            raise BadRequest(f"participant {n}: {email} is listed twice.")
        seen.add(email)
        if profile not in MEETING_PROFILES:
            raise BadRequest(f"participant {n}: unknown profile {profile!r}; use one of "
                             f"{', '.join(MEETING_PROFILES)}.")
        if name is not None and (not isinstance(name, str) or len(name) > 128):
            raise BadRequest(f"participant {n}: name must be a string of at most 128 characters.")
        person = w.person_by_email(email)
        if person is not None and person.is_bot:
            raise BadRequest(f"participant {n}: a bot cannot attend a meeting.")
        # People of the sandbox keep their own name; anyone else is a guest outside the org.
        shown = person.display_name if person else (name or "").strip() or _guest_name(email)
        people.append((shown, email, profile))
    if host.email not in seen:
        people.insert(0, (host.display_name, host.email, "good"))
    else:  # the host comes first: the presenter, as in the seeded meetings
        people.sort(key=lambda p: p[1] != host.email)
    return title.strip(), host, minutes, people


@bp.post("/meetings")
def create_meeting():
    w = world()
    with w.lock:
        try:
            title, host, minutes, people = parse_request(w, request.get_json(silent=True))
        except BadRequest as exc:
            return jsonify({"message": str(exc)}), 400
        meeting = start_meeting(w, title, host, minutes, people)
        return jsonify(objects.instance(w, meeting))


def find(w: World, meeting_id: str) -> Meeting | None:
    """An instance by id, ended or live."""
    return w.meetings.get(meeting_id) or w.live.get(meeting_id)
