"""Who is served by which connection, and who may see which participant of a meeting (§9).

The one place every read of meetings and qualities goes through — `/meetings`, `/quality`, card
and alert buttons, trends and export, cached or fresh:
- which connection serves a person: their own for listing if they have one, else their org's
  (with `hostEmail`); qualities always with their org's when their org is connected. A person's
  org comes from `GET /people/{id}` with the bot token, cached; an org connection never serves
  another org's people.
- who sees what, when the data comes through an org connection: the host and the quality admins
  see everyone; a participant sees themself and "Participant N" for the others; anyone else is
  refused without the title or a name. The view is part of every rendered-chart cache key.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from bot.accounts import Accounts, NeedsReconnect, NotConnected
from bot.orgs import OrgConnectionInfo, OrgNeedsReconnect, Orgs
from bot.webex import BotClient, UserClient, WebexError
from storage import person_orgs

log = logging.getLogger(__name__)

ORG_TTL = timedelta(hours=12)  # people seldom change org; a move is seen within this
REFUSAL = (
    "I can't show you the quality of that meeting: only its host, its participants and the "
    "quality admins of its organization may see it."
)
ORG_LOOKUP_FAILED = (
    "I could not look up which organization you belong to (Webex did not answer), so I can't "
    "tell which meetings you may see. Please try again in a minute."
)
ORG_BROKEN = (
    "Your organization's Webex connection has expired or was revoked, so I can't read meetings "
    "for you right now. Your quality admins have been told; a Webex admin must type "
    "`/connect org` again. You can also `/connect` your own account."
)
# Item fields that identify a person beyond name and email: blanked for other participants.
IDENTIFYING = (
    "localIP",
    "publicIP",
    "maskedLocalIP",
    "maskedPublicIP",
    "speakerName",
    "camera",
    "microphone",
    "participantSessionId",
)


class OrgLookupFailed(Exception):
    """The bot token could not say which org a person is in: answer clearly, serve nothing."""


@dataclass(frozen=True)
class Refused:
    message: str = REFUSAL


@dataclass(frozen=True)
class Identity:
    org_id: str
    email: str
    timezone: str


@dataclass(frozen=True)
class View:
    """What one viewer may see of one meeting: the items and meeting to analyse, and the key
    under which its rendering is cached ("all" or one participant's own view)."""

    items: list[dict]
    meeting: dict
    key: str
    note: str = ""  # says how the view differs from the whole, for the card and markdown


@dataclass
class Viewer:
    """One person, and the connections that serve them."""

    person_id: str
    email: str  # lower case, "" when unknown
    org_id: str | None
    own: UserClient | None  # their own connection, usable
    org: UserClient | None  # their org's connection, usable
    is_admin: bool = False  # a quality admin of their org
    timezone: str = ""
    own_has_analytics: bool = False

    @property
    def via_org(self) -> bool:
        """Quality data comes through the org connection, so §9's visibility rules apply."""
        return self.org is not None

    @cached_property
    def lister(self) -> UserClient:
        """Meetings: their own connection, else the org's as them (`hostEmail`)."""
        if self.own is not None:
            return self.own
        assert self.org is not None
        return AsPerson(self.org, self.email, self.timezone)

    def org_meeting(self, meeting_id: str) -> dict:
        """The meeting as the org connection sees it (NotFound when not the org's), reusing the
        answer when the org connection just looked it up for this person."""
        assert self.org is not None
        lister = self.lister
        if isinstance(lister, AsPerson) and meeting_id in lister.looked_up:
            return lister.looked_up[meeting_id]
        return self.org.meeting(meeting_id)

    @property
    def reader(self) -> UserClient:
        """Qualities: always the org's when there is one."""
        return self.org or self.lister


class AsPerson(UserClient):
    """The org connection listing one person's meetings (`hostEmail`); their own time zone."""

    def __init__(self, org: UserClient, email: str, timezone: str) -> None:
        super().__init__(org.tokens, org.api_url, org.analytics_url, org.http)
        self._org = org
        self.email = email
        self.timezone = timezone
        self.looked_up: dict[str, dict] = {}  # meeting id -> the org's answer, this command

    def meeting(self, meeting_id: str) -> dict:
        found = self._org.meeting(meeting_id)
        self.looked_up[meeting_id] = found
        return found

    def _with_refresh(self, call):  # the org client's own 401 policy
        return self._org._with_refresh(call)

    def ended_meetings(self, start: str, end: str, page_size: int = 100, host_email=None):
        email = host_email or self.email
        if not email:
            # Without hostEmail the org token lists everyone's meetings: never for one person.
            raise OrgLookupFailed(ORG_LOOKUP_FAILED)
        return self._org.ended_meetings(start, end, page_size, host_email=email)

    def me(self) -> dict:
        return {"timezone": self.timezone} if self.timezone else {}


class Access:
    def __init__(
        self, accounts: Accounts, orgs: Orgs, webex: BotClient, clock: Callable[[], datetime]
    ) -> None:
        self.accounts = accounts
        self.orgs = orgs
        self.webex = webex  # the bot's client: people's orgIds
        self.now = clock

    # Interface for the other features (alerts, history) ----------------------------------
    def org_client(self, org_id: str) -> UserClient:
        return self.orgs.client(org_id)

    def org_connections(self) -> list[OrgConnectionInfo]:
        return self.orgs.infos()

    def org_of(self, person_id: str) -> str | None:
        return self.identity(person_id).org_id or None

    def is_quality_admin(self, email: str, org_id: str | None) -> bool:
        if not email or not org_id:
            return False
        return email.strip().lower() in self.orgs.quality_admins(org_id)

    # Who is served -----------------------------------------------------------------------
    def identity(self, person_id: str) -> Identity:
        """orgId, email and time zone from `GET /people/{id}` with the bot token, cached."""
        now = self.now()
        row = person_orgs.get(person_id, ORG_TTL, now)
        if row is not None:
            return Identity(row.org_id, row.email, row.timezone)
        try:
            person = self.webex.person(person_id)
        except WebexError as exc:
            log.warning("could not look up a person's org (%s)", exc.status)
            raise OrgLookupFailed(ORG_LOOKUP_FAILED) from None
        email = str((person.get("emails") or [""])[0]).lower()
        found = Identity(str(person.get("orgId") or ""), email, str(person.get("timezone") or ""))
        person_orgs.save(person_id, found.org_id, found.email, found.timezone, now)
        return found

    def viewer(self, person_id: str, email: str = "") -> Viewer:
        """How the person is served. Raises NotConnected (the /connect hint), NeedsReconnect,
        OrgNeedsReconnect or OrgLookupFailed: never serves them through someone else's org."""
        accounts, orgs = self.accounts, self.orgs
        info = accounts.info(person_id)
        own = accounts.client_for(person_id) if info is not None and not info.broken else None
        viewer = Viewer(person_id, email.strip().lower(), None, own, None)
        viewer.own_has_analytics = bool(info and not info.broken and info.has_analytics)
        org_broken = False
        if orgs.any():  # only then is the org lookup worth a Webex call
            try:
                ident = self.identity(person_id)
            except OrgLookupFailed:
                if own is None:
                    raise
                ident = None  # their own connection is safe: Webex decides what it reads
            if ident is not None:
                viewer.org_id = ident.org_id or None
                viewer.email = viewer.email or ident.email
                viewer.timezone = ident.timezone
                conn = orgs.info(ident.org_id) if ident.org_id else None
                if conn is not None and conn.broken:
                    org_broken = True
                elif conn is not None:
                    viewer.org = orgs.client(ident.org_id)
                    viewer.is_admin = self.is_quality_admin(viewer.email, ident.org_id)
        if viewer.own is None and viewer.org is None:
            if org_broken:
                orgs.tell_admins_once(viewer.org_id or "")
                raise OrgNeedsReconnect(ORG_BROKEN)
            if info is not None and info.broken:
                raise NeedsReconnect(person_id)
            raise NotConnected(person_id)
        return viewer

    def can_be_served(self, person_id: str) -> bool:
        """For commands that need an account: an own connection or a connected org. A failed
        lookup says yes, so the command itself gives the clear answer."""
        if self.accounts.is_connected(person_id):
            return True
        if not self.orgs.any():
            return False
        try:
            org_id = self.identity(person_id).org_id
        except OrgLookupFailed:
            return True
        return bool(org_id) and self.orgs.info(org_id) is not None

    # Who may see what ---------------------------------------------------------------------
    def may_read_cached(self, viewer: Viewer, meeting: dict) -> bool:
        """Part I (own token, Webex decides): data someone else fetched goes only to whom Webex
        would give it, an admin with `analytics:read_all` in the meeting's org. The org is the
        host's (`hostUserId`), both looked up with the bot token."""
        if not viewer.own_has_analytics:
            return False
        host_id = str(meeting.get("hostUserId") or "")
        if not host_id or host_id == viewer.person_id:
            return True
        try:
            return self.identity(viewer.person_id).org_id == self.identity(host_id).org_id
        except OrgLookupFailed:
            return False

    def view(self, viewer: Viewer, meeting: dict, items: list[dict]) -> View | Refused:
        if not viewer.via_org:
            return View(items, meeting, "all")  # Part I: the person's own token, Webex decided
        return view_of(viewer.email, viewer.is_admin, meeting, items)

    def view_key(self, viewer: Viewer, meeting: dict) -> str:
        """The key `view` gives this viewer when it does not refuse, found without the items."""
        return view_key_of(viewer.email, viewer.is_admin, meeting) if viewer.via_org else "all"


def _same(a: Any, b: Any) -> bool:
    return bool(a) and bool(b) and str(a).strip().lower() == str(b).strip().lower()


def view_key_of(viewer_email: str, is_admin: bool, meeting: dict) -> str:
    """Pure: the key of the view `view_of` gives when it does not refuse. It names a view, it
    grants nothing: a participant's view is stored under it only after `view_of` accepted them
    for that very fetch, so a stored one proves the check passed on the same data."""
    if is_admin or _same(meeting.get("hostEmail"), viewer_email):
        return "all"
    digest = hashlib.sha256(viewer_email.strip().lower().encode()).hexdigest()[:16]
    return f"participant:{digest}"


def view_of(viewer_email: str, is_admin: bool, meeting: dict, items: list[dict]) -> View | Refused:
    """Pure: the §9 rule for one viewer of one meeting's quality items."""
    key = view_key_of(viewer_email, is_admin, meeting)
    if key == "all":
        return View(items, meeting, "all")
    if not any(_same(i.get("webexUserEmail"), viewer_email) for i in items):
        return Refused()
    hidden_host = {**meeting, "hostEmail": "", "hostDisplayName": "", "hostUserId": ""}
    shown = _anonymised(viewer_email, items)
    last = max((_number(i) for i in shown), default=0)
    if last >= 2:
        others = "Participant 2" if last == 2 else f"Participant 2 to Participant {last}"
        note = f"Only your own name is shown; the other participants are {others}."
    else:
        note = "Only your own name is shown."
    return View(shown, hidden_host, key, note)


def _number(item: dict) -> int:
    name = str(item.get("webexUserName") or "")
    pid = str(item.get("participantId") or "")
    if pid.startswith("participant-") and name.startswith("Participant "):
        return int(pid.removeprefix("participant-"))
    return 0


def visible_items(
    viewer_email: str, is_admin: bool, meeting: dict, items: list[dict]
) -> list[dict] | Refused:
    """The items a viewer may see (others as "Participant N"), or a refusal."""
    seen = view_of(viewer_email, is_admin, meeting, items)
    return seen if isinstance(seen, Refused) else seen.items


def _anonymised(viewer_email: str, items: list[dict]) -> list[dict]:
    """The viewer's own rows untouched; every other participant renamed "Participant N" (N from
    2, in order of appearance; rejoins keep their number), name, email and identifiers blanked."""
    numbers: dict[str, int] = {}
    out = []
    for item in items:
        if _same(item.get("webexUserEmail"), viewer_email):
            out.append(item)
            continue
        email = str(item.get("webexUserEmail") or "").strip().lower()
        pid = str(item.get("participantId") or "")
        keys = [k for k in (f"e:{email}" if email else "", f"p:{pid}" if pid else "") if k]
        keys = keys or [f"s:{item.get('participantSessionId') or item.get('webexUserName')}"]
        number = next((numbers[k] for k in keys if k in numbers), None)
        if number is None:
            number = len(set(numbers.values())) + 2
        for k in keys:
            numbers.setdefault(k, number)
        hidden = {**item, "webexUserName": f"Participant {number}", "webexUserEmail": ""}
        hidden["participantId"] = f"participant-{number}"
        for name in IDENTIFYING:
            if name in hidden:
                hidden[name] = ""
        out.append(hidden)
    return out
