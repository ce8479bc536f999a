"""/meetings [PERSON] [DAYS]: the requester's ended meetings, as a card to pick one from; a
quality admin may name a PERSON of their org (email or @mention) to see theirs."""

from datetime import timedelta

from bot import echo
from bot.access import AsPerson
from bot.commands import Arg, UsageError, command, days_from
from bot.context import Context
from bot.meetings import ended_meetings, person_timezone
from bot.mentions import PERSON_REF
from bot.webex import UserClient, WebexError
from storage import meeting_lists

MAX_SHOWN = 20
ADMINS_ONLY = (
    "Only quality admins can list another person's meetings: the person who connected your "
    "organization (`/connect org`) and the emails in `QUALITY_ADMINS`."
)


days = days_from(1, 30, "`/meetings 14`")


def person(word: str) -> str:
    """An email, or an @mention (the dispatcher turns it into `person:ID`)."""
    if PERSON_REF.fullmatch(word) or ("@" in word and "." in word.split("@")[-1]):
        return word.strip("<>,;").lower() if "@" in word else word
    # No message of its own: a word that is no person gets the DAYS explanation, which is what
    # nearly everyone meant.
    raise ValueError("")


@command(
    "meetings",
    help="your ended meetings of the last DAYS days (default 7), to pick one; quality admins "
    "may name a PERSON",
    args=(Arg("PERSON", parse=person, default=None), Arg("DAYS", parse=days, default=7)),
    needs_account=True,
)
def meetings(ctx: Context) -> None:
    from bot.quality.cards import meetings_card

    access = ctx.runtime.access
    if ctx.args["PERSON"]:
        user, whose = _someone_else(ctx, ctx.args["PERSON"])
    else:
        viewer = access.viewer(ctx.person_id, ctx.person_email)
        user, whose = viewer.lister, ""
    now = ctx.now()
    try:
        found = ended_meetings(user, now - timedelta(days=ctx.args["DAYS"]), now)
    except WebexError as exc:
        if not whose or not 400 <= exc.status < 500:
            raise
        ctx.reply(
            f"Webex would not list the meetings of **{echo.plain(whose)}** ({exc.status}): is that "
            "person in your organization?"
        )
        return
    shown = found[:MAX_SHOWN]
    # `#N` must mean what this person was just shown.
    meeting_lists.save(ctx.person_id, shown, now=now)
    tz = person_timezone(user, ctx.config.default_timezone)
    card, markdown = meetings_card(
        shown, tz=tz, now=now, days=ctx.args["DAYS"], max_items=MAX_SHOWN
    )
    if whose:
        markdown = f"Meetings of **{echo.plain(whose)}**:\n\n{markdown}"
    if len(found) > MAX_SHOWN:
        markdown += f"\n\n_{len(found) - MAX_SHOWN} older meeting(s) not shown; try fewer DAYS._"
    ctx.reply(markdown, card=card)


def _someone_else(ctx: Context, ref: str) -> tuple[UserClient, str]:
    """A quality admin's view of a person of their own org, through the org connection."""
    access = ctx.runtime.access
    viewer = access.viewer(ctx.person_id, ctx.person_email)
    if viewer.org is None or not viewer.is_admin:
        raise UsageError(ADMINS_ONLY)
    email = ref
    mention = PERSON_REF.fullmatch(ref)
    if mention is not None:
        ident = access.identity(mention.group(1))
        if ident.org_id != viewer.org_id:
            raise UsageError("That person is not in your organization.")
        email = ident.email
    return AsPerson(viewer.org, email, viewer.timezone), email
