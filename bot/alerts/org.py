"""The one spot where alerts meet other features: the org connection and access rules
(bot/access.py, branch `org`) and the history (bot/history, branch `history`).

Everything else in bot/alerts calls these functions only, so adapting to the merged interfaces
is a change here. Until a feature is present its fallback keeps alerts inert, never broken:
no org connection means nothing to watch.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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


def _access(runtime: Runtime) -> Any | None:
    """The runtime's bot.access.Access (branch `org`), or None before it is merged."""
    return getattr(runtime, "access", None)


def _org_errors() -> tuple[type[Exception], ...]:
    try:
        orgs = importlib.import_module("bot.orgs")
    except ImportError:
        return (LookupError,)
    return tuple(
        e
        for e in (getattr(orgs, "OrgNotConnected", None), getattr(orgs, "OrgNeedsReconnect", None))
        if e
    ) or (LookupError,)


def connections(runtime: Runtime) -> list[OrgInfo]:
    """Usable org connections (a broken one cannot read anything until reconnected)."""
    access = _access(runtime)
    if access is None:
        return []
    return [
        OrgInfo(str(c.org_id), str(getattr(c, "connected_by_email", "") or ""))
        for c in access.org_connections()
        if not getattr(c, "broken", False)
    ]


def client(runtime: Runtime, org_id: str) -> UserClient:
    """The org connection's client (refreshing its token); NoOrgConnection when there is none."""
    access = _access(runtime)
    if access is None:
        raise NoOrgConnection(org_id)
    try:
        found = access.org_client(org_id)
    except _org_errors():
        raise NoOrgConnection(org_id) from None
    if found is None:
        raise NoOrgConnection(org_id)
    return found


def org_of(runtime: Runtime, person_id: str) -> str | None:
    """The person's org id (GET /people/{id} with the bot token, cached); None when unknown."""
    access = _access(runtime)
    if access is None or not person_id:
        return None
    try:
        return access.org_of(person_id)
    except Exception as exc:  # OrgLookupFailed and Webex trouble: unknown, not fatal
        log.info("org of a person unknown: %s", type(exc).__name__)
        return None


def configured_admins(runtime: Runtime) -> set[str]:
    raw = str(getattr(runtime.config, "quality_admins", "") or "")
    return {e.strip().lower() for e in raw.split(",") if e.strip()}


def is_quality_admin(runtime: Runtime, email: str, org_id: str | None) -> bool:
    access = _access(runtime)
    if access is not None and org_id:
        return bool(access.is_quality_admin(email, org_id))
    return email.lower() in configured_admins(runtime)


def record_history(meeting: dict, report: Any, org_id: str) -> None:
    """Every analysed meeting keeps its per-participant rows (§12), when history is present.
    `report` is a bot.quality MeetingReport (not imported: the web process reaches this module
    for the org webhook and must not load the analysis)."""
    try:
        history = importlib.import_module("bot.history")
    except ImportError:
        return
    record = getattr(history, "record_meeting", None)
    if record is not None:
        record(meeting, report, org_id)
