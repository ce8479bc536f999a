"""Org connections (§9): one admin grant or Service App per org, serving everyone in it.

Stored encrypted like a person's tokens (same cipher, same single-spend refresh:
bot/accounts/refresh.py) in storage/org_connections.py. This module and bot/accounts/ are the
only places that see tokens in clear; none of its reprs, logs or messages carries one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.accounts.model import Connected, ConnectRefused, Grant
from bot.accounts.refresh import StoredTokens
from bot.webex import Forbidden, TokenSource, Unauthorized, UserClient, WebexError
from storage import org_connections
from storage.db import aware

if TYPE_CHECKING:
    from bot.accounts import Accounts
    from bot.config import Config
    from bot.webex import BotClient, Http

log = logging.getLogger(__name__)

# What the token answer must list for the grant to read qualities; listing anyone's meetings is
# then checked with one real call (Webex leaves admin scopes out for non-admins).
NEEDED_SCOPES = ("analytics:read_all",)
# A Service App pair arrives without its lifetime: assume a short one, so the first refresh
# (ahead of this) learns the real one from Webex's answer; a 401 earlier refreshes too.
SERVICE_APP_ASSUMED_TTL = timedelta(hours=1)


class OrgNotConnected(LookupError):
    pass


class OrgNeedsReconnect(Exception):
    """The org grant expired or was revoked: a quality admin must `/connect org` again."""


class OrgSetupError(Exception):
    """Something the bot's operator must fix (one line, no secret)."""


@dataclass(frozen=True)
class OrgConnectionInfo:
    """What `/status` and `org status` show: no token in here."""

    org_id: str
    kind: str  # oauth|service-app
    connected_by: str  # person id, "" for a Service App
    connected_by_email: str
    scopes: str
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    connected_at: datetime
    broken: bool

    @property
    def who(self) -> str:
        return self.connected_by_email or "a Service App (quality-bot org service-app)"


