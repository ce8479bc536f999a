"""/alerts [on|off]: this space's alerts for the org's poor meetings (§10)."""

from __future__ import annotations

from bot.alerts.commands import parse_switch, space_state, switch_space
from bot.commands import Arg, command
from bot.context import Context


@command(
    "alerts",
    help="`on`/`off` (quality admins): a card here for each poor meeting of the org; "
    "alone: this space's state",
    args=(Arg("on|off", parse=parse_switch),),
)
def alerts(ctx: Context) -> None:
    switch = ctx.args["on|off"]
    if switch is None:
        ctx.reply(space_state(ctx.runtime, ctx.room_id))
    else:
        ctx.reply(switch_space(ctx, switch == "on"))
