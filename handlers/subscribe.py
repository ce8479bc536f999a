"""/subscribe [HH:MM] [Area/City]: the daily summary in this space at that local time."""

from __future__ import annotations

import difflib
import re
import zoneinfo
from functools import lru_cache

from bot import echo
from bot.commands import Arg, command
from bot.context import Context
from bot.summaries import notices, schedule
from storage import subscriptions

EXAMPLE = "e.g. `/subscribe 08:30 Europe/Berlin`"
TIME = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", re.IGNORECASE)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """Lower-case name -> canonical IANA key, so `europe/paris` works on any filesystem."""
    return {key.lower(): key for key in zoneinfo.available_timezones()}


def parse_zone(word: str) -> str:
    key = _zones().get(word.lower())
    if key is None:
        guess = difflib.get_close_matches(word.lower(), list(_zones()), n=1, cutoff=0.6)
        hint = f" Did you mean `{_zones()[guess[0]]}`?" if guess else ""
        raise ValueError(
            f"{echo.code(word)} is not a time zone I know.{hint} "
            f"Use an IANA Area/City name, {EXAMPLE}."
        )
    return key


def parse_time(word: str) -> str:
    """`08:30`, `8:30`, `17:05`, `9am`, `5:30pm` -> "HH:MM" (24-hour)."""
    match = TIME.fullmatch(word.strip())
    if match is None or (match.group(2) is None and match.group(3) is None):
        if "/" in word or word.isalpha():
            parse_zone(word)  # zone-shaped: its own message says more than "not a time"
        raise ValueError(f"{echo.code(word)} is not a time: use HH:MM (24-hour), {EXAMPLE}.")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix:
        if not 1 <= hours <= 12:
            raise ValueError(f"{echo.code(word)} is not a time: use HH:MM (24-hour), {EXAMPLE}.")
        hours = hours % 12 + (12 if suffix == "pm" else 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{echo.code(word)} is not a time: use HH:MM (24-hour), {EXAMPLE}.")
    return f"{hours:02d}:{minutes:02d}"


@command(
    "subscribe",
    help="post the daily meeting-quality summary here every day at HH:MM local time "
    "(default 09:00)",
    args=(Arg("HH:MM", parse=parse_time), Arg("Area/City", parse=parse_zone)),
    needs_account=True,
)
def subscribe(ctx: Context) -> None:
    ctx.user()  # the summaries read the subscriber's meetings: not connected -> /connect hint
    at = ctx.args["HH:MM"] or schedule.DEFAULT_TIME
    tz = ctx.args["Area/City"] or ctx.config.default_timezone
    previous = subscriptions.subscribe(ctx.room_id, ctx.person_id, at, tz, now=ctx.now())
    sub = subscriptions.get(ctx.room_id)
    assert sub is not None
    nxt = notices.next_send(sub, ctx.now()).astimezone(zoneinfo.ZoneInfo(tz))
    lines = [
        f"Subscribed: every day at **{at} {tz}** I will post here the quality of your "
        f"meetings of the day before. Next: **{nxt:%A %d %B %H:%M}** ({tz}).",
    ]
    if previous is not None:
        was = f"{previous.local_time} {previous.timezone}"
        who = "yours" if previous.person_id == ctx.person_id else "another member's"
        paused = " (it was paused)" if previous.paused_reason else ""
        lines.append(f"This replaces the previous subscription ({was}, {who}){paused}.")
    lines.append("`/unsubscribe` stops it; `/summary` shows yesterday's now.")
    ctx.reply("\n\n".join(lines))
