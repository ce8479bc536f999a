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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import accounts
from bot.quality.analysis import MeetingReport
from bot.quality.daily import DaySummary, summarize_day
from bot.webex import NotFound, RateLimited, Unauthorized, Unavailable, Upload, WebexError
from storage import daily_stats, subscriptions, summary_runs
from storage.db import aware

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient
    from storage.models import Subscription

log = logging.getLogger(__name__)

DEFAULT_TIME = "09:00"
# The periodic task runs every minute; a send more than this after its time was held up
# (worker down, clock jump) and the message says so.
LATE_AFTER = timedelta(minutes=5)
TASK_NAME = "send_daily_summary"
HOST = f"{socket.gethostname()}:{os.getpid()}"


# Time arithmetic -------------------------------------------------------------------------------
def hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def wall_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The first instant (aware UTC) at which the wall clock in `tz` reads `day at` or later.

    Normal days: exactly that time. Fall-back days: its first occurrence, so an ambiguous
    02:30 fires once. Spring-forward days: a time in the gap fires when the gap ends (02:30 on
    Europe/Berlin's 2026-03-29 fires at 03:00 CEST), never not at all.
    """
    wall = datetime.combine(day, at)
    for minute in range(24 * 60 + 1):
        candidate = wall + timedelta(minutes=minute)
        moment = candidate.replace(tzinfo=tz)  # fold=0: the earlier of two readings
        if moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == candidate:
            return moment.astimezone(UTC)
    raise ValueError(f"{day} {at} never shows on a clock in {tz.key}")  # pragma: no cover


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar day in UTC; 23 or 25 hours long on change days."""
    return wall_instant(day, time(0), tz), wall_instant(day + timedelta(days=1), time(0), tz)


def due_day(sub: Subscription, now: datetime) -> date | None:
    """The local date whose summary is due at `now`, or None.

    Due when the local wall clock has reached the subscription's time today (so a worker that
    was down catches up later the same day), unless the subscription was made after that
    moment (a new subscription never fires at once for a time already passed).
    """
    tz = ZoneInfo(sub.timezone)
    local = now.astimezone(tz)
    at = hhmm(sub.local_time)
    if local.replace(tzinfo=None) < datetime.combine(local.date(), at):
        return None
    created = aware(sub.created_at)
    if created is not None and wall_instant(local.date(), at, tz) < created:
        return None
    return local.date()


def next_send(sub: Subscription, now: datetime) -> datetime:
    """When this subscription will next post (aware UTC), as told in confirmations and /status."""
    tz = ZoneInfo(sub.timezone)
    at = hhmm(sub.local_time)
    today = now.astimezone(tz).date()
    created = aware(sub.created_at) or now
    for offset in range(3):
        day = today + timedelta(days=offset)
        moment = wall_instant(day, at, tz)
        if moment < created or summary_runs.exists(sub.room_id, day):
            continue
        return max(moment, now)  # past but not sent yet: it goes at the next tick
    return wall_instant(today + timedelta(days=1), at, tz)  # pragma: no cover


# Scheduling ------------------------------------------------------------------------------------
def register(runtime: Runtime) -> None:
    """Declare the per-space task on the runtime's queue (every process, so any worker runs it)."""
    if runtime.queue is None:
        return
    task = runtime.queue.huey.task(name=TASK_NAME, retries=0)(
        lambda room_id, day: send_due(runtime, room_id, date.fromisoformat(day))
    )
    runtime.queue.summary_task = task  # type: ignore[attr-defined]


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
    task = getattr(runtime.queue, "summary_task", None) if runtime.queue else None
    for room_id, day in todo:
        if task is not None:
            task(room_id, day.isoformat())
        else:
            send_due(runtime, room_id, day)
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


class DayCache:
    """Rendered days per (person, local day, zone), computed once per process while fresh.

    One person often subscribes several spaces; a thousand spaces due at 09:00 would otherwise
    fetch the same meetings and draw the same chart (about half a CPU-second) a thousand times.
    Concurrent askers for one key wait for the first one's result (single flight).
    """

    def __init__(self, ttl: float = 600.0, size: int = 256) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[tuple, tuple[float, tuple[Composed, list[Post]]]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.made = 0

    def get(
        self, key: tuple, make: Callable[[], tuple[Composed, list[Post]]]
    ) -> tuple[Composed, list[Post]]:
        if self.ttl <= 0:
            self.made += 1
            return make()
        with self._lock:
            key_lock = self._locks.setdefault(key, threading.Lock())
        with key_lock:
            hit = self._items.get(key)
            if hit is not None and monotonic() - hit[0] < self.ttl:
                return hit[1]
            value = make()  # exceptions are not cached: the next asker tries again
            self.made += 1
            with self._lock:
                self._items[key] = (monotonic(), value)
                while len(self._items) > self.size:
                    oldest = next(iter(self._items))
                    self._items.pop(oldest)
                    self._locks.pop(oldest, None)
            return value


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


def late_note(due_at: datetime, now: datetime, tz: str) -> str:
    if now - due_at <= LATE_AFTER:
        return ""
    zone = ZoneInfo(tz)
    return (
        f"_Sent late: it was due at {due_at.astimezone(zone):%H:%M} and goes out at "
        f"{now.astimezone(zone):%H:%M} ({tz}) because I was not running at the time._"
    )


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
                markdown=pause_notice(sub.paused_reason, _display_name(runtime, sub.person_id)),
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


# Content ---------------------------------------------------------------------------------------
@dataclass
class Composed:
    day: date
    tz: str
    summary: DaySummary
    meetings: int  # ended meetings found, with or without quality data
    unavailable: list[tuple[str, str]] = field(default_factory=list)  # (title, why) markdown


@dataclass(frozen=True)
class Post:
    markdown: str
    card: dict | None = None
    upload: Upload | None = None


def fetch_reports(
    runtime: Runtime, user: UserClient, day: date, tz: str
) -> tuple[int, list[MeetingReport], list[tuple[str, str]]]:
    """The person's meetings of that local day and their reports, through the shared cache and
    lease of bot.meetings (one analytics call per meeting per interval, whoever asks)."""
    from bot import meetings

    start, end = local_day_bounds(day, ZoneInfo(tz))
    found = meetings.ended_meetings(user, start, end)
    reports: list[MeetingReport] = []
    unavailable: list[tuple[str, str]] = []
    for meeting in found:
        try:
            report, _fetched_at = meetings.load_report(runtime, user, meeting)
        except meetings.QualityUnavailable as exc:
            unavailable.append((meeting.get("title") or meeting.get("id", "?"), str(exc)))
            continue
        reports.append(report)
    return len(found), reports, unavailable


def compose(runtime: Runtime, person_id: str, user: UserClient, day: date, tz: str) -> Composed:
    """One person's local day: reports, the 7-day history, and the day stored for later trends."""
    count, reports, unavailable = fetch_reports(runtime, user, day, tz)
    summary = summarize_day(day, tz, reports, daily_stats.history(person_id, tz, day))
    # A day whose data is all gone (expired, refused) must not overwrite what was known.
    if summary.poor_share is not None or count == 0:
        daily_stats.save(person_id, day, tz, len(reports), summary.poor_share)
    return Composed(day, tz, summary, count, unavailable)


def render(composed: Composed, note: str = "") -> list[Post]:
    """The messages for a composed day: a chart then a card, or a single line without data."""
    from bot.quality.cards import daily_card, daily_empty_markdown
    from bot.quality.charts import daily_chart

    if composed.meetings == 0:
        return with_note([Post(daily_empty_markdown(composed.day, composed.tz))], note)
    missing = _missing_text(composed)
    if not composed.summary.meetings:
        head = (
            f"**{composed.day:%A %d %B %Y}** ({composed.tz}): {composed.meetings} meeting(s), "
            "but no quality data to summarise."
        )
        return with_note([Post("\n\n".join(part for part in (head, missing) if part))], note)
    head = f"Meeting quality of **{composed.day:%A %d %B %Y}** ({composed.tz})."
    chart = daily_chart(composed.summary, composed.tz)
    card, markdown = daily_card(composed.summary, composed.tz)
    first = "\n\n".join(part for part in (head, missing) if part)
    upload = Upload(f"daily-{composed.day.isoformat()}.png", chart)
    return with_note([Post(first, upload=upload), Post(markdown, card=card)], note)


def with_note(posts: list[Post], note: str) -> list[Post]:
    """The same messages with a line added to the first (e.g. that it is late)."""
    if not note or not posts:
        return posts
    first = posts[0]
    return [Post(f"{first.markdown}\n\n{note}", first.card, first.upload), *posts[1:]]


def _missing_text(composed: Composed) -> str:
    if not composed.unavailable:
        return ""
    if len(composed.unavailable) == 1:
        return composed.unavailable[0][1]
    names = ", ".join(f"**{title}**" for title, _ in composed.unavailable[:5])
    more = len(composed.unavailable) - 5
    tail = f" and {more} more" if more > 0 else ""
    return (
        f"{len(composed.unavailable)} meetings have no quality data ({names}{tail}). "
        f"For example: {composed.unavailable[0][1]}"
    )


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
