"""People's own Webex connections: the OAuth code flow, encrypted tokens, refresh on demand.

Meetings and qualities are read with the requester's token, never the bot's. Tokens are kept
only as Fernet ciphertexts (bot/crypto.py) in storage/tokens.py; this module is the only place
that sees them in clear, and none of its reprs, logs or exception messages carries them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken, MultiFernet

from bot.config import Config
from bot.crypto import token_cipher
from bot.mentions import same_person
from bot.webex import (
    Http,
    RateLimited,
    TokenSource,
    Unauthorized,
    Unavailable,
    UserClient,
    WebexError,
)
from storage import oauth_states, subscriptions, tokens
from storage.base import aware
from storage.models import Connection

log = logging.getLogger(__name__)
T = TypeVar("T")

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
REFRESH_WAIT = 45.0  # seconds a worker waits for another one's refresh
ANALYTICS_SCOPE = "analytics:read_all"


class NotConnected(Exception):
    pass


class NeedsReconnect(Exception):
    pass


class NotConfigured(Exception):
    """The bot lacks what OAuth needs; the message names it for the admin (no secret in it)."""


class ConnectRefused(Exception):
    """A callback that stores nothing. `reason`: unknown|expired|used|exchange|identity|
    someone_else|not_configured; bot/oauth.py turns it into a page."""

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


class Accounts:
    def __init__(self, config: Config, http: Http) -> None:
        self.config = config
        self.http = http
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._cipher: MultiFernet | None = None

    # Configuration ------------------------------------------------------------------------
    @property
    def cipher(self) -> MultiFernet:
        """Built on first use: TOKEN_KEY is only required once tokens are stored."""
        if self._cipher is None:
            self._cipher = token_cipher(self.config.token_key)
        return self._cipher

    def setup_problem(self) -> str | None:
        """What an admin must fix before anyone can connect, or None."""
        if not self.config.oauth_configured:
            return "WEBEX_CLIENT_ID and WEBEX_CLIENT_SECRET are not set"
        try:
            token_cipher(self.config.token_key)
        except ValueError as exc:
            return str(exc)
        return None

    # The code flow ------------------------------------------------------------------------
    def authorize_link(self, person_id: str, room_id: str) -> str:
        problem = self.setup_problem()
        if problem:
            raise NotConfigured(problem)
        state = oauth_states.issue(person_id, room_id, STATE_TTL, self.clock())
        query = urlencode(
            {
                "client_id": self.config.webex_client_id,
                "response_type": "code",
                "redirect_uri": self.config.redirect_uri,
                "scope": self.config.oauth_scopes,
                "state": state,
            }
        )
        return f"{self.config.authorize_url}?{query}"

    def complete(self, code: str, state: str) -> Connected:
        """The callback's work: spend the state, exchange the code, check whose token it is,
        store it. Raises ConnectRefused, having stored nothing."""
        if self.setup_problem():
            raise ConnectRefused("not_configured")
        now = self.clock()
        asked = oauth_states.consume(state, now)
        if asked is None:
            raise ConnectRefused(oauth_states.why_refused(state, now))
        try:
            body = self.token_request(
                grant_type="authorization_code", code=code, redirect_uri=self.config.redirect_uri
            )
            grant = Grant.from_answer(body, now, self.config.oauth_scopes)
        except WebexError as exc:
            raise ConnectRefused(
                "exchange", person_id=asked.person_id, detail=exc.message
            ) from None
        try:
            me = self.http.json(
                "GET", f"{self.config.webex_api_url}/people/me", token=grant.access_token
            )
        except WebexError as exc:
            raise ConnectRefused(
                "identity", person_id=asked.person_id, detail=exc.message
            ) from None
        email = (me.get("emails") or [""])[0]
        if not same_person(str(me.get("id", "")), asked.person_id):
            # The tokens are simply dropped: there is no revocation call in our contract.
            log.warning("refused a connection: the sign-in was not the person who asked")
            raise ConnectRefused("someone_else", person_id=asked.person_id, signed_in_as=email)
        tokens.save_for(
            asked.person_id,
            email=email,
            display_name=str(me.get("displayName") or email),
            access_token=self.encrypt(grant.access_token),
            refresh_token=self.encrypt(grant.refresh_token),
            access_expires_at=grant.access_expires_at,
            refresh_expires_at=grant.refresh_expires_at,
            scopes=grant.scopes,
            now=self.clock(),
        )
        subscriptions.resume_for_person(asked.person_id)
        log.info("connected a Webex account (scopes: %s)", grant.scopes)
        return Connected(
            asked.person_id, email, str(me.get("displayName") or email), grant.scopes, asked.room_id
        )

    def abandon(self, state: str) -> None:
        """The person declined at Webex: spend the state so the link cannot be replayed."""
        oauth_states.consume(state, self.clock())

    def token_request(self, **form: str) -> dict:
        """POST /access_token with the integration's credentials (no bearer token)."""
        data = {
            "client_id": self.config.webex_client_id,
            "client_secret": self.config.webex_client_secret,
            **form,
        }
        return self.http.json("POST", self.config.token_url, data=data)

    # Using and managing connections -------------------------------------------------------
    def client_for(self, person_id: str) -> UserClient:
        row = tokens.get(person_id)
        if row is None:
            raise NotConnected(person_id)
        if row.broken:
            raise NeedsReconnect(person_id)
        return ConnectedClient(
            self.tokens_for(person_id),
            self.config.webex_api_url,
            self.config.webex_analytics_url,
            self.http,
        )

    def client_for_email(self, email: str) -> UserClient:
        """The same, for tools that know people by email (`quality-bot report`)."""
        row = tokens.find_by_email(email)
        if row is None:
            raise NotConnected(email)
        return self.client_for(row.person_id)

    def tokens_for(self, person_id: str) -> StoredTokens:
        return StoredTokens(self, person_id)

    def is_connected(self, person_id: str) -> bool:
        """Tokens are stored (perhaps expired or broken: using them says which)."""
        return tokens.get(person_id) is not None

    def info(self, person_id: str) -> ConnectionInfo | None:
        row = tokens.get(person_id)
        if row is None:
            return None
        return ConnectionInfo(
            email=row.email,
            display_name=row.display_name,
            scopes=row.scopes,
            access_expires_at=aware(row.access_expires_at),
            refresh_expires_at=aware(row.refresh_expires_at),
            connected_at=aware(row.connected_at),
            broken=row.broken,
        )

    def disconnect(self, person_id: str) -> bool:
        """Forget the person's tokens and pending links; True when there was a connection."""
        oauth_states.delete_for(person_id)
        deleted = tokens.delete_for(person_id)
        if deleted:
            subscriptions.pause_for_person(person_id, "disconnected")
        return deleted

    def mark_broken(self, person_id: str, reason: str, version: int | None = None) -> bool:
        """Broken until the person connects again; their daily summaries pause meanwhile."""
        if not tokens.mark_broken(person_id, version, now=self.clock()):
            return False
        log.warning("a Webex connection needs /connect again: %s", reason)
        subscriptions.pause_for_person(person_id, "token")
        return True

    def encrypt(self, token: str) -> bytes:
        return self.cipher.encrypt(token.encode("utf-8"))

    def decrypt(self, blob: bytes) -> str:
        try:
            return self.cipher.decrypt(bytes(blob)).decode("utf-8")
        except InvalidToken:
            # The key it was stored under left TOKEN_KEY: only a new /connect (or the old key
            # back in TOKEN_KEY) helps. The row is kept in case the admin restores the key.
            log.warning("stored tokens do not decrypt with any key in TOKEN_KEY")
            raise NeedsReconnect("tokens unreadable") from None


