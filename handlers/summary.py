"""/summary [YYYY-MM-DD]: the daily summary of one day, now (default yesterday)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot import echo
from bot.commands import Arg, UsageError, command
from bot.context import Context
from bot.summaries import content, notices

EXAMPLE = "e.g. `/summary 2026-03-09`"
MAX_BACK = timedelta(days=400)


def parse_day(word: str) -> date:
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise ValueError(f"{echo.code(word)} is not a date: use YYYY-MM-DD, {EXAMPLE}.") from None


@command(
    "summary",
    help="the daily meeting-quality summary of a day now (default yesterday)",
    args=(Arg("YYYY-MM-DD", parse=parse_day),),
    needs_account=True,
)
def summary(ctx: Context) -> None:
    tz = notices.space_timezone(ctx.room_id, ctx.config.default_timezone)
    today = ctx.now().astimezone(ZoneInfo(tz)).date()
    day = ctx.args["YYYY-MM-DD"] or today - timedelta(days=1)
    if day >= today:
        raise UsageError(
            f"{day:%Y-%m-%d} has not ended yet in {tz}: pick an earlier day, {EXAMPLE}."
        )
    if day < today - MAX_BACK:
        # Webex keeps quality data 7 days; a year back is all the stored history can hold, and
        # calendar arithmetic near 0001-01-01 in zones like Etc/GMT-14 would leave the calendar.
        raise UsageError(
            f"{day:%Y-%m-%d} is too long ago: I can summarise the last {MAX_BACK.days} days "
            f"(in {tz}), {EXAMPLE}."
        )
    composed = content.compose(ctx.runtime, ctx.person_id, ctx.user(), day, tz)
    for post in content.render(composed):
        ctx.reply(post.markdown, card=post.card, upload=post.upload)
