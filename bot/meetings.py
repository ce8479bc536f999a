"""Meetings and their quality data, as a person sees them: listing, `REF` resolution, the
cached and rationed qualities fetch, and the clear reasons when there is nothing to show."""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot import echo
from bot.access import View
from bot.quality.analysis import MeetingReport, analyze_meeting
from bot.quality.samples import parse_time
from bot.webex import (
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    UserClient,
    WebexError,
    is_webex_id,
)
from storage import meeting_lists, qualities

log = logging.getLogger(__name__)

AVAILABLE_AFTER = timedelta(minutes=10)  # Webex has quality data from 10 min after the start
KEPT_FOR = timedelta(days=7)  # ... for 7 days
NUMBER_LOOKBACK = timedelta(days=30)
OWNER = f"{socket.gethostname()}:{os.getpid()}"  # this process, as a lease's owner


def claim_token() -> str:
    """A fresh owner token for one claim (an alert run, a daily summary): this process, this
    thread, and a random tag, so two claims of one thread are never mistaken for each other."""
    return f"{OWNER}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"

NO_ADMIN = (
    "Webex refused the quality data (403). Meeting qualities can only be read by a Webex **org "
    "admin** (full or read-only) who connected with the `analytics:read_all` scope, and the org "
    "needs the **Pro Pack**. Ask an admin to `/connect` and run `/quality` for you."
)


class QualityUnavailable(Exception):
    """Nothing to chart (no such meeting, no data, a bad `#N`); the message says why and what
    to do next (markdown)."""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ended_meetings(user: UserClient, start: datetime, end: datetime) -> list[dict]:
    """The person's ended meeting instances in [start, end), newest first, every page."""
    items = user.ended_meetings(iso(start), iso(end))
    return sorted(items, key=lambda m: m.get("start") or "", reverse=True)


def person_timezone(user: UserClient, default: str) -> str:
    try:
        return user.me().get("timezone") or default
    except WebexError:
        return default


MEETING_NUMBER = re.compile(r"^\d[\d\s-]{5,}\d$")


def resolve_ref(user: UserClient, person_id: str, ref: str, now: datetime) -> dict:
    """`#N` from the person's last list, a meeting number, or a meeting instance id."""
    ref = ref.strip()
    if ref.startswith("#"):
        shown = meeting_lists.get(person_id)
        if not shown:
            raise QualityUnavailable(
                "`#N` refers to your last `/meetings` list, and you have none yet. "
                "Type `/meetings` first."
            )
        try:
            index = int(ref[1:])
        except ValueError:
            raise QualityUnavailable(
                f"{echo.code(ref)} is not a list number: use `#1` … `#{len(shown)}`."
            ) from None
        if not 1 <= index <= len(shown):
            raise QualityUnavailable(
                f"Your last `/meetings` list has {len(shown)} meeting(s): use `#1` … "
                f"`#{len(shown)}`, or type `/meetings` again."
            )
        return shown[index - 1]
    if MEETING_NUMBER.match(ref):
        return _latest_of_number(user, re.sub(r"\D", "", ref), now)
    if not is_webex_id(ref):
        # Refused before any call: a path or query in disguise must never reach Webex.
        raise QualityUnavailable(
            f"{echo.code(ref)} is not a meeting: use a meeting id from `/meetings` (letters, "
            "digits, `_` and `-` only), a meeting number such as `123 456 789`, or `#N` from "
            "your last `/meetings` list."
        )
    try:
        return user.meeting(ref)
    except NotFound:
        raise QualityUnavailable(
            f"I can't find meeting {echo.code(ref)} with your account. Use an id from `/meetings`, "
            "a meeting number, or `#N` from your last list."
        ) from None


def _latest_of_number(user: UserClient, number: str, now: datetime) -> dict:
    """Ended instances carry no meeting number: find the series, then its latest instance."""
    # Keep only true matches: a server that ignored the filter must not pick another meeting.
    try:
        found = user.meetings_by_number(number)
    except WebexError as exc:
        raise QualityUnavailable(
            f"Webex could not look up meeting number `{number}` ({exc.status or 'no answer'}). "
            "Use the meeting id, or `#N` from your `/meetings` list."
        ) from None
    series_ids = {
        m["id"]
        for m in found
        if m.get("id") and re.sub(r"\D", "", str(m.get("meetingNumber", ""))) == number
    }
    if not series_ids:
        raise QualityUnavailable(f"No meeting with number `{number}` is visible to your account.")
    for meeting in ended_meetings(user, now - NUMBER_LOOKBACK, now):
        series = meeting.get("meetingSeriesId") or meeting.get("id", "").split("_I_")[0]
        if series in series_ids:
            return meeting
    raise QualityUnavailable(f"Meeting number `{number}` has no ended meeting in the last 30 days.")


def counts_against_limit(exc: Exception) -> int | None:
    """Failures that say nothing about the meeting (this person's rights) free the slot."""
    if isinstance(exc, Forbidden | Unauthorized | NotFound):
        return None
    return exc.status if isinstance(exc, WebexError) else 500


# Reports of whole meetings, per fetch, kept in this process: at 9:00 the daily summaries of
# every attendee analyse the same meetings (8 subscribers a meeting in bench/summaries.py).
_REPORTS: OrderedDict[tuple[str, datetime], MeetingReport] = OrderedDict()
_REPORTS_LOCK = threading.Lock()
REPORTS_KEPT = 128


