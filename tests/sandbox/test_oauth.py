"""OAuth authorization code flow: consent page, single-use codes, expiry, rotating refresh."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import requests
from webexpythonsdk import WebexAPI

REDIRECT = "http://127.0.0.1:8080/oauth/callback"


def authorize(sandbox, person: dict, decision: str = "accept", state: str = "st-1") -> dict:
    client = sandbox.state["integration"]["client_id"]
    params = {"client_id": client, "response_type": "code", "redirect_uri": REDIRECT,
              "scope": "spark:people_read analytics:read_all", "state": state}
    page = requests.get(f"{sandbox.api_url}/authorize", params=params, timeout=5)
    assert page.status_code == 200 and person["displayName"] in page.text
    assert 'action="authorize"' in page.text and 'name="personId"' in page.text
    resp = requests.post(f"{sandbox.api_url}/authorize", allow_redirects=False, timeout=5,
                         data={**params, "personId": person["id"], "decision": decision})
    assert resp.status_code == 302
    location = urlparse(resp.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def token_request(sandbox, **form) -> requests.Response:
    integration = sandbox.state["integration"]
    data = {"client_id": integration["client_id"],
            "client_secret": integration["client_secret"], **form}
    return requests.post(f"{sandbox.api_url}/access_token", data=data, timeout=5)


def test_consent_page_validates_client(sandbox):
    bad = requests.get(f"{sandbox.api_url}/authorize",
                       params={"client_id": "nope", "redirect_uri": REDIRECT}, timeout=5)
    assert bad.status_code == 400
    missing = requests.get(f"{sandbox.api_url}/authorize", timeout=5,
                           params={"client_id": sandbox.state["integration"]["client_id"]})
    assert missing.status_code == 400


def test_code_exchange_refresh_rotation(sandbox):
    person = sandbox.admin_person
    query = authorize(sandbox, person)
    assert query["state"] == "st-1"
    grant = token_request(sandbox, grant_type="authorization_code", code=query["code"],
                          redirect_uri=REDIRECT)
    assert grant.status_code == 200
    body = grant.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 14 * 24 * 3600
    assert body["refresh_token_expires_in"] > body["expires_in"]
    assert "analytics:read_all" in body["scope"].split()
    me = WebexAPI(access_token=body["access_token"], base_url=sandbox.api_url + "/").people.me()
    assert me.id == person["id"]

    again = token_request(sandbox, grant_type="authorization_code", code=query["code"],
                          redirect_uri=REDIRECT)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    fresh = token_request(sandbox, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert fresh.status_code == 200 and fresh.json()["refresh_token"] != body["refresh_token"]
    reused = token_request(sandbox, grant_type="refresh_token",
                           refresh_token=body["refresh_token"])
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
    rotated = token_request(sandbox, grant_type="refresh_token",
                            refresh_token=fresh.json()["refresh_token"])
    assert rotated.status_code == 200


def test_code_rules(sandbox):
    query = authorize(sandbox, sandbox.user)
    wrong_uri = token_request(sandbox, grant_type="authorization_code", code=query["code"],
                              redirect_uri="http://elsewhere/cb")
    assert wrong_uri.status_code == 400 and wrong_uri.json()["error"] == "invalid_grant"
    expired = authorize(sandbox, sandbox.user)
    sandbox.advance(601)
    late = token_request(sandbox, grant_type="authorization_code", code=expired["code"],
                         redirect_uri=REDIRECT)
    assert late.json()["error"] == "invalid_grant"
    bad_client = token_request(sandbox, grant_type="authorization_code", code="x",
                               redirect_uri=REDIRECT, client_secret="wrong")
    assert bad_client.status_code == 401 and bad_client.json()["error"] == "invalid_client"


def test_deny_redirects_with_error(sandbox):
    query = authorize(sandbox, sandbox.user, decision="deny", state="s2")
    assert query == {"error": "access_denied", "error_description": "The user declined.",
                     "state": "s2"}


def test_access_tokens_expire(sandbox):
    query = authorize(sandbox, sandbox.admin_person)
    body = token_request(sandbox, grant_type="authorization_code", code=query["code"],
                         redirect_uri=REDIRECT).json()
    assert sandbox.call("GET", "people/me", body["access_token"]).status_code == 200
    sandbox.advance(body["expires_in"] + 1)
    assert sandbox.call("GET", "people/me", body["access_token"]).status_code == 401
    # Personal tokens from the state file never expire.
    assert sandbox.call("GET", "people/me", sandbox.admin_person["token"]).status_code == 200

    query = authorize(sandbox, sandbox.admin_person)
    token = token_request(sandbox, grant_type="authorization_code", code=query["code"],
                          redirect_uri=REDIRECT).json()["access_token"]
    sandbox.admin("POST", "tokens/expire", json={"token": token})
    assert sandbox.call("GET", "people/me", token).status_code == 401
