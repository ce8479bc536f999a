"""`/v1/authorize` (consent page) and `/v1/access_token` (code and refresh grants).

Deviation: the sandbox accepts any `redirect_uri` at authorize time (there is no integration
registration UI); the token exchange must then present the same one, as on Webex.
"""

from __future__ import annotations

import html
import secrets
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, redirect, request

from sandbox.http import world
from sandbox.world import CODE_TTL, REFRESH_TTL, OAuthCode, RefreshToken, Token, World

bp = Blueprint("oauth", __name__)

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Webex Sandbox · Authorize</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;color:#222}}
label{{display:block;padding:.4rem;border-radius:6px}}label:hover{{background:#eef}}
button{{margin:.8rem .5rem 0 0;padding:.5rem 1.2rem}}</style></head><body>
<h1>Authorize access</h1><p>The integration <code>{client}</code> asks for:
<code>{scope}</code></p><form method="post" action="authorize">{hidden}
<p>Sign in as:</p>{people}
<button name="decision" value="accept" type="submit">Accept</button>
<button name="decision" value="deny" type="submit">Decline</button></form></body></html>"""


def _page_error(status: int, message: str) -> Response:
    body = f"<!doctype html><title>Error</title><h1>Cannot authorize</h1><p>{html.escape(message)}"
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def _redirect(uri: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return redirect(f"{uri}{'&' if '?' in uri else '?'}{query}", code=302)


@bp.get("/authorize")
def authorize_page():
    w, args = world(), request.args
    if args.get("client_id") != w.client_id:
        return _page_error(400, "Unknown client_id.")
    if not args.get("redirect_uri"):
        return _page_error(400, "redirect_uri is required.")
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
    people = "".join(
        f'<label><input type="radio" name="personId" value="{p.id}" {"checked" if i == 0 else ""}>'
        f" {html.escape(p.display_name)} &lt;{html.escape(p.email)}&gt;"
        f"{' · admin' if p.admin else ''}</label>"
        for i, p in enumerate(humans)
    )
    page = PAGE.format(client=html.escape(w.client_id[:12]) + "…",
                       scope=html.escape(args.get("scope", "")), hidden=hidden, people=people)
    return Response(page, content_type="text/html; charset=utf-8")


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
                         frozenset(form.get("scope", "").split()), w.now() + CODE_TTL)
        w.codes[code.code] = code
    return _redirect(uri, code=code.code, state=state)


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
    if client_id != w.client_id or not secrets.compare_digest(
            str(client_secret or ""), w.client_secret):
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
