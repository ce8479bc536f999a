"""The safety net: every ALERT_POLL_INTERVAL, list each connected org's ended meetings with the
org token and treat any not seen yet as if its `meetings`/`ended` webhook had arrived."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alerts import org, pipeline, rules
from bot.webex import WebexError
from storage import alerts as store

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

POLL_LEASE = timedelta(minutes=5)
MAX_AGE = timedelta(hours=24)  # never alert about a meeting that ended longer ago than this
LONGEST_MEETING = timedelta(hours=4)  # `from` filters on the start: look back this much more


def cutoff(now: datetime, last_poll: datetime | None, delay: int, interval: int) -> datetime:
    """Meetings that ended before this are not alerted by the poll: they ended before we were
    watching (first poll) or long before the last poll, whose webhooks were handled then."""
    since = (last_poll or now) - timedelta(seconds=delay + 2 * interval)
    return max(now - MAX_AGE, since)


def iso(moment: datetime) -> str:
    from bot.meetings import iso as to_iso

    return to_iso(moment)


def poll(runtime: Runtime) -> int:
    """Periodic (every minute, every worker): at most one worker lists an org per interval.
    Returns how many unseen meetings were taken in."""
    config = runtime.config
    taken_in = 0
    for connection in org.connections(runtime):
        now = runtime.now()
        interval = timedelta(seconds=config.alert_poll_interval)
        ok, last = store.claim_poll(connection.org_id, now, interval, POLL_LEASE)
        if not ok:
            continue
        try:
            found = poll_org(runtime, connection.org_id, now, last)
        except (WebexError, org.NoOrgConnection) as exc:
            # Counted as a poll: Webex is not asked again before the next interval.
            log.warning("listing ended meetings of org failed: %s", exc)
            store.polled(connection.org_id, now, -1)
            continue
        store.polled(connection.org_id, now, found)
        taken_in += found
    return taken_in


def poll_org(runtime: Runtime, org_id: str, now: datetime, last: datetime | None) -> int:
    config = runtime.config
    limit = cutoff(now, last, config.alert_delay, config.alert_poll_interval)
    user = org.client(runtime, org_id)
    items = user.ended_meetings(iso(limit - LONGEST_MEETING), iso(now + timedelta(minutes=1)))
    recent = {
        str(m["id"]): m
        for m in items
        if m.get("id") and (rules.ended_at(m) or now) >= limit
    }
    found = 0
    for meeting_id in sorted(store.unseen(recent)):
        if pipeline.intake(runtime, recent[meeting_id], org_id, source="poll"):
            found += 1
    if found:
        log.info("poll found %d ended meeting(s) no webhook announced", found)
    return found
