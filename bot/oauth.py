"""GET /oauth/callback: where Webex sends the browser back after /connect (contract §4).

This is a browser redirect, not a webhook, so calling Webex inside the request is fine: the
person is waiting for the page to say whether it worked.
"""

from __future__ import annotations

import html
import logging

from flask import Blueprint, Response, current_app, request

from bot import echo
from bot.accounts import Connected, ConnectRefused
from bot.webex import BotClient, WebexError

log = logging.getLogger(__name__)
bp = Blueprint("oauth", __name__)

TRY_AGAIN = "Type <code>/connect</code> to the bot in Webex for a new link."

# reason -> (HTTP status, title, what happened and what to do next)
REFUSALS: dict[str, tuple[int, str, str]] = {
    "unknown": (
        400,
        "This link is not valid",
        "I did not issue this sign-in link, or it was changed on the way. " + TRY_AGAIN,
    ),
    "expired": (400, "This link has expired", "Sign-in links work for 10 minutes. " + TRY_AGAIN),
    "used": (
        400,
        "This link was already used",
        "Each sign-in link works once. If you just connected, you are done; otherwise " + TRY_AGAIN,
    ),
    "exchange": (
        502,
        "Webex did not accept the sign-in",
        "Webex refused to exchange the sign-in code, so nothing was connected. " + TRY_AGAIN,
    ),
    "identity": (
        502,
        "Webex did not say who you are",
        "The sign-in worked but Webex did not answer who you are, so nothing was kept. "
        + TRY_AGAIN,
    ),
    "someone_else": (
        403,
        "Signed in as someone else",
        "The link was made for the person who typed <code>/connect</code>, but "
        "you signed in to Webex as a different account. Nothing was kept. Sign in "
        "as the person who asked, or type <code>/connect</code> yourself.",
    ),
    "not_admin": (
        403,
        "Webex did not give organization access",
        "Connecting the organization needs a Webex <strong>full admin</strong> who grants the "
        "meeting and analytics admin scopes; Webex did not give them to this account, so "
        "nothing was kept. Ask a Webex admin of your organization to type "
        "<code>/connect org</code>.",
    ),
    "not_configured": (
        503,
        "Connecting is not set up",
        "This bot has no OAuth integration or TOKEN_KEY configured. "
        "Ask the bot's admin to set WEBEX_CLIENT_ID, WEBEX_CLIENT_SECRET and "
        "TOKEN_KEY.",
    ),
}

# The pages are static text with one inline style: nothing may load, run, frame or submit.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · quality-bot</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:34rem;margin:4rem auto;
padding:0 1rem;color:#1f2328;line-height:1.5}}
h1{{font-size:1.4rem;color:{color}}}code{{background:#f0f1f3;padding:0 .25rem;border-radius:4px}}
</style></head>
<body><h1>{title}</h1><p>{body}</p></body></html>
"""


def page(status: int, title: str, body_html: str) -> Response:
    color = "#1a7f37" if status < 400 else "#b42318"
    text = PAGE.format(title=html.escape(title), body=body_html, color=color)
    resp = Response(text, status=status, content_type="text/html; charset=utf-8")
    # The URL carried a code: keep it out of caches and out of any Referer header.
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers.update(SECURITY_HEADERS)
    return resp


@bp.get("/oauth/callback")
def callback() -> Response:
    runtime = current_app.extensions["quality-bot"]
    args = request.args
    if args.get("error"):
        if args.get("state"):
            runtime.accounts.abandon(args["state"])
        said = html.escape(args.get("error_description") or args["error"])
        return page(400, "Nothing was connected", f"Webex answered: <em>{said}</em>. " + TRY_AGAIN)
    code, state = args.get("code", ""), args.get("state", "")
    if not code or not state:
        return page(
            400,
            "This link is incomplete",
            "The address lacks the sign-in code or state. " + TRY_AGAIN,
        )
    try:
        connected = runtime.accounts.complete(code, state)
    except ConnectRefused as refused:
        status, title, body = REFUSALS[refused.reason]
        if refused.reason == "someone_else":
            body += f" (You signed in as {html.escape(refused.signed_in_as or 'another account')}.)"
            _tell(
                runtime.webex,
                refused.person_id,
                "Someone completed your `/connect` link with a different Webex account, so I "
                "kept nothing. Type `/connect` again and sign in as yourself.",
            )
        if refused.reason == "not_admin":
            _tell(runtime.webex, refused.person_id, NOT_ADMIN_MESSAGE)
        return page(status, title, body)
    _tell(runtime.webex, connected.person_id, connected_message(connected))
    if connected.org_id:
        _ensure_org_webhook(runtime, connected.org_id)
        return page(
            200,
            "Organization connected",
            "quality-bot now serves <strong>everyone in your organization</strong>: each person "
            "can type <code>/meetings</code> and <code>/quality</code> for their own meetings "
            "without connecting. You can close this page.",
        )
    who = html.escape(f"{connected.display_name} ({connected.email})")
    return page(
        200,
        "Connected",
        f"quality-bot can now read your meetings as <strong>{who}</strong>. "
        "Go back to Webex and try <code>/meetings</code>. You can close this page.",
    )


NOT_ADMIN_MESSAGE = (
    "Webex did not let your account read your organization's meetings and quality data, so I "
    "kept nothing from `/connect org`. It needs a Webex **full admin** granting "
    "`meeting:admin_schedule_read` and `analytics:read_all` (and the org's Pro Pack). Ask an "
    "admin to type `/connect org`; you can still `/connect` your own account."
)


def connected_message(connected: Connected) -> str:
    if connected.org_id:
        return (
            f"Organization connected by **{echo.plain(connected.display_name)}** "
            f"({echo.plain(connected.email)}): I now "
            "serve **everyone in your organization**. Each person can type `/meetings` and "
            "`/quality` for their own meetings without connecting; you and the `QUALITY_ADMINS` "
            "see every participant and can use `/meetings PERSON`. `/disconnect org` undoes it."
        )
    lines = [
        f"Connected as **{echo.plain(connected.display_name)}** ({echo.plain(connected.email)}). "
        "Try `/meetings` to list your recent meetings, then `/quality #1` for one of them.",
    ]
    if not connected.has_analytics:
        lines.append(
            "Note: your connection lacks `analytics:read_all`, so `/quality` will not work: "
            "meeting quality data needs a Webex admin account with that scope and the Pro Pack."
        )
    return "\n\n".join(lines)


def _ensure_org_webhook(runtime, org_id: str) -> None:
    """§10: the org's one meetings/ended webhook, created with the new org token, so alerts
    after meetings start at once. It never fails the page: `webhooks sync` repairs it and
    `doctor` reports it."""
    from bot.webhook_admin import ensure_org_webhook

    try:
        for change in ensure_org_webhook(org_id, runtime):
            log.info("org webhook: %s", change)
    except Exception as exc:
        log.warning("org webhook not set up at /connect org (%s); run `webhooks sync`", exc)


def _tell(webex: BotClient, person_id: str, markdown: str) -> None:
    """Best effort: the page already said what happened."""
    if not person_id:
        return
    try:
        webex.send(to_person_id=person_id, markdown=markdown)
    except WebexError as exc:
        log.warning("could not message the person about their connection: %s", exc)
