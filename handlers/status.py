"""/status: the requester's connection and this space's daily summary, in plain words."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.accounts import ANALYTICS_SCOPE, ConnectionInfo
from bot.commands import command
from bot.context import Context


def in_words(moment: datetime, now: datetime) -> str:
    """`in 13 days`, `3 hours ago`: what a person says, not a timestamp."""
    delta = moment - now
    span = abs(delta)
    if span < timedelta(minutes=1):
        amount = "less than a minute"
    elif span < timedelta(hours=1):
        amount = _plural(span.seconds // 60, "minute")
    elif span < timedelta(days=2):
        amount = _plural(int(span.total_seconds() // 3600), "hour")
    else:
        amount = _plural(span.days, "day")
    return f"in {amount}" if delta >= timedelta(0) else f"{amount} ago"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def connection_lines(info: ConnectionInfo | None, now: datetime) -> list[str]:
    if info is None:
        return ["**Not connected.** Type `/connect` so I can read your meetings."]
    who = f"**{info.display_name}** ({info.email})"
    if info.broken:
        return [
            f"Your connection as {who} **needs renewing**: Webex refused it. "
            "Type `/connect` to connect again."
        ]
    lines = [
        f"**Connected** as {who} since {info.connected_at:%Y-%m-%d}.",
        f"- scopes: `{info.scopes or 'unknown'}`",
        f"- access token: expires {in_words(info.access_expires_at, now)} (renewed automatically)",
    ]
    if info.refresh_expires_at is not None:
        expired = info.refresh_expires_at <= now
        lines.append(
            f"- refresh token: {'expired' if expired else 'expires'} "
            f"{in_words(info.refresh_expires_at, now)} "
            + ("— type `/connect` again" if expired else "(then `/connect` again)")
        )
    if ANALYTICS_SCOPE not in info.scopes.split():
        lines.append(
            f"- without `{ANALYTICS_SCOPE}`, `/quality` cannot read meeting quality data: "
            "that needs a Webex admin account with this scope and the Pro Pack"
        )
    return lines


def subscription_line(room_id: str, person_id: str, now) -> str:
    from bot.summaries.notices import describe
    from storage import subscriptions

    line = describe(room_id, now)
    sub = subscriptions.get(room_id)
    if sub is not None:
        line += " It uses " + ("your" if sub.person_id == person_id else "another member's")
        line += " Webex account."
    return line


@command("status", help="show your connection and this space's daily summary")
def status(ctx: Context) -> None:
    lines = connection_lines(ctx.runtime.accounts.info(ctx.person_id), ctx.now())
    lines.append("")
    lines.append(subscription_line(ctx.room_id, ctx.person_id, ctx.now()))
    ctx.reply("\n".join(lines))
