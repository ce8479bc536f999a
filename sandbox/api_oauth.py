"""`/v1/authorize` (consent page) and `/v1/access_token` (code and refresh grants).

The consent page preselects the person named by `login_hint` (OIDC) or `email` (an email or a
person id); without one, sandbox/static/consent.js preselects whoever the chat page in this
browser is acting as (its "signed-in" person, as Webex remembers who is logged in).

Deviation: the sandbox accepts any `redirect_uri` at authorize time (there is no integration
registration UI); the token exchange must then present the same one, as on Webex.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, jsonify, redirect, request

from sandbox.http import world
from sandbox.world import CODE_TTL, REFRESH_TTL, OAuthCode, Person, RefreshToken, Token, World

bp = Blueprint("oauth", __name__)

ADMIN_ONLY = frozenset({"meeting:admin_schedule_read", "meeting:admin_participants_read",
                        "analytics:read_all", "meeting:admin_preferences_read"})

SCOPE_WORDS = {
    "spark:all": "act in Webex as you (messages, spaces, people)",
    "spark:people_read": "read people's names and email addresses",
    "meeting:schedules_read": "list your meetings",
    "meeting:admin_schedule_read": "list every meeting of your organization",
    "meeting:admin_participants_read": "see who attended your organization's meetings",
    "analytics:read_all": "read meeting quality data of your organization",
    "spark-admin:people_read": "read your organization's people directory",
}


def security_headers(resp: Response, form_action: str = "'self'") -> Response:
    """The consent page holds a sign-in decision: no framing, no sniffing, no caching, no
    referrer (the URL carries the state), and nothing loaded from anywhere but the sandbox."""
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def _html(body: str, status: int = 200, form_action: str = "'self'") -> Response:
    resp = Response(body, status=status, content_type="text/html; charset=utf-8")
    return security_headers(resp, form_action)


def _page_error(status: int, message: str) -> Response:
    return _html(
        render("Cannot authorize", f'<h1>Cannot authorize</h1><p>{html.escape(message)}</p>'),
        status)


def render(title: str, main: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Webex sandbox · {html.escape(title)}</title>"
        '<link rel="icon" href="data:,"><link rel="stylesheet" href="/static/chat.css">'
        '<link rel="stylesheet" href="/static/consent.css"></head><body class="consent-page">'
        '<header class="topbar"><div class="brand"><span class="brand-mark" aria-hidden="true">'
        'W</span><span class="brand-name">Webex sandbox</span></div></header>'
        f'<main class="consent">{main}</main>'
        '<script src="/static/consent.js"></script></body></html>'
    )


def _redirect(uri: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return security_headers(redirect(f"{uri}{'&' if '?' in uri else '?'}{query}", code=302))


def _origin(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def hinted(w: World, hint: str) -> Person | None:
    """The person a login hint names: an email (as Webex's `email=`/OIDC `login_hint`) or an id."""
    hint = hint.strip()
    if not hint:
        return None
    person = w.person_by_email(hint) or w.people.get(hint)
    return None if person is None or person.is_bot else person


@bp.get("/authorize")
def authorize_page():
    w, args = world(), request.args
    if args.get("client_id") != w.client_id:
        return _page_error(400, "Unknown client_id.")
    if not args.get("redirect_uri"):
        return _page_error(400, "redirect_uri is required.")
    origin = _origin(args["redirect_uri"])
    if origin is None:
        return _page_error(400, "redirect_uri must be an http(s) URL.")
    if args.get("response_type", "code") != "code":
        return _page_error(400, "Only response_type=code is supported.")
    keep = ("client_id", "redirect_uri", "scope", "state", "response_type")
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(args[k])}">'
        for k in keep
        if k in args
    )
    with w.lock:
        humans = [p for p in w.people.values() if not p.is_bot]
        app_name = w.people[w.bot_id].display_name if w.bot_id in w.people else "The integration"
        chosen = hinted(w, args.get("login_hint") or args.get("email") or "")
        humans.sort(key=lambda p: p is not chosen)  # the hinted person on top, in view
    people = "".join(
        f'<label class="consent-person"><input type="radio" name="personId" required '
        f'value="{p.id}" data-email="{html.escape(p.email)}"{" checked" if p is chosen else ""}>'
        f'<span class="consent-name">{html.escape(p.display_name)}</span>'
        f'<span class="muted">{html.escape(p.email)}{" · admin" if p.admin else ""}</span></label>'
        for p in humans
    )
    who = (f'Signing in as <strong>{html.escape(chosen.display_name)}</strong>. '
           "Someone else? Choose below." if chosen else "Choose who signs in.")
    scopes = "".join(
        f"<li>{html.escape(SCOPE_WORDS.get(s, s))} <code>{html.escape(s)}</code></li>"
        for s in args.get("scope", "").split()
    )
    name = html.escape(app_name)
    main = (
        f'<h1>Allow {name} to use your Webex account?</h1>'
        f'<p class="consent-who" id="consent-who">{who}</p>'
        f'<form method="post" action="authorize">{hidden}'
        f'<fieldset class="consent-people"><legend>Sign in as</legend>{people}</fieldset>'
        f'<p>{name} will be able to:</p><ul class="consent-scopes">{scopes}</ul>'
        '<div class="consent-actions">'
        '<button class="send-button" name="decision" value="accept" type="submit">Accept</button>'
        '<button class="consent-decline" name="decision" value="deny" type="submit" '
        "formnovalidate>Decline</button></div></form>"
    )
    return _html(render(f"Authorize {app_name}", main), form_action=f"'self' {origin}")


