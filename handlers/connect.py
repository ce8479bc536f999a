"""/connect [org]: a sign-in link, always in a 1:1 message, because it is the requester's alone.
`/connect org` asks a Webex admin for the org scopes: the grant then serves the whole org (§9)."""

from bot import echo
from bot.accounts import STATE_TTL, NotConfigured
from bot.commands import Arg, command
from bot.context import Context
from handlers.status import org_serves


def org_word(word: str) -> str:
    if word.lower() != "org":
        raise ValueError(f"`/connect` takes nothing, or `org` (you typed {echo.code(word)}).")
    return "org"


@command(
    "connect",
    help="link your Webex account so I can read your meetings; `org`: a Webex admin connects "
    "the whole organization",
    args=(Arg("org", parse=org_word, default=None),),
)
def connect(ctx: Context) -> None:
    accounts = ctx.runtime.accounts
    try:
        if ctx.args["org"]:
            link = ctx.runtime.orgs.authorize_link(ctx.person_id, ctx.room_id)
        else:
            link = accounts.authorize_link(ctx.person_id, ctx.room_id)
    except NotConfigured as exc:
        ctx.reply(
            "Connecting accounts is not set up on this bot yet: its admin must set "
            f"`WEBEX_CLIENT_ID`, `WEBEX_CLIENT_SECRET` and `TOKEN_KEY` ({exc})."
        )
        return
    minutes = int(STATE_TTL.total_seconds() // 60)
    if ctx.args["org"]:
        ctx.reply_direct(
            f"[Connect your organization]({link}) (the link works once, for {minutes} minutes). "
            "Sign in as a Webex **full admin** of your organization and grant the scopes "
            f"`{ctx.config.oauth_org_scopes}`: from then on everyone in your organization can "
            "see the quality of their own meetings without connecting."
        )
    else:
        current = accounts.info(ctx.person_id)
        again = (
            f"You are connected as **{echo.plain(current.display_name)}** now; signing in "
            "again replaces it.\n\n"
            if current and not current.broken
            else ""
        )
        if org_serves(ctx):
            # A newcomer told to /connect by habit learns first that they need not.
            first = (
                "You need not connect: your organization is connected, so `/meetings` and "
                "`/quality` already work for you. Connect only to use your own account instead.\n\n"
            )
            last = ""
        else:
            first = ""
            last = (
                "\n\nMeeting quality data (`/quality`) also needs a Webex **admin** account with "
                "`analytics:read_all` and the org's **Pro Pack**."
            )
        ctx.reply_direct(
            f"{first}{again}[Connect your Webex account]({link}) (the link works once, for "
            f"{minutes} minutes). Sign in as yourself: I read your meetings with your own "
            f"permission, scopes `{ctx.config.oauth_scopes}`.{last}"
        )
    if ctx.room_type == "group":
        ctx.reply("I sent you your sign-in link in a private message.")
