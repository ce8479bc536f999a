"""/disconnect [org]: forget the requester's tokens and any pending sign-in link; `org`: forget
the org connection (its connector or a quality admin only)."""

from bot import echo
from bot.commands import Arg, command
from bot.context import Context
from handlers.status import org_info


def org_word(word: str) -> str:
    if word.lower() != "org":
        raise ValueError(f"`/disconnect` takes nothing, or `org` (you typed {echo.code(word)}).")
    return "org"


@command(
    "disconnect",
    help="forget your Webex tokens; `org`: forget the organization's connection",
    args=(Arg("org", parse=org_word, default=None),),
)
def disconnect(ctx: Context) -> None:
    if ctx.args["org"]:
        _disconnect_org(ctx)
    elif ctx.runtime.accounts.disconnect(ctx.person_id):
        ctx.reply(
            "Disconnected: I deleted your Webex tokens and can no longer read your meetings. "
            "Daily summaries that use your account are not sent until you `/connect` again. "
            "To revoke the access at Webex too, remove quality-bot from the authorized apps "
            "of your Webex account."
        )
    else:
        ctx.reply("You were not connected, so there was nothing to delete.")


def _disconnect_org(ctx: Context) -> None:
    info, email = org_info(ctx)
    if info is None:
        ctx.reply("Your organization is not connected, so there was nothing to forget.")
        return
    access = ctx.runtime.access
    if info.connected_by != ctx.person_id and not access.is_quality_admin(email, info.org_id):
        ctx.reply(
            "Only the person who connected your organization, or a quality admin, can "
            "disconnect it."
        )
        return
    ctx.runtime.orgs.forget(info.org_id)
    ctx.reply(
        "Disconnected your organization: I deleted its Webex tokens. People without their own "
        "`/connect` can no longer see their meetings' quality until an admin types "
        "`/connect org` again."
    )
