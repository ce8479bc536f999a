"""In-memory state of the emulated Webex org.

Everything the API touches lives in one `World` guarded by one re-entrant lock: the sandbox is a
test bed, so simple and obviously consistent beats concurrent. The clock is adjustable so tests
can step over rate limits and data windows instead of sleeping.
"""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

ACCESS_TTL = timedelta(days=14)
REFRESH_TTL = timedelta(days=90)
CODE_TTL = timedelta(minutes=10)


def webex_id(kind: str, raw: str | None = None) -> str:
    """Webex ids are unpadded base64 of a `ciscospark://` URI; clients treat them as opaque."""
    uri = f"ciscospark://us/{kind}/{raw or uuid.uuid4()}"
    return base64.b64encode(uri.encode()).decode().rstrip("=")


def iso(dt: datetime, ms: bool = True) -> str:
    """Webex writes UTC times with a `Z`; messages carry milliseconds, meetings do not."""
    dt = dt.astimezone(UTC)
    if ms:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str, zone: tzinfo = UTC) -> datetime:
    """Parse ISO 8601 (with `Z`, an offset, or naive meaning `zone`); ValueError when malformed."""
    dt = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace(" ", "+"))
    return dt if dt.tzinfo else dt.replace(tzinfo=zone)


@dataclass
class Person:
    id: str
    email: str
    display_name: str
    first_name: str
    last_name: str
    created: datetime
    type: str = "person"  # person | bot | appuser (a Service App's machine account)
    admin: bool = False
    timezone: str = "UTC"
    org_id: str = ""  # "" = the sandbox's main org (World.org_id)

    @property
    def is_bot(self) -> bool:
        """Not a human: bots and Service Apps never chat."""
        return self.type != "person"


@dataclass
class Token:
    value: str
    person_id: str
    scopes: frozenset[str]
    expires_at: datetime | None = None  # personal and bot tokens never expire
    client_id: str | None = None


@dataclass
class Room:
    id: str
    title: str
    type: str  # direct | group
    creator_id: str
    created: datetime
    last_activity: datetime
    is_locked: bool = False  # a moderated space: only moderators manage its members
    description: str = ""
    team_id: str | None = None


@dataclass
class Team:
    id: str
    name: str
    creator_id: str
    created: datetime
    description: str = ""


@dataclass
class TeamMembership:
    id: str
    team_id: str
    person_id: str
    created: datetime
    is_moderator: bool = False


@dataclass
class Membership:
    id: str
    room_id: str
    person_id: str
    created: datetime
    is_moderator: bool = False


@dataclass
class Content:
    id: str
    room_id: str
    data: bytes
    content_type: str
    filename: str


@dataclass
class Message:
    id: str
    room_id: str
    person_id: str
    created: datetime
    text: str | None = None
    markdown: str | None = None
    html: str | None = None
    content_ids: list[str] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    parent_id: str | None = None
    mentioned_people: list[str] = field(default_factory=list)
    mentioned_groups: list[str] = field(default_factory=list)
    to_person_id: str | None = None
    to_person_email: str | None = None
    updated: datetime | None = None  # set by an edit (PUT /messages/{id})
    edits: int = 0


@dataclass
class Webhook:
    id: str
    owner_id: str
    name: str
    target_url: str
    resource: str
    event: str
    created: datetime
    filter: str | None = None
    secret: str | None = None
    status: str = "active"
    consecutive_failures: int = 0
    owned_by: str = "creator"  # "org": an org-level webhook (meetings), heard org-wide


@dataclass
class Action:
    id: str
    message_id: str
    person_id: str
    room_id: str
    inputs: dict[str, Any]
    created: datetime
    type: str = "submit"


@dataclass
class Participant:
    """Who attended a meeting instance and how; the samples are generated lazily from this."""

    name: str
    email: str
    profile: str  # see sandbox.qualities.PROFILES
    join: datetime
    leave: datetime
    presenter: bool = False
    # Webex reports one qualities item per media session: (join, leave) of each when the
    # person dropped and rejoined; empty means one session from `join` to `leave`.
    sessions: list[tuple[datetime, datetime]] = field(default_factory=list)


@dataclass
class Series:
    id: str
    title: str
    meeting_number: str
    host_id: str
    created: datetime
    start: datetime | None = None  # as scheduled with POST /meetings (first occurrence)
    end: datetime | None = None


@dataclass
class Meeting:
    """A meeting instance: ended once `end` has passed; until then it waits in `World.live`."""

    id: str
    series_id: str
    start: datetime
    end: datetime
    participants: list[Participant]


@dataclass
class OAuthCode:
    code: str
    person_id: str
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: datetime
    used: bool = False


@dataclass
class RefreshToken:
    value: str
    person_id: str
    client_id: str
    scopes: frozenset[str]
    expires_at: datetime
    used: bool = False


@dataclass
class Failure:
    """An injected fault: the next `count` requests under `path_prefix` answer `status`.

    With `after`, the request is carried out first and only its answer is replaced (Webex
    acted, then answered badly); `delay` holds that answer back so many seconds (Webex acted,
    then answered too late). `status` 0 with `delay` keeps the real answer, only late."""

    path_prefix: str
    status: int
    count: int
    retry_after: int | None = None
    method: str | None = None
    after: bool = False
    delay: float = 0.0
    bot_only: bool = False  # only calls made with the bot's token (people's clients unharmed)


