"""/notify [on|off]: whether I message you 1:1 about your own poor meetings (§10)."""

from __future__ import annotations

from bot.alerts.commands import email_of, notify_state, parse_switch, switch_notify
from bot.commands import Arg, command
from bot.context import Context


@command(
    "notify",
    help="`on`/`off`: my 1:1 messages about your own poor meetings (default on)",
    args=(Arg("on|off", parse=parse_switch),),
)
def notify(ctx: Context) -> None:
    switch = ctx.args["on|off"]
    if switch is None:
        ctx.reply(notify_state(email_of(ctx)))
    else:
        ctx.reply(switch_notify(ctx, switch == "on"))
