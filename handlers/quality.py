"""/quality REF: the chart of a meeting's media quality, then a summary card.

Which connection reads it and what the asker may see of it are decided by bot/access.py.
"""

from bot import echo
from bot.access import REFUSAL, OrgLookupFailed, Refused
from bot.commands import Arg, command
from bot.context import Context
from bot.meetings import (
    NO_ADMIN,
    QualityUnavailable,
    load_data,
    person_timezone,
    quality_view,
    resolve_ref,
    stored_view,
)
from bot.webex import Forbidden, NotFound, Upload


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
    access = ctx.runtime.access
    viewer = access.viewer(ctx.person_id, ctx.person_email)
    try:
        meeting = resolve_ref(viewer.lister, ctx.person_id, ctx.args["REF"], ctx.now())
        label = None
        if viewer.via_org:
            # The org's own view of the meeting: proves it is this org's (an org connection
            # never serves another org's meetings, cached or not) and gives its real host.
            try:
                meeting = viewer.org_meeting(meeting["id"])
            except (NotFound, Forbidden):
                ctx.reply(REFUSAL)
                return
            host = str(meeting.get("hostEmail") or "").lower()
            if not (viewer.is_admin or (host and host == viewer.email)):
                label = "this meeting"  # a stranger must not learn the title from a message
        title = label or echo.plain(meeting.get("title") or meeting["id"])
        data = load_data(
            viewer.reader,
            meeting,
            clock=ctx.now,
            min_interval=ctx.config.quality_min_interval,
            on_fetch=lambda: ctx.reply(f"Fetching the quality data of **{title}** from Webex…"),
            label=label,
        )
    except QualityUnavailable as exc:
        ctx.reply(str(exc))
        return
    if (
        not viewer.via_org
        and not data.fetched_now
        and not access.may_read_cached(viewer, data.meeting or meeting)
    ):
        # Part I: Webex decides, so cached data goes only to whom Webex would give it.
        ctx.reply(NO_ADMIN)
        return
    # On the org path the org's own answer above is the truth about the host.
    shown = meeting if viewer.via_org else data.meeting or meeting
    tz = viewer.timezone or person_timezone(viewer.lister, ctx.config.default_timezone)
    # What was drawn for this viewer's view of this very fetch: a participant's view is stored
    # only once access.view accepted them on the same data, so the raw items need not be read.
    made = stored_view(meeting["id"], data, tz, access.view_key(viewer, shown))
    if made is None:
        seen = access.view(viewer, shown, data.items)
        if isinstance(seen, Refused):
            ctx.reply(seen.message)
            return
        made = quality_view(meeting, data, tz, seen, org_id=_history_org(ctx, viewer))
    png, card, markdown = made
    ctx.reply(
        f"Media quality of **{shown.get('title') or meeting['id']}**: latency, jitter and "
        "packet loss per participant.",
        upload=Upload(f"quality-{meeting['id'][:40]}.png", png),
    )
    ctx.reply(markdown, card=card)


def _history_org(ctx: Context, viewer) -> str | None:
    """Whose org's history the analysis joins: the org path's, else (Part I, own token, which
    Webex lets read only its own org's meetings) the asker's org, looked up with the bot token."""
    if viewer.org_id:
        return viewer.org_id
    try:
        return ctx.runtime.access.org_of(ctx.person_id)
    except OrgLookupFailed:
        return None  # the rows are kept; only the org-wide view will not count them
