"""What a space is told about its daily summary: why it paused, the `/status` line, and when
the next one goes out."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import echo
from bot.summaries import schedule
from bot.webex import BotClient, RateLimited, Unavailable, WebexError
from storage import subscriptions, summary_runs
from storage.models import Subscription

log = logging.getLogger(__name__)

PAUSE_TEXT = {
    subscriptions.PAUSE_DISCONNECTED: (
        "disconnected their Webex account from me",
        "When they type `/connect` again the summaries resume by themselves; or anyone "
        "connected can type `/subscribe` here to take them over.",
    ),
    subscriptions.PAUSE_TOKEN: (
        "has a Webex connection that expired or was revoked",
        "When they type `/connect` again the summaries resume by themselves; or anyone "
        "connected can type `/subscribe` here to take them over.",
    ),
    subscriptions.PAUSE_LEFT: (
        "is no longer a member of this space",
        "Anyone here who is connected can type `/subscribe` to take the summaries over.",
    ),
}


def pause_notice(reason: str, who: str) -> str:
    why, fix = PAUSE_TEXT.get(reason, ("can no longer be used", "Type `/subscribe` to restart."))
    return f"Daily meeting-quality summaries in this space are **paused**: {who} {why}. {fix}"


def announce_pauses(webex: BotClient, room_id: str | None = None) -> int:
    """Tell each newly paused space why, once: the flag is set (compare-and-set) before sending."""
    told = 0
    for sub in subscriptions.needing_notice():
        if room_id is not None and sub.room_id != room_id:
            continue
        if not subscriptions.mark_notified(sub.room_id):
            continue  # another worker tells them
        try:
            webex.send(
                room_id=sub.room_id,
                markdown=pause_notice(sub.paused_reason or "", _display_name(webex, sub.person_id)),
            )
            told += 1
        except (Unavailable, RateLimited):
            subscriptions.unmark_notified(sub.room_id)  # Webex hiccup: try at the next tick
        except WebexError:
            log.warning("could not tell %s its summary is paused", sub.room_id, exc_info=True)
    return told


def _display_name(webex: BotClient, person_id: str) -> str:
    try:
        name = webex.person(person_id).get("displayName")
    except WebexError:
        name = None
    return f"the subscriber ({echo.plain(name)})" if name else "the subscriber"


def next_send(sub: Subscription, now: datetime) -> datetime:
    """When this subscription will next post, counting the days that already have a run."""
    today = now.astimezone(ZoneInfo(sub.timezone)).date()
    soon = (today + timedelta(days=offset) for offset in range(3))
    sent: set[date] = {day for day in soon if summary_runs.exists(sub.room_id, day)}
    return schedule.next_send(sub, now, sent)


def describe(room_id: str, now: datetime) -> str:
    """One line about this space's subscription, for /status."""
    sub = subscriptions.get(room_id)
    if sub is None:
        return "No daily summary in this space (`/subscribe` to start one)."
    when = f"every day at **{sub.local_time} {sub.timezone}**"
    if sub.paused_reason:
        why = PAUSE_TEXT.get(sub.paused_reason, ("cannot be used", ""))[0]
        return f"Daily summary {when}: **paused** (the subscriber {why}; `/subscribe` restarts it)."
    nxt = next_send(sub, now).astimezone(ZoneInfo(sub.timezone))
    return f"Daily summary {when}; next on {nxt:%a %d %b %H:%M}."


def space_timezone(room_id: str, default: str) -> str:
    """The zone a space's days are cut in: its subscription's, else DEFAULT_TIMEZONE."""
    sub = subscriptions.get(room_id)
    return sub.timezone if sub is not None else default
