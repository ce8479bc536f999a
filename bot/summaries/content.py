"""What a daily summary says: one person's local day of meetings, its reports and trend, and
the messages that carry it (a chart then a card, or one line)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from time import monotonic
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot import echo
from bot.history import record_meeting, visibility
from bot.quality.analysis import MeetingReport
from bot.quality.daily import DaySummary, summarize_day
from bot.summaries.schedule import local_day_bounds
from bot.summaries.trend import past_days
from bot.webex import Upload

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient


@dataclass
class DayContent:
    """What one person's local day holds for a summary: the day's quality summary, how many
    meetings there were, and the ones whose data could not be had (and why)."""

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
    user: UserClient,
    day: date,
    tz: str,
    *,
    clock: Callable[[], datetime],
    min_interval: int,
    org_id: str = "",
) -> tuple[int, list[MeetingReport], list[tuple[str, str]]]:
    """The person's meetings of that local day and their reports, through the shared cache and
    lease of bot.meetings (one analytics call per meeting per interval, whoever asks); each
    analysed meeting is kept in the history."""
    from bot import meetings

    start, end = local_day_bounds(day, ZoneInfo(tz))
    found = meetings.ended_meetings(user, start, end)
    reports: list[MeetingReport] = []
    unavailable: list[tuple[str, str]] = []
    for meeting in found:
        try:
            report, _fetched_at = meetings.load_report(
                user, meeting, clock=clock, min_interval=min_interval
            )
        except meetings.QualityUnavailable as exc:
            unavailable.append((meeting.get("title") or meeting.get("id", "?"), str(exc)))
            continue
        record_meeting(meeting, report, org_id)
        reports.append(report)
    return len(found), reports, unavailable


def compose(runtime: Runtime, person_id: str, user: UserClient, day: date, tz: str) -> DayContent:
    """One person's local day: its reports, each kept in the history (for the person's org), and
    the 7-day trend, which that history answers for the person's email (.trend.past_days).
    The analytics calls go through bot.meetings.load_data with the runtime's clock and interval."""
    identity = visibility.summary_identity(runtime, person_id)
    count, reports, unavailable = fetch_reports(
        user,
        day,
        tz,
        clock=runtime.now,
        min_interval=runtime.config.quality_min_interval,
        org_id=identity["org_id"],
    )
    summary = summarize_day(day, tz, reports, past_days(identity["email"], day, tz))
    return DayContent(day, tz, summary, count, unavailable)


def render(composed: DayContent, note: str = "") -> list[Post]:
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


def _missing_text(composed: DayContent) -> str:
    if not composed.unavailable:
        return ""
    if len(composed.unavailable) == 1:
        return composed.unavailable[0][1]
    names = ", ".join(f"**{echo.plain(t)}**" for t, _ in composed.unavailable[:5])
    more = len(composed.unavailable) - 5
    tail = f" and {more} more" if more > 0 else ""
    return (
        f"{len(composed.unavailable)} meetings have no quality data ({names}{tail}). "
        f"For example: {composed.unavailable[0][1]}"
    )


class DayCache:
    """Rendered days per (person, local day, zone), computed once per process while fresh.

    One person often subscribes several spaces; a thousand spaces due at 09:00 would otherwise
    fetch the same meetings and draw the same chart (about half a CPU-second) a thousand times.
    Concurrent askers for one key wait for the first one's result (single flight).
    """

    def __init__(self, ttl: float = 600.0, size: int = 256) -> None:
        self.ttl, self.size = ttl, size
        self._items: dict[tuple, tuple[float, tuple[DayContent, list[Post]]]] = {}
        self._locks: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self.made = 0

    def get(
        self, key: tuple, make: Callable[[], tuple[DayContent, list[Post]]]
    ) -> tuple[DayContent, list[Post]]:
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