def load_report(
    user: UserClient, meeting: dict, *, clock: Callable[[], datetime], min_interval: int
) -> tuple[MeetingReport, datetime]:
    """The meeting's quality report and when its data was fetched, through the shared cache:
    analysed once per fetch in this process (reports are read, never changed, by callers)."""
    data = load_data(user, meeting, clock=clock, min_interval=min_interval)
    if data.meeting is None:  # analysed with this caller's copy of the meeting: not shared
        return analyze_meeting(data.items, meeting), data.fetched_at
    key = (meeting["id"], data.fetched_at)
    with _REPORTS_LOCK:
        report = _REPORTS.get(key)
        if report is not None:
            _REPORTS.move_to_end(key)
            return report, data.fetched_at
    report = analyze_meeting(data.items, data.meeting)  # outside the lock: two may race, once
    with _REPORTS_LOCK:
        _REPORTS[key] = report
        while len(_REPORTS) > REPORTS_KEPT:
            _REPORTS.popitem(last=False)
    return report, data.fetched_at


def load_data(
    user: UserClient,
    meeting: dict,
    *,
    clock: Callable[[], datetime],  # the runtime's: it also times the shared lease
    min_interval: int,  # seconds between two analytics calls for one meeting (QUALITY_MIN_…)
    on_fetch: Callable[[], object] = lambda: None,
    label: str | None = None,
) -> qualities.Cached:
    """The meeting's raw quality data, from the cache or one rationed analytics call.
    `on_fetch` runs just before a real analytics call (to say "one moment"), never otherwise.
    `label` names the meeting in messages when its title may not be shown (bot/access.py)."""
    meeting_id = meeting["id"]
    now = clock()
    start = parse_time(meeting.get("start"))
    title = label or echo.plain(meeting.get("title") or meeting_id)
    kept = qualities.cached(meeting_id)
    if start and now < start + AVAILABLE_AFTER and kept is None:
        ready = start + AVAILABLE_AFTER
        raise QualityUnavailable(
            f"Quality data for **{title}** is not available yet: Webex publishes it from "
            f"10 minutes after the start. Try again after {ready:%H:%M} UTC."
        )
    if start and now > start + KEPT_FOR:
        if kept and not kept.empty:
            return kept
        raise QualityUnavailable(
            f"Quality data for **{title}** has expired: Webex keeps it for 7 days after the "
            "meeting, and I had not stored it."
        )
    try:
        data = qualities.acquire(meeting_id, min_interval=min_interval, owner=OWNER, clock=clock)
        if isinstance(data, qualities.Lease):
            lease = data
            try:
                on_fetch()  # this caller fetches: say so first, outside the storage lease loop
            except Exception:
                qualities.abandon(lease)
                raise
            data = qualities.fill(
                lease,
                lambda: user.qualities(meeting_id),
                meeting,
                counts_against_limit,
                clock=clock,
            )
    except Forbidden:
        raise QualityUnavailable(NO_ADMIN) from None
    except NotFound:
        raise QualityUnavailable(
            f"Webex has no quality data for meeting **{title}** (404): "
            "check the id with `/meetings`."
        ) from None
    except (qualities.FetchRefused, RateLimited, WebexError) as exc:
        if kept and not kept.empty:
            return kept
        retry_at = getattr(exc, "retry_at", None)
        when = f" after {retry_at:%H:%M} UTC" if retry_at else " in a few minutes"
        raise QualityUnavailable(
            f"Webex is not giving out quality data for **{title}** right now "
            f"(it allows one request per meeting every few minutes). Try again{when}."
        ) from None
    if data.empty:
        raise QualityUnavailable(
            f"Webex has no quality data for **{title}** yet. It usually appears from 10 minutes "
            "after the start; try again in a few minutes."
        )
    return data


def rendered_key(tz: str, view_key: str) -> str:
    # The view is part of the key: a participant's view never comes from the host's, nor back.
    return tz if view_key == "all" else f"{tz}|{view_key}"


def stored_view(
    meeting_id: str, data: qualities.Cached, tz: str, view_key: str
) -> tuple[bytes, dict, str] | None:
    """What `quality_view` drew for this fetch, zone and view (bot/access.py `view_key`), without
    reading the raw items: a cached ask of a 1,000-participant meeting stays fast."""
    return qualities.rendered(meeting_id, rendered_key(tz, view_key), data.fetched_at)


def quality_view(
    meeting: dict,
    data: qualities.Cached,
    tz: str,
    view: View | None = None,
    org_id: str | None = None,
) -> tuple[bytes, dict, str]:
    """The `/quality` chart, card and markdown of this fetch of the data in zone `tz`, as
    `view` (bot/access.py) lets the asker see it (all of it when None): drawn once per view,
    then kept beside the data (storage.qualities) for whoever asks next with the same view.
    Each analysis of the whole data leaves the meeting in the history (bot.history)."""
    from bot.history import record_meeting
    from bot.quality.cards import quality_card
    from bot.quality.charts import quality_chart

    items, shown = (view.items, view.meeting) if view else (data.items, data.meeting or meeting)
    key = rendered_key(tz, view.key if view else "all")
    made = qualities.rendered(meeting["id"], key, data.fetched_at)
    if made is None:
        report = analyze_meeting(items, shown)
        # History keeps everyone's real rows: a restricted view's "Participant N" never goes
        # there, so the whole data is analysed for it (once per fetch: the view is then cached).
        whole = report if view is None or view.key == "all" else None
        if whole is None:
            whole = analyze_meeting(data.items, data.meeting or meeting)
        record_meeting(data.meeting or meeting, whole, org_id)
        card, markdown = quality_card(report, fetched_at=data.fetched_at, tz=tz)
        if view is not None and view.note:
            markdown += f"\n\n_{view.note}_"
            card.setdefault("body", []).append(
                {"type": "TextBlock", "text": view.note, "wrap": True, "isSubtle": True}
            )
        made = (quality_chart(report, tz), card, markdown)
        qualities.store_rendered(meeting["id"], key, data.fetched_at, *made)
    return made
