"""/meetings [DAYS]: the requester's ended meetings, as a card to pick one from."""

from datetime import timedelta

from bot.commands import Arg, command
from bot.context import Context
from bot.meetings import ended_meetings, person_timezone
from storage import meeting_lists

MAX_SHOWN = 20


def days(word: str) -> int:
    try:
        value = int(word)
    except ValueError:
        raise ValueError(
            f"`{word}` is not a number of days: use 1 to 30, e.g. `/meetings 14`."
        ) from None
    if not 1 <= value <= 30:
        raise ValueError(f"DAYS must be from 1 to 30 (you typed {value}), e.g. `/meetings 14`.")
    return value


@command(
    "meetings",
    help="your ended meetings of the last DAYS days (default 7), to pick one",
    args=(Arg("DAYS", parse=days, default=7),),
    needs_account=True,
)
def meetings(ctx: Context) -> None:
    from bot.quality.cards import meetings_card

    user = ctx.user()
    now = ctx.now()
    found = ended_meetings(user, now - timedelta(days=ctx.args["DAYS"]), now)
    shown = found[:MAX_SHOWN]
    # `#N` must mean what this person was just shown.
    meeting_lists.save(ctx.person_id, shown, now=now)
    tz = person_timezone(user, ctx.config.default_timezone)
    card, markdown = meetings_card(
        shown, tz=tz, now=now, days=ctx.args["DAYS"], max_items=MAX_SHOWN
    )
    if len(found) > MAX_SHOWN:
        markdown += f"\n\n_{len(found) - MAX_SHOWN} older meeting(s) not shown; try fewer DAYS._"
    ctx.reply(markdown, card=card)
