"""One person's stored tokens as a TokenSource: used, and refreshed once across every worker
when they are about to expire or Webex rejects them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

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
from storage.models import Connection

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

    Refreshes are serialised per person across threads and processes: a worker takes the
    row's refresh lease, spends the refresh token, and stores the result by compare-and-swap
    on `version`; the others wait and then use the token it stored.
    """

    def __init__(
        self, accounts: Keeper, person_id: str, sleep: Callable[[float], None] = time.sleep
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
