"""/disconnect: forget the requester's tokens and any pending sign-in link."""

from bot.commands import command
from bot.context import Context


@command("disconnect", help="forget your Webex tokens")
def disconnect(ctx: Context) -> None:
    if ctx.runtime.accounts.disconnect(ctx.person_id):
        ctx.reply(
            "Disconnected: I deleted your Webex tokens and can no longer read your meetings. "
            "Daily summaries that use your account are not sent until you `/connect` again. "
            "To revoke the access at Webex too, remove quality-bot from the authorized apps "
            "of your Webex account."
        )
    else:
        ctx.reply("You were not connected, so there was nothing to delete.")