@bp.post("/authorize")
def authorize_submit():
    w, form = world(), request.form
    uri, state = form.get("redirect_uri", ""), form.get("state")
    if form.get("client_id") != w.client_id or not uri:
        return _page_error(400, "Unknown client_id or missing redirect_uri.")
    if form.get("decision", "accept") == "deny":
        return _redirect(uri, error="access_denied",
                         error_description="The user declined.", state=state)
    with w.lock:
        person = w.people.get(form.get("personId", "")) or w.person_by_email(
            form.get("personEmail", ""))
        if person is None or person.is_bot:
            return _page_error(400, "Choose a person to sign in as.")
        code = OAuthCode(secrets.token_urlsafe(32), person.id, w.client_id, uri,
                         granted_scopes(form.get("scope", ""), person.admin), w.now() + CODE_TTL)
        w.codes[code.code] = code
    return _redirect(uri, code=code.code, state=state)


def granted_scopes(asked: str, admin: bool) -> frozenset[str]:
    """What Webex grants: a non-admin's consent leaves out admin-only scopes (and the token's
    `scope` answer says so), so a bot asking for org-wide access can tell it did not get it."""
    scopes = frozenset(asked.split())
    if admin:
        return scopes
    return frozenset(s for s in scopes if s not in ADMIN_ONLY and not s.startswith("spark-admin:"))


def _oauth_error(status: int, error: str, description: str) -> Response:
    resp = jsonify({"error": error, "error_description": description})
    resp.status_code = status
    return resp


def _issue(w: World, person_id: str, client_id: str, scopes: frozenset[str]) -> Response:
    now = w.now()
    access = Token(secrets.token_urlsafe(48), person_id, scopes, now + w.access_ttl, client_id)
    refresh = RefreshToken(secrets.token_urlsafe(48), person_id, client_id, scopes,
                           now + REFRESH_TTL)
    w.tokens[access.value] = access
    w.refresh_tokens[refresh.value] = refresh
    return jsonify({
        "access_token": access.value,
        "expires_in": int(w.access_ttl.total_seconds()),
        "refresh_token": refresh.value,
        "refresh_token_expires_in": int(REFRESH_TTL.total_seconds()),
        "token_type": "Bearer",
        "scope": " ".join(sorted(scopes)),
    })


@bp.post("/access_token")
def access_token():
    w, form = world(), request.form
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id = client_id or request.authorization.username
        client_secret = client_secret or request.authorization.password
    known = w.clients()  # the integration, and the Service App (its own id and secret)
    if client_id not in known or not secrets.compare_digest(
            str(client_secret or ""), known[client_id]):
        return _oauth_error(401, "invalid_client", "Unknown client or wrong client secret.")
    grant = form.get("grant_type")
    with w.lock:
        now = w.now()
        if grant == "authorization_code":
            code = w.codes.get(form.get("code", ""))
            if code is None or code.used or code.expires_at <= now:
                return _oauth_error(400, "invalid_grant", "The code is invalid, used or expired.")
            code.used = True  # single use even when the rest of the request is wrong
            if code.client_id != client_id or code.redirect_uri != form.get("redirect_uri"):
                return _oauth_error(400, "invalid_grant", "redirect_uri does not match.")
            return _issue(w, code.person_id, client_id, code.scopes)
        if grant == "refresh_token":
            old = w.refresh_tokens.get(form.get("refresh_token", ""))
            if old is None or old.used or old.expires_at <= now or old.client_id != client_id:
                return _oauth_error(400, "invalid_grant",
                                    "The refresh token is invalid, used or expired.")
            old.used = True  # rotation: each refresh token works once
            return _issue(w, old.person_id, client_id, old.scopes)
    return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant_type {grant!r}.")
