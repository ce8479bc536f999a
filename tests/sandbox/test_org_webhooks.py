"""Org-level `meetings`/`ended` webhooks: who may create them, signed compact deliveries, once,
and endings driven by the sandbox clock (control, ticker) rather than by the tests."""

from __future__ import annotations

import hashlib
import hmac
import json

import requests

from tests.conftest_sandbox import wait_until

SECRET = "org-hook-secret"


def org_hook(sandbox, receiver, token: str, **extra) -> dict:
    body = {"name": "ended", "targetUrl": f"{receiver.url}/webhooks/webex", "resource": "meetings",
            "event": "ended", "ownedBy": "org", "secret": SECRET, **extra}
    resp = sandbox.call("POST", "webhooks", token, json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def start(sandbox, title: str = "Board Sync", minutes: int = 20, **extra) -> dict:
    body = {"title": title, "hostEmail": sandbox.admin_person["email"], "minutes": minutes,
            "participants": [{"email": sandbox.user["email"], "profile": "wifi"}], **extra}
    resp = requests.post(f"{sandbox.url}/_sandbox/meetings", json=body, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def ended_for(receiver, meeting_id: str) -> list[tuple[bytes, dict]]:
    got = []
    for r in receiver.received():
        envelope = json.loads(r.body)
        if envelope["data"]["id"] == meeting_id:
            got.append((r, envelope))
    return got


def test_who_may_create_meeting_webhooks(sandbox, receiver):
    body = {"name": "m", "targetUrl": f"{receiver.url}/x", "resource": "meetings",
            "event": "ended"}
    bot = sandbox.call("POST", "webhooks", sandbox.bot["token"], json=body)
    assert bot.status_code == 403 and "Bots cannot" in bot.json()["message"]
    bot_org = sandbox.call("POST", "webhooks", sandbox.bot["token"],
                           json={**body, "ownedBy": "org"})
    assert bot_org.status_code == 403
    user = sandbox.call("POST", "webhooks", sandbox.user["token"], json={**body, "ownedBy": "org"})
    assert user.status_code == 403 and "admin" in user.json()["message"]
    junk = sandbox.call("POST", "webhooks", sandbox.admin_person["token"],
                        json={**body, "ownedBy": "everyone"})
    assert junk.status_code == 400
    messages = sandbox.call("POST", "webhooks", sandbox.admin_person["token"],
                            json={**body, "resource": "messages", "event": "created",
                                  "ownedBy": "org"})
    assert messages.status_code == 400
    hook = org_hook(sandbox, receiver, sandbox.admin_person["token"])
    assert hook["ownedBy"] == "org" and hook["resource"] == "meetings"
    listed = sandbox.call("GET", "webhooks", sandbox.admin_person["token"]).json()["items"]
    assert [h["ownedBy"] for h in listed if h["id"] == hook["id"]] == ["org"]
    # The bot's own message webhooks are untouched by all this.
    own = sandbox.call("POST", "webhooks", sandbox.bot["token"],
                       json={**body, "resource": "messages", "event": "created"})
    assert own.status_code == 200 and own.json()["ownedBy"] == "creator"


def test_meeting_end_is_delivered_signed_compact_and_once(sandbox, receiver):
    hook = org_hook(sandbox, receiver, sandbox.admin_person["token"])
    meeting = start(sandbox)
    assert meeting["state"] == "inProgress"
    sandbox.advance(20 * 60 + 1)
    (r, envelope), = wait_until(lambda: ended_for(receiver, meeting["id"]))
    expected = hmac.new(SECRET.encode(), r.body, hashlib.sha1).hexdigest()
    assert r.headers["X-Spark-Signature"] == expected
    assert r.body == json.dumps(json.loads(r.body), separators=(",", ":"),
                         ensure_ascii=False).encode()  # compact
    assert envelope["id"] == hook["id"] and envelope["ownedBy"] == "org"
    assert (envelope["resource"], envelope["event"]) == ("meetings", "ended")
    assert "secret" not in envelope and envelope["orgId"] == hook["orgId"]
    data = envelope["data"]
    for key in ("meetingSeriesId", "title", "start", "end", "hostEmail", "meetingType"):
        assert data[key] == meeting[key]
    assert data["state"] == "ended" and data["hostEmail"] == sandbox.admin_person["email"]
    # Later ticks, requests and clock moves never announce it again: end a second meeting and
    # wait for its delivery, which comes after any repeat of the first would have.
    second = start(sandbox, title="Second")
    sandbox.advance(21 * 60)
    wait_until(lambda: ended_for(receiver, second["id"]))
    assert len(ended_for(receiver, meeting["id"])) == 1
    deliveries = sandbox.admin("GET", "deliveries")["items"]
    assert [d["dataId"] for d in deliveries].count(meeting["id"]) == 1


def test_the_ticker_ends_meetings_without_any_request(sandbox, receiver):
    org_hook(sandbox, receiver, sandbox.admin_person["token"])
    meeting = start(sandbox, minutes=5)
    sandbox.world.advance(5 * 60 + 1)  # the clock moves; nobody calls the sandbox
    wait_until(lambda: ended_for(receiver, meeting["id"]))
    assert meeting["id"] in sandbox.world.meetings and meeting["id"] not in sandbox.world.live


def test_clock_control_ends_due_meetings_before_answering(sandbox):
    meeting = start(sandbox, minutes=30)
    sandbox.advance(29 * 60)
    assert meeting["id"] in sandbox.world.live
    sandbox.advance(61)
    assert meeting["id"] in sandbox.world.meetings and meeting["id"] not in sandbox.world.live


def test_only_matching_org_hooks_hear_it(sandbox, receiver):
    admin = sandbox.admin_person
    filtered = org_hook(sandbox, receiver, admin["token"], filter=f"hostEmail={admin['email']}")
    other = org_hook(sandbox, receiver, admin["token"], filter="hostEmail=nobody@example.com")
    started = org_hook(sandbox, receiver, admin["token"], event="started")
    # A personal (creator-owned) meetings hook of a user is not an org hook: it hears nothing.
    personal = sandbox.call("POST", "webhooks", sandbox.user["token"], json={
        "name": "p", "targetUrl": f"{receiver.url}/p", "resource": "meetings", "event": "ended"})
    assert personal.status_code == 200
    meeting = start(sandbox, minutes=5)
    sandbox.advance(5 * 60 + 1)
    wait_until(lambda: ended_for(receiver, meeting["id"]))
    marker = start(sandbox, title="Marker", minutes=5)
    sandbox.advance(5 * 60 + 1)
    wait_until(lambda: ended_for(receiver, marker["id"]))
    hooks = [env["id"] for _, env in ended_for(receiver, meeting["id"])]
    assert hooks == [filtered["id"]]
    assert other["id"] not in hooks and started["id"] not in hooks
