"""What the accounts feature says and holds: the hints people get, the limits, the errors, and
the shapes of a grant and a connection (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.webex import WebexError

CONNECT_HINT = (
    "`/{command}` reads your own Webex meetings, so I need your permission first: "
    "type `/connect` and follow the link I send you."
)
RECONNECT_HINT = (
    "Your Webex connection has expired or was revoked. Type `/connect` to connect again."
)

STATE_TTL = timedelta(minutes=10)
REFRESH_AHEAD = timedelta(minutes=5)  # refresh before use when this close to expiry
REFRESH_LEASE = timedelta(minutes=2)  # > one token call with its retries
REFRESH_WAIT = 75.0  # seconds a worker waits for another one's refresh (> TOKEN_TIMEOUT)
TOKEN_TIMEOUT = (3.05, 60)  # connect, read: the token endpoint's answer is worth waiting for
ANALYTICS_SCOPE = "analytics:read_all"


class NotConnected(Exception):
    pass


class NeedsReconnect(Exception):
    pass


class NotConfigured(Exception):
    """The bot lacks what OAuth needs; the message names it for the admin (no secret in it)."""


class ConnectRefused(Exception):
    """A callback that stores nothing. `reason`: unknown|expired|used|exchange|identity|
    someone_else|not_configured|not_admin; bot/oauth.py turns it into a page."""

    def __init__(
        self, reason: str, *, person_id: str = "", signed_in_as: str = "", detail: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.person_id = person_id
        self.signed_in_as = signed_in_as
        self.detail = detail


@dataclass(frozen=True)
class Grant:
    """One answer of the token URL, with lifetimes turned into instants."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    scopes: str

    @classmethod
    def from_answer(cls, body: dict, now: datetime, scopes: str, refresh_token: str = "") -> Grant:
        """Webex may or may not rotate the refresh token: keep the old one when none comes."""
        if not body.get("access_token"):
            raise WebexError(0, "the token URL answered without an access_token")
        refresh_in = body.get("refresh_token_expires_in")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or refresh_token),
            access_expires_at=now + timedelta(seconds=int(body.get("expires_in") or 0)),
            refresh_expires_at=now + timedelta(seconds=int(refresh_in)) if refresh_in else None,
            scopes=str(body.get("scope") or scopes),
        )


@dataclass(frozen=True)
class Connected:
    person_id: str
    email: str
    display_name: str
    scopes: str
    room_id: str
    org_id: str = ""  # set when the grant became its org's connection (`/connect org`)

    @property
    def has_analytics(self) -> bool:
        return ANALYTICS_SCOPE in self.scopes.split()


@dataclass(frozen=True)
class ConnectionInfo:
    """What /status shows: no token in here."""

    email: str
    display_name: str
    scopes: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    connected_at: datetime
    broken: bool

    @property
    def has_analytics(self) -> bool:
        return ANALYTICS_SCOPE in self.scopes.split()
