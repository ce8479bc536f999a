"""What `/alerts`, `/notify` and `/status` say about alerts, and who may switch them.
Handlers (handlers/alerts.py, handlers/notify.py) stay thin: parse, call, reply."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.alerts import org
from bot.history import visibility
from bot.webex import WebexError
from storage import alerts as store

if TYPE_CHECKING:
    from bot.context import Context
    from bot.runtime import Runtime

REFUSED = (
    "Only a **quality admin** can switch alerts: the person who connected the organization "
    "(`/connect org`) or someone listed in `QUALITY_ADMINS`. Type `/alerts` to see this "
    "space's state."
)
NOT_CONNECTED = (
    "Your organization is not connected yet, so I cannot watch its meetings. A Webex admin "
    "types `/connect org` first; then `/alerts on` works here."
)


def parse_switch(word: str) -> str:
    if word.lower() in ("on", "off"):
        return word.lower()
    raise ValueError(f"`{word}` is neither `on` nor `off`.")


def email_of(ctx: Context) -> str:
    """The asker's email (bot.history.visibility.email_of: the message's, their connection's,
    else Webex's); "" when Webex will not say."""
    try:
        return visibility.email_of(ctx.runtime, ctx.person_id, ctx.person_email)
    except WebexError:
        return ""


def switch_space(ctx: Context, on: bool) -> str:
    runtime = ctx.runtime
    email = email_of(ctx)
    org_id = org.org_of(runtime, ctx.person_id)
    if not email or not org.is_quality_admin(runtime, email, org_id):
        return REFUSED
    if org_id is None or org_id not in {c.org_id for c in org.connections(runtime)}:
        return NOT_CONNECTED
    changed = store.set_space(ctx.room_id, org_id, on, email, ctx.now())
    if on:
        head = "Alerts are **on** in this space" + ("" if changed else " (they already were)")
        return (
            f"{head}: whenever a meeting of your organization ends with poor quality, I post "
            f"one card here with who suffered and why, {_after(runtime.config.alert_delay)} it "
            "ends. `/alerts off` stops it."
        )
    head = "Alerts are **off** in this space" + ("" if changed else " (they already were)")
    return f"{head}. `/alerts on` starts them again."


def space_state(runtime: Runtime, room_id: str) -> str:
    """`/alerts` and `/status`: on/off, since when, alerts sent in the last 7 days."""
    state = store.space(room_id)
    now = runtime.now()
    sent = store.sent_count(f"space:{room_id}", now - timedelta(days=7))
    count = f"{sent} {'alert' if sent == 1 else 'alerts'} sent here in the last 7 days."
    if state is None:
        return f"Alerts in this space: **off** (a quality admin can type `/alerts on`). {count}"
    since = state.since.strftime("%Y-%m-%d %H:%M UTC")
    word = "on" if state.enabled else "off"
    by = f" by {state.changed_by}" if state.changed_by else ""
    return f"Alerts in this space: **{word}** since {since}{by}. {count}"


def switch_notify(ctx: Context, on: bool) -> str:
    email = email_of(ctx)
    if not email:
        return "I could not read your email address from Webex; please try again in a minute."
    store.set_notify(email, ctx.person_id, on, ctx.now())
    if on:
        return (
            "1:1 alerts are **on**: when a meeting you host or join has poor quality, I tell you "
            "why and what to do. `/notify off` stops them."
        )
    return "1:1 alerts are **off**: I will not message you about your meetings. `/notify on` again."


def notify_state(email: str) -> str:
    on = store.notify_enabled(email) if email else True
    return (
        "Your 1:1 alerts about your own poor meetings: **on** (`/notify off` to stop them)."
        if on
        else "Your 1:1 alerts about your own poor meetings: **off** (`/notify on` to resume)."
    )


def _after(seconds: int) -> str:
    """ALERT_DELAY in words: Webex's data is complete some minutes after a meeting ends."""
    if seconds < 90:
        return f"about {seconds} seconds after"
    return f"about {round(seconds / 60)} minutes after"