class World:
    """The whole emulated org. Hold `lock` while reading or changing anything."""

    def __init__(
        self,
        *,
        seed: int = 1,
        access_ttl: timedelta | float = ACCESS_TTL,
        quality_interval: float = 300.0,
        delivery_retries: int = 3,
        delivery_backoff: float = 0.2,
        delivery_timeout: float = 5.0,
        inactive_after: int = 5,
    ) -> None:
        self.seed = seed
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.access_ttl = (
            access_ttl if isinstance(access_ttl, timedelta) else timedelta(seconds=access_ttl)
        )
        self.quality_interval = quality_interval
        self.delivery_retries = delivery_retries
        self.delivery_backoff = delivery_backoff
        self.delivery_timeout = delivery_timeout
        self.inactive_after = inactive_after
        self._clock_offset = timedelta(0)
        self.base_url = ""  # set by the server once it knows its port

        self.org_id = ""
        self.bot_id = ""
        self.client_id = ""
        self.client_secret = ""
        # Part II: a Service App authorized by the main org's admin, and a second org.
        self.service_app: dict[str, str] = {}  # clientId, clientSecret, accessToken, refreshToken
        self.other_org_id = ""
        self.people: dict[str, Person] = {}
        self.tokens: dict[str, Token] = {}
        self.rooms: dict[str, Room] = {}
        self.memberships: dict[str, Membership] = {}
        self.messages: dict[str, Message] = {}  # insertion order = creation order
        self.contents: dict[str, Content] = {}
        self.webhooks: dict[str, Webhook] = {}
        self.teams: dict[str, Team] = {}
        self.team_memberships: dict[str, TeamMembership] = {}
        self.actions: dict[str, Action] = {}
        self.series: dict[str, Series] = {}
        self.meetings: dict[str, Meeting] = {}  # ended instances
        self.live: dict[str, Meeting] = {}  # in progress; sandbox.live_meetings ends them
        self.live_due: list[tuple[datetime, str]] = []  # heap of (end, id) over `live`
        self.codes: dict[str, OAuthCode] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.quality_cache: dict[str, list[dict[str, Any]]] = {}
        self.quality_fetches: dict[str, datetime] = {}  # meeting id -> first page of last fetch
        self.failures: list[Failure] = []
        self.calls: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.activity: list[dict[str, Any]] = []  # the Events API's log, oldest first
        self.deliverer: Any = None  # sandbox.deliveries.Deliverer, attached by create_app
        self.ticker: Any = None  # sandbox.live_meetings.Ticker, attached by create_app

    # -- clock -------------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC) + self._clock_offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self._clock_offset += timedelta(seconds=seconds)

    def set_clock(self, when: datetime) -> None:
        with self.lock:
            self._clock_offset = when - datetime.now(UTC)

    # -- lookups -----------------------------------------------------------------------------
    def person_by_email(self, email: str) -> Person | None:
        email = email.strip().lower()
        return next((p for p in self.people.values() if p.email == email), None)

    def org_of(self, person: Person) -> str:
        return person.org_id or self.org_id

    def clients(self) -> dict[str, str]:
        """OAuth clients the token URL knows: the integration and the Service App."""
        known = {self.client_id: self.client_secret}
        if self.service_app:
            known[self.service_app["clientId"]] = self.service_app["clientSecret"]
        return known

    def members(self, room_id: str) -> list[str]:
        return [m.person_id for m in self.memberships.values() if m.room_id == room_id]

    def membership(self, room_id: str, person_id: str) -> Membership | None:
        return next(
            (
                m
                for m in self.memberships.values()
                if m.room_id == room_id and m.person_id == person_id
            ),
            None,
        )

    def is_member(self, room_id: str, person_id: str) -> bool:
        return self.membership(room_id, person_id) is not None

    def direct_room(self, a: str, b: str) -> Room | None:
        for room in self.rooms.values():
            if room.type == "direct" and set(self.members(room.id)) == {a, b}:
                return room
        return None

    def token_for(self, person_id: str) -> str:
        """The person's personal (non-expiring, non-OAuth) token."""
        return next(
            t.value
            for t in self.tokens.values()
            if t.person_id == person_id and t.client_id is None
        )

    # -- records -----------------------------------------------------------------------------
    def add_event(self, kind: str, data: dict[str, Any]) -> None:
        """Append to the chat page's feed and wake its long-polls."""
        with self.lock:
            self.events.append({"index": len(self.events), "type": kind, "data": data})
            self.changed.notify_all()

    def add_membership(self, room_id: str, person_id: str, moderator: bool = False) -> Membership:
        with self.lock:
            m = Membership(webex_id("MEMBERSHIP"), room_id, person_id, self.now(), moderator)
            self.memberships[m.id] = m
            return m

    def delete_rooms(self, room_ids: set[str]) -> None:
        """The spaces and everything in them: memberships, messages, files."""
        with self.lock:
            for table in (self.memberships, self.messages, self.contents):
                for key in [k for k, x in table.items() if x.room_id in room_ids]:
                    del table[key]
            for room_id in room_ids:
                del self.rooms[room_id]
