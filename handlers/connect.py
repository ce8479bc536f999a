"""/connect: a sign-in link, always in a 1:1 message, because it is the requester's alone."""

from bot.accounts import STATE_TTL, NotConfigured
from bot.commands import command
from bot.context import Context


@command("connect", help="link your Webex account so I can read your meetings")
def connect(ctx: Context) -> None:
    accounts = ctx.runtime.accounts
    try:
        link = accounts.authorize_link(ctx.person_id, ctx.room_id)
    except NotConfigured as exc:
        ctx.reply(
            "Connecting accounts is not set up on this bot yet: its admin must set "
            f"`WEBEX_CLIENT_ID`, `WEBEX_CLIENT_SECRET` and `TOKEN_KEY` ({exc})."
        )
        return
    minutes = int(STATE_TTL.total_seconds() // 60)
    current = accounts.info(ctx.person_id)
    again = (
        f"You are connected as **{current.display_name}** now; signing in again replaces it.\n\n"
        if current and not current.broken
        else ""
    )
    ctx.reply_direct(
        f"{again}[Connect your Webex account]({link}) (the link works once, for {minutes} "
        "minutes). Sign in as yourself: I read your meetings with your own permission, "
        f"scopes `{ctx.config.oauth_scopes}`.\n\n"
        "Meeting quality data (`/quality`) also needs a Webex **admin** account with "
        "`analytics:read_all` and the org's **Pro Pack**."
    )
    if ctx.room_type == "group":
        ctx.reply("I sent you your sign-in link in a private message.")
