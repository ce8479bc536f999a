"""/quality REF: the chart of a meeting's media quality, then a summary card."""

from bot.commands import Arg, command
from bot.context import Context
from bot.meetings import QualityUnavailable, load_report, person_timezone, resolve_ref
from bot.webex import Upload


@command(
    "quality",
    help="chart and summary of a meeting's media quality (REF: id, meeting number or #N)",
    args=(Arg("REF", required=True, rest=True),),
    needs_account=True,
    card_inputs=("meetingId",),
)
def quality(ctx: Context) -> None:
    from bot.quality.cards import quality_card
    from bot.quality.charts import quality_chart

    user = ctx.user()
    try:
        meeting = resolve_ref(user, ctx.person_id, ctx.args["REF"], ctx.now())
        title = meeting.get("title") or meeting["id"]
        report, fetched_at = load_report(
            ctx.runtime,
            user,
            meeting,
            on_fetch=lambda: ctx.reply(f"Fetching the quality data of **{title}** from Webex…"),
        )
    except QualityUnavailable as exc:
        ctx.reply(str(exc))
        return
    tz = person_timezone(user, ctx.config.default_timezone)
    png = quality_chart(report, tz)
    ctx.reply(
        f"Media quality of **{title}**: latency, jitter and packet loss per participant.",
        upload=Upload(f"quality-{meeting['id'][:40]}.png", png),
    )
    card, markdown = quality_card(report, fetched_at=fetched_at, tz=tz)
    ctx.reply(markdown, card=card)
