"""Daily summaries (issue 6): when each space is due, the exactly-once send, and the content.

Flow, once a minute in every worker: `run_due` finds the subscriptions whose local time has come
today and have no run row yet, and queues one `send_due(room, local date)` task per space, so a
thousand spaces are spread over the worker pool instead of run in one loop. The task claims the
(space, local date) row in storage.summary_runs BEFORE any Webex call, fetches the subscriber's
meetings of the day before, switches the claim to `sending` (compare-and-set), then posts. A
duplicate task, a second host or a clock jump therefore loses at the claim or at the switch.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import accounts
from bot.summary_content import Composed, DayCache, Post, compose, render, with_note
from bot.summary_time import due_day, hhmm, late_note, next_send, wall_instant
from bot.webex import NotFound, RateLimited, Unauthorized, Unavailable, WebexError
from storage import subscriptions, summary_runs

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient
    from storage.models import Subscription

log = logging.getLogger(__name__)

HOST = f"{socket.gethostname()}:{os.getpid()}"


# Scheduling ------------------------------------------------------------------------------------
def run_due(runtime: Runtime) -> int:
    """Announce new pauses, then queue every due space once; returns how many were queued."""
    now = runtime.now()
    announce_pauses(runtime)
    due: list[tuple[str, date]] = []
    for sub in subscriptions.all_active():
        try:
            day = due_day(sub, now)
        except (ValueError, KeyError):  # a zone that vanished from tzdata: skip, do not crash
            log.warning("subscription of %s has an unusable time or zone", sub.room_id)
            continue
        if day is not None:
            due.append((sub.room_id, day))
    skip = summary_runs.blocking(due, now)
    todo = [pair for pair in due if pair not in skip]
    for room_id, day in todo:
        runtime.queue.tasks.send_daily_summary(room_id, day.isoformat())  # bot/tasks.py
    return len(todo)


def send_due(runtime: Runtime, room_id: str, day: date) -> str:
    """Claim and send one space's summary for local date `day`; returns the run's outcome."""
    sub = subscriptions.get(room_id)
    if sub is None or sub.paused_reason:
        return "skipped"
    token = f"{HOST}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"
    if not summary_runs.claim(room_id, day, token, runtime.now()):
        return "taken"
    try:
        status = _deliver(runtime, sub, day, token)
    except Exception:
        log.exception("daily summary for %s on %s failed", room_id, day)
        # Before posting: retried after the lease. While posting: never again (no duplicate).
        if summary_runs.advance(room_id, day, token, "failed", runtime.now()):
            return "failed"
        summary_runs.advance(room_id, day, token, "partial", runtime.now())
        return "partial"
    return status


def _deliver(runtime: Runtime, sub: Subscription, day: date, token: str) -> str:
    room_id, now = sub.room_id, runtime.now()
    try:
        member = runtime.webex.is_member(room_id, sub.person_id)
    except NotFound:
        # The bot itself is no longer in the space: nobody to tell, nothing to send, ever.
        log.info("bot left %s: its daily summary subscription is removed", room_id)
        subscriptions.unsubscribe(room_id)
        summary_runs.advance(room_id, day, token, "failed", now)
        return "gone"
    if not member:
        return _pause(runtime, sub, day, token, subscriptions.PAUSE_LEFT)
    try:
        user = runtime.accounts.client_for(sub.person_id)
        composed, posts = day_cache(runtime).get(
            (sub.person_id, day - timedelta(days=1), sub.timezone),
            lambda: _make(runtime, sub.person_id, user, day - timedelta(days=1), sub.timezone),
        )
    except accounts.NotConnected:
        return _pause(runtime, sub, day, token, subscriptions.PAUSE_DISCONNECTED)
    except (accounts.NeedsReconnect, Unauthorized):
        return _pause(runtime, sub, day, token, subscriptions.PAUSE_TOKEN)
    due_at = wall_instant(day, hhmm(sub.local_time), ZoneInfo(sub.timezone))
    posts = with_note(posts, late_note(due_at, runtime.now(), sub.timezone))
    if not summary_runs.advance(room_id, day, token, "sending", runtime.now()):
        return "taken"  # our claim expired and another worker holds it now: it sends
    sent = 0
    try:
        for post in posts:
            runtime.webex.send(
                room_id=room_id, markdown=post.markdown, card=post.card, upload=post.upload
            )
            sent += 1
    except WebexError:
        # Never re-send what may be out already: a half-posted day stays half-posted.
        log.warning(
            "daily summary for %s on %s stopped after %d of %d messages",
            room_id,
            day,
            sent,
            len(posts),
            exc_info=True,
        )
        summary_runs.advance(room_id, day, token, "partial" if sent else "failed", runtime.now())
        return "partial" if sent else "failed"
    status = "sent" if composed.meetings else "empty"
    summary_runs.advance(room_id, day, token, status, runtime.now())
    return status


def _make(
    runtime: Runtime, person_id: str, user: UserClient, day: date, tz: str
) -> tuple[Composed, list[Post]]:
    composed = compose(runtime, person_id, user, day, tz)
    return composed, render(composed)


def day_cache(runtime: Runtime) -> DayCache:
    """The runtime's own cache, so tests and processes never share one."""
    cache = getattr(runtime, "summary_days", None)
    if cache is None:
        with _CACHE_LOCK:
            cache = getattr(runtime, "summary_days", None)
            if cache is None:
                cache = DayCache()
                runtime.summary_days = cache  # type: ignore[attr-defined]
    return cache


_CACHE_LOCK = threading.Lock()


# Pauses ----------------------------------------------------------------------------------------
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


def _pause(runtime: Runtime, sub: Subscription, day: date, token: str, reason: str) -> str:
    subscriptions.pause(sub.room_id, reason)
    summary_runs.advance(sub.room_id, day, token, "paused", runtime.now())
    announce_pauses(runtime, room_id=sub.room_id)
    return "paused"


def announce_pauses(runtime: Runtime, room_id: str | None = None) -> int:
    """Tell each newly paused space why, once: the flag is set (compare-and-set) before sending."""
    told = 0
    for sub in subscriptions.needing_notice():
        if room_id is not None and sub.room_id != room_id:
            continue
        if not subscriptions.mark_notified(sub.room_id):
            continue  # another worker tells them
        try:
            runtime.webex.send(
                room_id=sub.room_id,
                markdown=pause_notice(
                    sub.paused_reason or "", _display_name(runtime, sub.person_id)
                ),
            )
            told += 1
        except (Unavailable, RateLimited):
            subscriptions.unmark_notified(sub.room_id)  # Webex hiccup: try at the next tick
        except WebexError:
            log.warning("could not tell %s its summary is paused", sub.room_id, exc_info=True)
    return told


def _display_name(runtime: Runtime, person_id: str) -> str:
    try:
        name = runtime.webex.person(person_id).get("displayName")
    except WebexError:
        name = None
    return f"the subscriber ({name})" if name else "the subscriber"


# /status and confirmations ---------------------------------------------------------------------
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
