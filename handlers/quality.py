"""/quality REF: the chart of a meeting's media quality, then a summary card."""

from bot.commands import Arg, command
from bot.context import Context
from bot.history import visibility
from bot.meetings import QualityUnavailable, load_data, person_timezone, quality_view, resolve_ref
from bot.webex import Upload


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
    user = ctx.user()
    try:
        meeting = resolve_ref(user, ctx.person_id, ctx.args["REF"], ctx.now())
        title = meeting.get("title") or meeting["id"]
        data = load_data(
            user,
            meeting,
            clock=ctx.now,
            min_interval=ctx.config.quality_min_interval,
            on_fetch=lambda: ctx.reply(f"Fetching the quality data of **{title}** from Webex…"),
        )
    except QualityUnavailable as exc:
        ctx.reply(str(exc))
        return
    tz = person_timezone(user, ctx.config.default_timezone)
    org_id = visibility.org_of(ctx.runtime, ctx.person_id)
    png, card, markdown = quality_view(meeting, data, tz, org_id=org_id)
    ctx.reply(
        f"Media quality of **{title}**: latency, jitter and packet loss per participant.",
        upload=Upload(f"quality-{meeting['id'][:40]}.png", png),
    )
    ctx.reply(markdown, card=card)
