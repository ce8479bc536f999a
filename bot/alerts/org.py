"""The one spot where alerts meet the org connections and access rules (bot/access.py).

Everything else in bot/alerts calls these functions only (the alerts tests replace them with a
fake org), and sees one exception, NoOrgConnection, for "nothing can be read for this org".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.orgs import OrgNeedsReconnect, OrgNotConnected

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient

log = logging.getLogger(__name__)


class NoOrgConnection(Exception):
    """The org is not (or no longer) connected: nothing can be read for it."""


@dataclass(frozen=True)
class OrgInfo:
    org_id: str
    connected_by_email: str


def connections(runtime: Runtime) -> list[OrgInfo]:
    """Usable org connections (a broken one cannot read anything until reconnected)."""
    return [
        OrgInfo(c.org_id, c.connected_by_email)
        for c in runtime.access.org_connections()
        if not c.broken
    ]


def client(runtime: Runtime, org_id: str) -> UserClient:
    """The org connection's client (refreshing its token); NoOrgConnection when there is none."""
    try:
        return runtime.access.org_client(org_id)
    except (OrgNotConnected, OrgNeedsReconnect):
        raise NoOrgConnection(org_id) from None


def org_of(runtime: Runtime, person_id: str) -> str | None:
    """The person's org id (GET /people/{id} with the bot token, cached); None when unknown."""
    if not person_id:
        return None
    try:
        return runtime.access.org_of(person_id)
    except Exception as exc:  # OrgLookupFailed and Webex trouble: unknown, not fatal
        log.info("org of a person unknown: %s", type(exc).__name__)
        return None


def is_quality_admin(runtime: Runtime, email: str, org_id: str | None) -> bool:
    """The org's quality admins; while the person's org is unknown, those of QUALITY_ADMINS."""
    if org_id:
        return runtime.access.is_quality_admin(email, org_id)
    return email.lower() in runtime.config.quality_admin_emails
