"""/quality REF: the chart of a meeting's media quality, then a summary card."""

from bot.commands import Arg, command
from bot.context import Context
from bot.meetings import QualityUnavailable, load_data, person_timezone, resolve_ref
from bot.quality.analysis import analyze_meeting
from bot.webex import Upload
from storage import qualities


@command(
    "quality",
    help="chart and summary of a meeting's media quality (REF: id, meeting number or #N)",
    args=(
        Arg(
            "REF",
            required=True,
            rest=True,
            example="the meeting to show, e.g. `/quality #1` for the first of your `/meetings` "
            "list, or a meeting number or id",
        ),
    ),
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
        data = load_data(
            ctx.runtime,
            user,
            meeting,
            on_fetch=lambda: ctx.reply(f"Fetching the quality data of **{title}** from Webex…"),
        )
    except QualityUnavailable as exc:
        ctx.reply(str(exc))
        return
    tz = person_timezone(user, ctx.config.default_timezone)
    made = qualities.rendered(meeting["id"], tz, data.fetched_at)
    if made is None:
        report = analyze_meeting(data.items, data.meeting or meeting)
        card, markdown = quality_card(report, fetched_at=data.fetched_at, tz=tz)
        made = (quality_chart(report, tz), card, markdown)
        qualities.store_rendered(meeting["id"], tz, data.fetched_at, *made)
    png, card, markdown = made
    ctx.reply(
        f"Media quality of **{title}**: latency, jitter and packet loss per participant.",
        upload=Upload(f"quality-{meeting['id'][:40]}.png", png),
    )
    ctx.reply(markdown, card=card)
