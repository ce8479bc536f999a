"""/unsubscribe: stop this space's daily summary."""

from __future__ import annotations

from bot.commands import command
from bot.context import Context
from storage import subscriptions


@command("unsubscribe", help="stop the daily summary in this space")
def unsubscribe(ctx: Context) -> None:
    sub = subscriptions.get(ctx.room_id)
    if sub is None or not subscriptions.unsubscribe(ctx.room_id):
        ctx.reply("This space has no daily summary. `/subscribe` starts one.")
        return
    ctx.reply(
        f"Stopped the daily summary here (it was at {sub.local_time} {sub.timezone}). "
        "`/subscribe` starts it again."
    )
