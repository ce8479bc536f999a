"""/trends [org|PERSON] [DAYS]: weekly % poor participant-minutes from the history (§12)."""

from bot import echo
from bot.commands import Arg, command, days_from
from bot.context import Context
from bot.history import visibility
from bot.history.trends import empty_text, load, trends_card
from bot.webex import Upload


def target(word: str) -> str:
    if word.isdigit():
        raise ValueError("")  # a number is DAYS: let that argument say what is wrong with it
    if word.lower() == "org" or "@" in word:
        return word.lower() if word.lower() == "org" else word
    raise ValueError(
        f"{echo.code(word)} is neither `org`, an email nor an @mention, e.g. `/trends org 90` or "
        "`/trends alice@example.com`."
    )


days = days_from(7, 400, "`/trends 90`")


@command(
    "trends",
    help="weekly meeting quality of the last DAYS days (default 30); `org` or a person for "
    "quality admins",
    args=(Arg("org|PERSON", parse=target), Arg("DAYS", parse=days, default=30)),
)
def trends(ctx: Context) -> None:
    from bot.history.chart import trends_chart

    view = visibility.trends_view(
        ctx.runtime, ctx.person_id, ctx.person_email, ctx.args["org|PERSON"]
    )
    if isinstance(view, visibility.Refused):
        ctx.reply(view.message)
        return
    data = load(view.scope, view.who, ctx.args["DAYS"], ctx.now(), org_view=view.org_view)
    if data.empty:
        ctx.reply(empty_text(view.who, data.days))
        return
    png = trends_chart(
        data.weekly,
        data.since,
        data.until,
        f"Quality trend — {view.who}",
        f"Last {data.days} days · % poor participant-minutes per week, by network",
    )
    ctx.reply(
        f"Meeting quality trend of **{echo.plain(view.who)}** over the last {data.days} days.",
        upload=Upload(f"trends-{ctx.now():%Y-%m-%d}.png", png),
    )
    card, markdown = trends_card(data)
    ctx.reply(markdown, card=card)