class FixedToken(TokenSource):
    """A token just received, checked before anything is stored: no refresh possible."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __repr__(self) -> str:
        return "FixedToken(***)"

    def access_token(self) -> str:
        return self._token

    def refresh(self, rejected: str) -> str:
        raise Unauthorized(401, "the new token was refused")


class OrgTokens(StoredTokens):
    store = org_connections
    missing = OrgNotConnected
    refused = OrgNeedsReconnect
    what = "Webex org"

    def __init__(self, orgs: Orgs, org_id: str) -> None:
        super().__init__(orgs.accounts, org_id)
        self.orgs = orgs

    def token_request(self, row, **form: str) -> dict:
        return self.orgs.token_request(row.kind, **form)

    def mark_broken(self, reason: str, version: int) -> bool:
        return self.orgs.mark_broken(self.person_id, reason, version)


class Orgs:
    def __init__(
        self, config: Config, http: Http, accounts: Accounts, webex: BotClient | None = None
    ) -> None:
        self.config = config
        self.http = http
        self.accounts = accounts  # cipher, clock and the integration's token requests
        self.webex = webex  # to tell quality admins about a broken grant

    # Connecting ---------------------------------------------------------------------------
    def authorize_link(self, person_id: str, room_id: str) -> str:
        """Like /connect, with the org scopes; the state remembers the grant is for the org."""
        return self.accounts.authorize_link(person_id, room_id, "org")

    def adopt(self, person_id: str, room_id: str, grant: Grant, me: dict) -> Connected:
        """The callback of `/connect org`: the grant becomes its signer's org connection, once
        a cheap call shows it can serve the org. Raises ConnectRefused, having stored nothing."""
        email = str((me.get("emails") or [""])[0])
        org_id = str(me.get("orgId") or "")
        if not org_id:
            raise ConnectRefused("identity", person_id=person_id, detail="no orgId")
        missing = [s for s in NEEDED_SCOPES if s not in grant.scopes.split()]
        if missing:
            raise ConnectRefused("not_admin", person_id=person_id, detail=" ".join(missing))
        try:
            self.checker(grant.access_token).can_list_ended()
        except (Forbidden, Unauthorized) as exc:
            raise ConnectRefused("not_admin", person_id=person_id, detail=exc.message) from None
        except WebexError as exc:
            raise ConnectRefused("identity", person_id=person_id, detail=exc.message) from None
        org_connections.save_for(
            org_id,
            kind="oauth",
            connected_by=person_id,
            connected_by_email=email.lower(),
            access_token=self.accounts.encrypt(grant.access_token),
            refresh_token=self.accounts.encrypt(grant.refresh_token),
            access_expires_at=grant.access_expires_at,
            refresh_expires_at=grant.refresh_expires_at,
            scopes=grant.scopes,
            now=self.accounts.clock(),
        )
        log.info("connected an org (scopes: %s)", grant.scopes)
        name = str(me.get("displayName") or email)
        return Connected(person_id, email, name, grant.scopes, room_id, org_id=org_id)

    def store_service_app(self, access_token: str, refresh_token: str, org_id: str = "") -> str:
        """`quality-bot org service-app`: check the pair with one listing, store it encrypted.
        Returns the one line the CLI prints (never a token)."""
        if not (
            self.config.webex_service_app_client_id and self.config.webex_service_app_client_secret
        ):
            raise OrgSetupError(
                "WEBEX_SERVICE_APP_CLIENT_ID and WEBEX_SERVICE_APP_CLIENT_SECRET must be set "
                "(the Service App refreshes its token with them)"
            )
        if not access_token or not refresh_token:
            raise OrgSetupError(
                "standard input must hold two lines: the access token, then the refresh token"
            )
        try:
            self.checker(access_token).can_list_ended()
        except WebexError as exc:
            raise OrgSetupError(
                f"Webex refused the Service App's access token for listing meetings "
                f"({exc.status or 'no answer'}): check it was authorized by a full admin "
                "with the meeting and analytics scopes"
            ) from None
        if not org_id:
            if self.webex is None:
                raise OrgSetupError("--org-id is needed without WEBEX_BOT_TOKEN")
            org_id = str(self.webex.me().get("orgId") or "")
            if not org_id:
                raise OrgSetupError("the bot's own orgId is unknown: pass --org-id ORG_ID")
        now = self.accounts.clock()
        org_connections.save_for(
            org_id,
            kind="service-app",
            connected_by="",
            connected_by_email="",
            access_token=self.accounts.encrypt(access_token),
            refresh_token=self.accounts.encrypt(refresh_token),
            access_expires_at=now + SERVICE_APP_ASSUMED_TTL,
            refresh_expires_at=None,
            scopes="",
            now=now,
        )
        return f"stored the Service App as the org connection of {org_id}"

    def checker(self, token: str) -> UserClient:
        return UserClient(
            FixedToken(token), self.config.webex_api_url, self.config.webex_analytics_url, self.http
        )

    def token_request(self, kind: str, **form: str) -> dict:
        """Refresh grants: the integration's client for an admin grant, the Service App's own."""
        if kind != "service-app":
            return self.accounts.token_request(**form)
        client_id = self.config.webex_service_app_client_id
        secret = self.config.webex_service_app_client_secret
        if not (client_id and secret):
            raise OrgSetupError(
                "WEBEX_SERVICE_APP_CLIENT_ID/SECRET are not set: the Service App cannot refresh"
            )
        return self.accounts.token_request_as(client_id, secret, **form)

    # Using --------------------------------------------------------------------------------
    def client(self, org_id: str) -> UserClient:
        """The org connection's client (refreshing); OrgNotConnected / OrgNeedsReconnect."""
        return OrgTokens(self, org_id).client(self.config, self.http)

    def info(self, org_id: str) -> OrgConnectionInfo | None:
        row = org_connections.get(org_id)
        return _info(row) if row is not None else None

    def infos(self) -> list[OrgConnectionInfo]:
        return [_info(row) for row in org_connections.all_rows()]

    def any(self) -> bool:
        return org_connections.any_exist()

    def forget(self, org_id: str) -> bool:
        return org_connections.delete_for(org_id)

    def quality_admins(self, org_id: str) -> set[str]:
        """The person who connected the org, and QUALITY_ADMINS (emails, lower case)."""
        admins = set(self.config.quality_admin_emails)
        row = org_connections.get(org_id)
        if row is not None and row.connected_by_email:
            admins.add(row.connected_by_email.lower())
        return admins

    def mark_broken(self, org_id: str, reason: str, version: int | None = None) -> bool:
        """Broken until an admin connects the org again; the quality admins hear it once."""
        if not org_connections.mark_broken(org_id, version, now=self.accounts.clock()):
            return False
        log.warning("an org connection needs /connect org again: %s", reason)
        self.tell_admins_once(org_id)
        return True

    def tell_admins_once(self, org_id: str) -> None:
        if self.webex is None or not org_connections.claim_broken_notice(org_id):
            return
        text = (
            "The organization's Webex connection of quality-bot has expired or was revoked, so "
            "people in your organization cannot see their meetings' quality through it. A Webex "
            "admin should type `/connect org` again (or re-run `quality-bot org service-app`)."
        )
        for email in sorted(self.quality_admins(org_id)):
            try:
                self.webex.send(to_person_email=email, markdown=text)
            except WebexError as exc:
                log.warning("could not tell a quality admin about the org connection: %s", exc)


def _info(row: Any) -> OrgConnectionInfo:
    return OrgConnectionInfo(
        org_id=row.org_id,
        kind=row.kind,
        connected_by=row.connected_by,
        connected_by_email=row.connected_by_email,
        scopes=row.scopes,
        access_expires_at=row.access_expires_at.replace(tzinfo=UTC),
        refresh_expires_at=aware(row.refresh_expires_at),
        connected_at=row.connected_at.replace(tzinfo=UTC),
        broken=row.broken,
    )
