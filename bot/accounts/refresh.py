"""One person's stored tokens as a TokenSource: used, and refreshed once across every worker
when they are about to expire or Webex rejects them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from bot.accounts.model import (
    REFRESH_AHEAD,
    REFRESH_LEASE,
    REFRESH_WAIT,
    Grant,
    NeedsReconnect,
    NotConnected,
)
from bot.webex import RateLimited, TokenSource, Unauthorized, Unavailable, UserClient, WebexError
from storage import tokens
from storage.db import aware

if TYPE_CHECKING:
    from bot.config import Config
    from bot.webex import Http

log = logging.getLogger(__name__)

T = TypeVar("T")


class Keeper(Protocol):
    """What a token source needs of bot.accounts.Accounts (typed here so neither module
    imports the other back)."""

    clock: Callable[[], datetime]

    def encrypt(self, token: str) -> bytes: ...

    def decrypt(self, blob: bytes) -> str: ...

    def token_request(self, **fields: str) -> dict: ...

    def mark_broken(self, person_id: str, reason: str, version: int | None = None) -> bool: ...


class StoredTokens(TokenSource):
    """One person's tokens from the store, refreshed when about to expire or rejected.

    Refreshes are serialised per row across threads and processes: a worker takes the row's
    refresh lease, spends the refresh token, and stores the result by compare-and-swap on
    `version`; the others wait and then use the token it stored. An org connection
    (bot/orgs.py) is the same machinery on another table: it overrides the class attributes
    and the two hooks.
    """

    store: Any = tokens  # get, claim_refresh, release_refresh, compare_and_swap, by one key
    missing: type[Exception] = NotConnected
    refused: type[Exception] = NeedsReconnect
    what = "Webex"  # for log lines and messages: "Webex org" for an org connection

    def __init__(
        self, accounts: Keeper, person_id: str, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.accounts = accounts
        self.person_id = person_id
        self.sleep = sleep

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key={self.person_id!r})"

    # Hooks --------------------------------------------------------------------------------
    def token_request(self, row: Any, **form: str) -> dict:
        return self.accounts.token_request(**form)

    def mark_broken(self, reason: str, version: int) -> bool:
        return self.accounts.mark_broken(self.person_id, reason, version)

    def client(self, config: Config, http: Http) -> ConnectedClient:
        """A client reading Webex with these tokens. Raises `missing` or `refused` now when
        there is nothing usable, before any call."""
        self._row()
        return ConnectedClient(self, config.webex_api_url, config.webex_analytics_url, http)

    def access_token(self) -> str:
        row = self._row()
        if aware(row.access_expires_at) - self.accounts.clock() > REFRESH_AHEAD:
            return self.accounts.decrypt(row.access_token)
        return self._refreshed(rejected=None)

    def refresh(self, rejected: str) -> str:
        return self._refreshed(rejected=rejected)

    def _row(self) -> Any:
        row = self.store.get(self.person_id)
        if row is None:
            raise self.missing(self.person_id)
        if row.broken:
            raise self.refused(self.person_id)
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
            if self.store.claim_refresh(self.person_id, row.version, now + REFRESH_LEASE, now):
                return self._spend(row, rejected)
            if time.monotonic() > deadline:
                busy = f"another worker is still renewing this {self.what} connection"
                raise Unavailable(0, busy)
            self.sleep(0.05)

    def _spend(self, row: Any, rejected: str | None = None) -> str:
        """We hold the lease: use the refresh token once and store what comes back.

        A lost answer (timeout, 500/502 after the request went out) leaves the refresh in doubt:
        Webex may have issued new tokens we never saw. The next refresh retries the same
        refresh token, which works when Webex does not rotate it (its usual behaviour). When it
        did rotate, that retry is refused; the access token we hold then still serves until it
        expires (Webex does not revoke it on refresh), and only then is a new sign-in asked."""
        accounts = self.accounts
        try:
            refresh_token = accounts.decrypt(row.refresh_token)
            body = self.token_request(row, grant_type="refresh_token", refresh_token=refresh_token)
            grant = Grant.from_answer(body, accounts.clock(), row.scopes, refresh_token)
        except WebexError as exc:
            if 400 <= exc.status < 500 and not isinstance(exc, RateLimited):
                held = accounts.decrypt(row.access_token)
                usable = aware(row.access_expires_at) > accounts.clock() and held != rejected
                if row.refresh_in_doubt_at is not None and usable:
                    log.warning(
                        "a refresh after a lost answer was refused (%s); the current access "
                        "token serves until it expires",
                        exc.status,
                    )
                    self.store.release_refresh(self.person_id, row.version)
                    return held
                # invalid_grant (expired, revoked, already used) or any other refusal: only
                # a new sign-in can fix this.
                reason = f"refresh refused ({exc.status})"
                if not self.mark_broken(reason, row.version):
                    # The row moved on meanwhile (a reconnect): what it holds now is the truth.
                    return accounts.decrypt(self._row().access_token)
                raise self.refused(self.person_id) from None
            lost = isinstance(exc, Unavailable) and not exc.retryable
            self.store.release_refresh(
                self.person_id, row.version, in_doubt_at=accounts.clock() if lost else None
            )
            raise
        except BaseException:
            self.store.release_refresh(self.person_id, row.version)
            raise
        stored = self.store.compare_and_swap(
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
            log.info("renewed a %s access token", self.what)
            return grant.access_token
        # Our lease ran out and another worker stored its own refresh, or someone
        # reconnected meanwhile: the row is the truth.
        return accounts.decrypt(self._row().access_token)


class ConnectedClient(UserClient):
    """A UserClient on stored tokens whose second 401 (after a refresh) asks for a new sign-in:
    the source's `refused` (NeedsReconnect for a person, OrgNeedsReconnect for an org)."""

    tokens: StoredTokens

    def _with_refresh(self, call: Callable[[str], T]) -> T:
        try:
            return super()._with_refresh(call)
        except Unauthorized:
            raise self.tokens.refused("token rejected after a refresh") from None
