"""The sandbox's org side (§13): org-scope consent, whole-org and hostEmail listing, the Service
App and its own refresh client, a second org whose admin sees nothing of the first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import requests

ORG_SCOPES = ("spark:people_read meeting:admin_schedule_read meeting:admin_participants_read "
              "analytics:read_all")
REDIRECT = "http://127.0.0.1:8080/oauth/callback"


def grant(sandbox, person: dict, scope: str = ORG_SCOPES) -> dict:
    client = sandbox.state["integration"]
    params = {"client_id": client["client_id"], "response_type": "code",
              "redirect_uri": REDIRECT, "scope": scope, "state": "s"}
    resp = requests.post(f"{sandbox.api_url}/authorize", allow_redirects=False, timeout=5,
                         data={**params, "personId": person["id"], "decision": "accept"})
    code = parse_qs(urlparse(resp.headers["Location"]).query)["code"][0]
    token = requests.post(f"{sandbox.api_url}/access_token", timeout=5, data={
        "grant_type": "authorization_code", "client_id": client["client_id"],
        "client_secret": client["client_secret"], "code": code, "redirect_uri": REDIRECT})
    assert token.status_code == 200
    return token.json()


def ended(sandbox, token: str, **params) -> requests.Response:
    now = datetime.now(UTC)
    query = {"meetingType": "meeting", "state": "ended", "max": 100,
             "from": (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"), **params}
    return sandbox.call("GET", "/meetings", token, params=query)


def person(sandbox, email: str) -> dict:
    return next(p for p in sandbox.state["people"] if p["email"] == email)


def test_state_names_the_org_its_admin_and_the_service_app(sandbox):
    state = sandbox.state
    assert state["org"]["adminEmail"] == sandbox.admin_person["email"]
    me = sandbox.call("GET", "/people/me", sandbox.admin_person["token"]).json()
    assert me["orgId"] == state["org"]["id"]
    assert set(state["serviceApp"]) == {"clientId", "clientSecret", "accessToken", "refreshToken"}
    outsider = person(sandbox, state["otherOrg"]["memberEmails"][1])
    seen = sandbox.call("GET", f"/people/{outsider['id']}", state["bot"]["token"]).json()
    assert seen["orgId"] == state["otherOrg"]["id"] != state["org"]["id"]


def test_the_admin_consents_to_the_org_scopes_a_non_admin_does_not_get_them(sandbox):
    admin = grant(sandbox, sandbox.admin_person)
    assert set(ORG_SCOPES.split()) <= set(admin["scope"].split())
    user = grant(sandbox, sandbox.user)
    assert "analytics:read_all" not in user["scope"].split()
    assert "meeting:admin_schedule_read" not in user["scope"].split()
    assert ended(sandbox, user["access_token"], hostEmail=sandbox.admin_person["email"]
                 ).status_code == 403


def test_an_org_token_lists_the_whole_org_or_one_host(sandbox):
    token = grant(sandbox, sandbox.admin_person)["access_token"]
    everyone = ended(sandbox, token).json()["items"]
    hosts = {m["hostEmail"] for m in everyone}
    assert len(hosts) > 1 and sandbox.admin_person["email"] in hosts
    assert not hosts & set(sandbox.state["otherOrg"]["memberEmails"])
    one = next(h for h in hosts if h != sandbox.admin_person["email"])
    theirs = ended(sandbox, token, hostEmail=one).json()["items"]
    # As if the caller were that person: what they host or attended, a part of the whole.
    assert any(m["hostEmail"] == one for m in theirs)
    assert {m["id"] for m in theirs} < {m["id"] for m in everyone}
    outsider = sandbox.state["otherOrg"]["memberEmails"][1]
    assert ended(sandbox, token, hostEmail=outsider).status_code == 404


def test_the_service_app_lists_reads_qualities_and_refreshes_with_its_own_client(sandbox):
    app = sandbox.state["serviceApp"]
    assert ended(sandbox, app["accessToken"], max=1).status_code == 200
    meeting = next(m for m in ended(sandbox, app["accessToken"]).json()["items"]
                   if datetime.fromisoformat(m["start"].replace("Z", "+00:00"))
                   < datetime.now(UTC) - timedelta(minutes=10))
    qualities = sandbox.call("GET", "/meeting/qualities", app["accessToken"],
                             base=sandbox.analytics_url, params={"meetingId": meeting["id"]})
    assert qualities.status_code == 200 and qualities.json()["items"]
    integration = sandbox.state["integration"]
    wrong = requests.post(f"{sandbox.api_url}/access_token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": app["refreshToken"],
        "client_id": integration["client_id"], "client_secret": integration["client_secret"]})
    assert wrong.status_code == 400
    right = requests.post(f"{sandbox.api_url}/access_token", timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": app["refreshToken"],
        "client_id": app["clientId"], "client_secret": app["clientSecret"]})
    assert right.status_code == 200
    assert ended(sandbox, right.json()["access_token"], max=1).status_code == 200


def test_the_second_orgs_admin_sees_nothing_of_the_first(sandbox):
    other = person(sandbox, sandbox.state["otherOrg"]["adminEmail"])
    theirs = ended(sandbox, other["token"]).json()["items"]
    assert theirs and all(m["hostEmail"] in sandbox.state["otherOrg"]["memberEmails"]
                          for m in theirs)
    first_org = ended(sandbox, sandbox.admin_person["token"]).json()["items"][0]
    assert sandbox.call("GET", f"/meetings/{first_org['id']}", other["token"]).status_code == 404
    refused = sandbox.call("GET", "/meeting/qualities", other["token"],
                           base=sandbox.analytics_url, params={"meetingId": first_org["id"]})
    assert refused.status_code == 403