class StoredTokens(TokenSource):
    """One person's tokens from the store, refreshed when about to expire or rejected.

    Refreshes are serialised per person across threads and processes: a worker takes the
    row's refresh lease, spends the refresh token, and stores the result by compare-and-swap
    on `version`; the others wait and then use the token it stored.
    """

    def __init__(
        self, accounts: Accounts, person_id: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.accounts = accounts
        self.person_id = person_id
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"StoredTokens(person_id={self.person_id!r})"

    def access_token(self) -> str:
        row = self._row()
        if aware(row.access_expires_at) - self.accounts.clock() > REFRESH_AHEAD:
            return self.accounts.decrypt(row.access_token)
        return self._refreshed(rejected=None)

    def refresh(self, rejected: str) -> str:
        return self._refreshed(rejected=rejected)

    def _row(self) -> Connection:
        row = tokens.get(self.person_id)
        if row is None:
            raise NotConnected(self.person_id)
        if row.broken:
            raise NeedsReconnect(self.person_id)
        return row

    def _refreshed(self, rejected: str | None) -> str:
        first_version: int | None = None
        deadline = time.monotonic() + REFRESH_WAIT
        while True:
            row = self._row()
            now = self.accounts.clock()
            token = self.accounts.decrypt(row.access_token)
            expires_in = aware(row.access_expires_at) - now
            if first_version is None:
                first_version = row.version
            if token != rejected and (
                expires_in > REFRESH_AHEAD
                # Another worker refreshed since we looked: its token is the one to use, even
                # if Webex handed out a short-lived one.
                or (row.version != first_version and expires_in > timedelta(0))
            ):
                return token
            if tokens.claim_refresh(self.person_id, row.version, now + REFRESH_LEASE, now):
                return self._spend(row)
            if time.monotonic() > deadline:
                raise Unavailable(0, "another worker is still renewing this Webex connection")
            self.sleep(0.05)

    def _spend(self, row: Connection) -> str:
        """We hold the lease: use the refresh token once and store what comes back."""
        accounts = self.accounts
        try:
            refresh_token = accounts.decrypt(row.refresh_token)
            body = accounts.token_request(grant_type="refresh_token", refresh_token=refresh_token)
            grant = Grant.from_answer(body, accounts.clock(), row.scopes, refresh_token)
        except WebexError as exc:
            if 400 <= exc.status < 500 and not isinstance(exc, RateLimited):
                # invalid_grant (expired, revoked, already used) or any other refusal: only
                # the person can fix this, by connecting again.
                reason = f"refresh refused ({exc.status})"
                if not accounts.mark_broken(self.person_id, reason, row.version):
                    # The row moved on meanwhile (a reconnect): what it holds now is the truth.
                    return accounts.decrypt(self._row().access_token)
                raise NeedsReconnect(self.person_id) from None
            tokens.release_refresh(self.person_id, row.version)
            raise
        except BaseException:
            tokens.release_refresh(self.person_id, row.version)
            raise
        stored = tokens.compare_and_swap(
            self.person_id,
            row.version,
            access_token=accounts.encrypt(grant.access_token),
            refresh_token=accounts.encrypt(grant.refresh_token),
            access_expires_at=grant.access_expires_at,
            refresh_expires_at=grant.refresh_expires_at or aware(row.refresh_expires_at),
            scopes=grant.scopes,
            now=accounts.clock(),
        )
        if stored:
            log.info("renewed a Webex access token")
            return grant.access_token
        # Our lease ran out and another worker stored its own refresh, or the person
        # reconnected meanwhile: the row is the truth.
        return accounts.decrypt(self._row().access_token)


class ConnectedClient(UserClient):
    """A UserClient whose second 401 (after a refresh) asks the person to connect again."""

    def _with_refresh(self, call: Callable[[str], T]) -> T:
        try:
            return super()._with_refresh(call)
        except Unauthorized:
            raise NeedsReconnect("token rejected after a refresh") from None
