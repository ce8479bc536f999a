"""/status: the requester's connection and this space's daily summary, in plain words."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import echo
from bot.accounts import ANALYTICS_SCOPE, ConnectionInfo
from bot.commands import command
from bot.context import Context
from bot.orgs import OrgConnectionInfo


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


def connection_lines(
    info: ConnectionInfo | None, now: datetime, org_serves: bool = False
) -> list[str]:
    if info is None:
        if org_serves:
            return ["Your own account: **not connected**, and it need not be (see above)."]
        return ["**Not connected.** Type `/connect` so I can read your meetings."]
    who = f"**{echo.plain(info.display_name)}** ({echo.plain(info.email)})"
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


def what_works(personal: ConnectionInfo | None, org_serves: bool | None) -> str:
    """The one line a newcomer wants first: will `/meetings` and `/quality` work for me?
    `org_serves` is None when the org lookup failed, False when no working org connection."""
    if org_serves:
        return (
            "**`/meetings` and `/quality` work for you** through your organization's connection: "
            "no `/connect` needed. You see your own meetings; other people in them stay unnamed "
            "unless you hosted the meeting or are a quality admin."
        )
    if personal is not None and not personal.broken:
        if personal.has_analytics:
            return (
                "**`/meetings` and `/quality` work for you** with your own account "
                "(an admin's, with meeting quality access)."
            )
        return (
            "**`/meetings` works for you; `/quality` does not**: your account cannot read meeting "
            "quality data (that needs a Webex admin). Ask a Webex admin to type `/connect org`, "
            "then it works for everyone in your organization."
        )
    if org_serves is None:
        return "I could not tell whether your organization is connected; try `/status` again soon."
    return (
        "**Neither `/meetings` nor `/quality` works for you yet.** Type `/connect` to list your "
        "meetings; `/quality` also needs a Webex admin account, or a Webex admin typing "
        "`/connect org` for everyone."
    )


def org_info(ctx: Context) -> tuple[OrgConnectionInfo | None, str]:
    """(the asker's org connection or None, their email); raises OrgLookupFailed.
    The org lookup is only made once some org is connected."""
    access, orgs = ctx.runtime.access, ctx.runtime.orgs
    email = ctx.person_email.lower()
    info = None
    if orgs.any():
        ident = access.identity(ctx.person_id)
        email = email or ident.email
        info = orgs.info(ident.org_id) if ident.org_id else None
    return info, email


def org_serves(ctx: Context) -> bool:
    """Whether a working org connection serves the asker (False when the lookup fails)."""
    from bot.access import OrgLookupFailed

    try:
        info, _ = org_info(ctx)
    except OrgLookupFailed:
        return False
    return info is not None and not info.broken


def org_lines(ctx: Context, info: OrgConnectionInfo | None, email: str) -> list[str]:
    """Whether the asker's org is connected (by whom, kind, expiry) and whether they are a
    quality admin (§9)."""
    access = ctx.runtime.access
    if info is None:
        return [
            "**Organization: not connected.** A Webex admin can type `/connect org` so that "
            "everyone here sees their own meetings' quality without connecting.",
            "You **are** a quality admin (`QUALITY_ADMINS`)."
            if email and email in ctx.config.quality_admin_emails
            else "You are **not** a quality admin.",
        ]
    if info.broken:
        state = "**needs renewing** (Webex refused it): a Webex admin must `/connect org` again"
    else:
        state = (
            f"access token expires {in_words(info.access_expires_at, ctx.now())} "
            f"({info.access_expires_at:%Y-%m-%d %H:%M} UTC, renewed automatically)"
        )
    admin = access.is_quality_admin(email, info.org_id)
    who = "a Service App" if info.kind == "service-app" else info.who
    return [
        f"**Organization: connected** by {who} (kind `{info.kind}`); {state}.",
        "You **are** a quality admin: you see every participant and can use `/meetings PERSON`."
        if admin
        else "You are **not** a quality admin.",
    ]


@command("status", help="show your connection, your organization's and this space's summary")
def status(ctx: Context) -> None:
    from bot.access import OrgLookupFailed

    personal = ctx.runtime.accounts.info(ctx.person_id)
    try:
        info, email = org_info(ctx)
    except OrgLookupFailed:
        org, serves = ["Organization: I could not look up your organization just now."], None
    else:
        org, serves = org_lines(ctx, info, email), info is not None and not info.broken
    lines = [what_works(personal, serves), ""]
    lines.extend(connection_lines(personal, ctx.now(), org_serves=bool(serves)))
    lines.append("")
    lines.extend(org)
    lines.append("")
    lines.append(subscription_line(ctx.room_id, ctx.person_id, ctx.now()))
    lines.append(alerts_lines(ctx))
    ctx.reply("\n".join(lines))


def alerts_lines(ctx: Context) -> str:
    from bot.alerts.commands import email_of, notify_state, space_state

    return space_state(ctx.runtime, ctx.room_id) + "\n" + notify_state(email_of(ctx))
