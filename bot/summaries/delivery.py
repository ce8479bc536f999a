"""Daily summaries: the per-minute scan and the exactly-once send of each space's summary.

Flow, once a minute in every worker: `run_due` finds the subscriptions whose local time has come
today and have no run row yet, and queues one `send_due(room, local date)` task per space, so a
thousand spaces are spread over the worker pool instead of run in one loop. The task claims the
(space, local date) row in storage.summary_runs BEFORE any Webex call, fetches the subscriber's
meetings of the day before, switches the claim to `sending` (compare-and-set), then posts. A
duplicate task, a second host or a clock jump therefore loses at the claim or at the switch.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import accounts
from bot.meetings import claim_token
from bot.summaries import content
from bot.summaries.content import DayCache, DayContent, Post, with_note
from bot.summaries.notices import announce_pauses
from bot.summaries.schedule import due_day, hhmm, late_note, wall_instant
from bot.webex import NotFound, Unauthorized, WebexError
from storage import subscriptions, summary_runs

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient
    from storage.models import Subscription

log = logging.getLogger(__name__)

# What send_due reports besides a stored run status (storage.summary_runs): nothing to do,
# another worker has it, or the bot is no longer in the space.
SKIPPED, TAKEN, GONE = "skipped", "taken", "gone"


# Scheduling ------------------------------------------------------------------------------------
def run_due(runtime: Runtime) -> int:
    """Announce new pauses, then queue every due space once; returns how many were queued."""
    now = runtime.now()
    announce_pauses(runtime.webex)
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


def send_due(runtime: Runtime, room_id: str, day: date, cache: DayCache | None = None) -> str:
    """Claim and send one space's summary for local date `day`; returns the run's outcome.
    `cache` is the worker's, shared by its spaces (one person, many spaces: one fetch)."""
    sub = subscriptions.get(room_id)
    if sub is None or sub.paused_reason:
        return SKIPPED
    token = claim_token()
    if not summary_runs.claim(room_id, day, token, runtime.now()):
        return TAKEN
    try:
        status = _deliver(runtime, sub, day, token, cache or DayCache(ttl=0))
    except Exception:
        log.exception("daily summary for %s on %s failed", room_id, day)
        # Before posting: retried after the lease. While posting: never again (no duplicate).
        if summary_runs.advance(room_id, day, token, summary_runs.FAILED, runtime.now()):
            return summary_runs.FAILED
        summary_runs.advance(room_id, day, token, summary_runs.PARTIAL, runtime.now())
        return summary_runs.PARTIAL
    return status


def _deliver(runtime: Runtime, sub: Subscription, day: date, token: str, cache: DayCache) -> str:
    room_id, now = sub.room_id, runtime.now()
    try:
        member = runtime.webex.is_member(room_id, sub.person_id)
    except NotFound:
        # The bot itself is no longer in the space: nobody to tell, nothing to send, ever.
        log.info("bot left %s: its daily summary subscription is removed", room_id)
        subscriptions.unsubscribe(room_id)
        summary_runs.advance(room_id, day, token, summary_runs.FAILED, now)
        return GONE
    if not member:
        return _pause(runtime, sub, day, token, subscriptions.PAUSE_LEFT)
    try:
        user = runtime.accounts.client_for(sub.person_id)
        composed, posts = cache.get(
            (sub.person_id, day - timedelta(days=1), sub.timezone),
            lambda: _make(runtime, sub.person_id, user, day - timedelta(days=1), sub.timezone),
        )
    except accounts.NotConnected:
        return _pause(runtime, sub, day, token, subscriptions.PAUSE_DISCONNECTED)
    except (accounts.NeedsReconnect, Unauthorized):
        return _pause(runtime, sub, day, token, subscriptions.PAUSE_TOKEN)
    due_at = wall_instant(day, hhmm(sub.local_time), ZoneInfo(sub.timezone))
    posts = with_note(posts, late_note(due_at, runtime.now(), sub.timezone))
    if not summary_runs.advance(room_id, day, token, summary_runs.SENDING, runtime.now()):
        return TAKEN  # our claim expired and another worker holds it now: it sends
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
        summary_runs.advance(
            room_id,
            day,
            token,
            summary_runs.PARTIAL if sent else summary_runs.FAILED,
            runtime.now(),
        )
        return summary_runs.PARTIAL if sent else summary_runs.FAILED
    status = summary_runs.SENT if composed.meetings else summary_runs.EMPTY
    summary_runs.advance(room_id, day, token, status, runtime.now())
    return status


def _make(
    runtime: Runtime, person_id: str, user: UserClient, day: date, tz: str
) -> tuple[DayContent, list[Post]]:
    composed = content.compose(runtime, person_id, user, day, tz)
    return composed, content.render(composed)


def _pause(runtime: Runtime, sub: Subscription, day: date, token: str, reason: str) -> str:
    subscriptions.pause(sub.room_id, reason)
    summary_runs.advance(sub.room_id, day, token, summary_runs.PAUSED, runtime.now())
    announce_pauses(runtime.webex, room_id=sub.room_id)
    return summary_runs.PAUSED
