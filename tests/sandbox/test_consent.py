"""The consent page: preselects the hinted person, names the integration, sends security headers."""

from __future__ import annotations

import re

import requests

REDIRECT = "http://127.0.0.1:8080/oauth/callback"


def page(sandbox, **extra) -> requests.Response:
    params = {"client_id": sandbox.state["integration"]["client_id"], "response_type": "code",
              "redirect_uri": REDIRECT, "scope": "spark:people_read analytics:read_all",
              "state": "st-1", **extra}
    resp = requests.get(f"{sandbox.api_url}/authorize", params=params, timeout=5)
    assert resp.status_code == 200, resp.text
    return resp


def checked(resp: requests.Response) -> list[str]:
    return re.findall(r'<input type="radio" name="personId" required value="([^"]+)"[^>]* checked',
                      resp.text)


def maya(sandbox) -> dict:
    return next(p for p in sandbox.state["people"] if not p["admin"])


def test_login_hint_preselects_that_person(sandbox):
    person = maya(sandbox)
    for hint in ({"login_hint": person["email"]}, {"email": person["email"].upper()},
                 {"login_hint": person["id"]}):
        resp = page(sandbox, **hint)
        assert checked(resp) == [person["id"]], hint
        first = re.search(r'name="personId" required value="([^"]+)"', resp.text)
        assert first and first.group(1) == person["id"]  # on top of the list, in view
        assert f"Signing in as <strong>{person['displayName']}</strong>" in resp.text


def test_without_a_usable_hint_nobody_is_preselected(sandbox):
    for extra in ({}, {"login_hint": "stranger@example.com"},
                  {"login_hint": sandbox.bot["email"]}):
        resp = page(sandbox, **extra)
        assert checked(resp) == []
        assert "Choose who signs in" in resp.text
        assert 'src="/static/consent.js"' in resp.text  # falls back to the chat page's person


def test_page_names_the_integration_and_looks_like_the_sandbox(sandbox):
    resp = page(sandbox)
    client_id = sandbox.state["integration"]["client_id"]
    assert "Allow Quality Bot to use your Webex account?" in resp.text
    assert client_id[:12] not in resp.text.replace(f'value="{client_id}"', "")
    assert '/static/chat.css' in resp.text and '/static/consent.css' in resp.text
    assert "read meeting quality data of your organization" in resp.text
    for asset in ("consent.css", "consent.js"):
        got = requests.get(f"{sandbox.url}/static/{asset}", timeout=5)
        assert got.status_code == 200 and got.text


def test_security_headers(sandbox):
    resp = page(sandbox)
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "form-action 'self' http://127.0.0.1:8080" in csp  # the redirect after Accept
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["Cache-Control"] == "no-store"
    error = requests.get(f"{sandbox.api_url}/authorize", params={"client_id": "nope"}, timeout=5)
    assert error.status_code == 400 and "frame-ancestors 'none'" in error.headers[
        "Content-Security-Policy"]
    bad_uri = requests.get(f"{sandbox.api_url}/authorize", timeout=5, params={
        "client_id": sandbox.state["integration"]["client_id"], "redirect_uri": "javascript:x"})
    assert bad_uri.status_code == 400
    chat = requests.get(f"{sandbox.url}/", timeout=5)
    assert "frame-ancestors 'none'" in chat.headers["Content-Security-Policy"]
    assert chat.headers["X-Content-Type-Options"] == "nosniff"


def test_accepting_the_preselected_person_signs_them_in(sandbox):
    person = maya(sandbox)
    params = {"client_id": sandbox.state["integration"]["client_id"], "response_type": "code",
              "redirect_uri": REDIRECT, "scope": "spark:people_read", "state": "s"}
    resp = page(sandbox, login_hint=person["email"])
    (chosen,) = checked(resp)
    accepted = requests.post(f"{sandbox.api_url}/authorize", allow_redirects=False, timeout=5,
                             data={**params, "personId": chosen, "decision": "accept"})
    assert accepted.status_code == 302 and "code=" in accepted.headers["Location"]
    assert accepted.headers["Referrer-Policy"] == "no-referrer"
    code = sandbox.world.codes[accepted.headers["Location"].split("code=")[1].split("&")[0]]
    assert code.person_id == person["id"]
