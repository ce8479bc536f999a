"""`Accounts`: connecting a person's Webex account (the OAuth code flow), what is known about
the connection, and a client that reads Webex with it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken, MultiFernet

from bot.accounts.model import (
    STATE_TTL,
    TOKEN_TIMEOUT,
    Connected,
    ConnectionInfo,
    ConnectRefused,
    Grant,
    NeedsReconnect,
    NotConfigured,
    NotConnected,
)
from bot.accounts.refresh import StoredTokens
from bot.config import Config
from bot.crypto import token_cipher
from bot.mentions import same_person
from bot.webex import Http, UserClient, WebexError
from storage import oauth_states, subscriptions, tokens
from storage.db import aware

log = logging.getLogger(__name__)


class Accounts:
    def __init__(self, config: Config, http: Http) -> None:
        self.config = config
        self.http = http
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._cipher: MultiFernet | None = None
        self.orgs: Any = None  # bot.orgs.Orgs, set by the runtime: completes `/connect org`

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
    def authorize_link(self, person_id: str, room_id: str, kind: str = "person") -> str:
        """The sign-in link of /connect; `kind="org"` (`/connect org`): the org scopes, and the
        state remembers that the grant is for the org."""
        problem = self.setup_problem()
        if problem:
            raise NotConfigured(problem)
        state = oauth_states.issue(person_id, room_id, STATE_TTL, self.clock(), kind)
        query = urlencode(
            {
                "client_id": self.config.webex_client_id,
                "response_type": "code",
                "redirect_uri": self.config.redirect_uri,
                "scope": self._scopes(kind),
                "state": state,
            }
        )
        return f"{self.config.authorize_url}?{query}"

    def _scopes(self, kind: str) -> str:
        return self.config.oauth_org_scopes if kind == "org" else self.config.oauth_scopes

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
            grant = Grant.from_answer(body, now, self._scopes(asked.kind))
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
        if asked.kind == "org":
            return self.orgs.adopt(asked.person_id, asked.room_id, grant, me)
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
        return self.token_request_as(
            self.config.webex_client_id, self.config.webex_client_secret, **form
        )

    def token_request_as(self, client_id: str, client_secret: str, **form: str) -> dict:
        """The same with another client's credentials (an org's Service App)."""
        data = {"client_id": client_id, "client_secret": client_secret, **form}
        # A slow token endpoint is waited for (60 s): an answer given up on is a refresh in
        # doubt, and with rotating refresh tokens possibly a lost connection.
        return self.http.json("POST", self.config.token_url, data=data, timeout=TOKEN_TIMEOUT)

    # Using and managing connections -------------------------------------------------------
    def client_for(self, person_id: str) -> UserClient:
        """The person's client (refreshing); NotConnected / NeedsReconnect."""
        return self.tokens_for(person_id).client(self.config, self.http)

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
            subscriptions.pause_for_person(person_id, subscriptions.PAUSE_DISCONNECTED)
        return deleted

    def mark_broken(self, person_id: str, reason: str, version: int | None = None) -> bool:
        """Broken until the person connects again; their daily summaries pause meanwhile."""
        if not tokens.mark_broken(person_id, version, now=self.clock()):
            return False
        log.warning("a Webex connection needs /connect again: %s", reason)
        subscriptions.pause_for_person(person_id, subscriptions.PAUSE_TOKEN)
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
