"""Webhook deliveries: who hears what, signatures over the exact bytes, retries, deactivation."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.conftest_sandbox import wait_until

SECRET = "delivery-secret"


def register(sandbox, receiver, token: str, resource: str = "messages", secret: str | None = SECRET,
             **extra) -> dict:
    body = {"name": resource, "targetUrl": f"{receiver.url}/{resource}", "resource": resource,
            "event": "created", **extra}
    if secret:
        body["secret"] = secret
    resp = sandbox.call("POST", "webhooks", token, json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def envelopes(receiver, count: int) -> list[dict]:
    """Wait for `count` deliveries; check every signature against the raw bytes."""
    got = wait_until(lambda: len(receiver.received()) >= count and receiver.received())
    for r in got:
        expected = hmac.new(SECRET.encode(), r.body, hashlib.sha1).hexdigest()
        assert r.headers["X-Spark-Signature"] == expected
        assert r.headers["Content-Type"] == "application/json"
    return [json.loads(r.body) for r in got]


def post(sandbox, person: dict, **fields) -> dict:
    resp = sandbox.call("POST", "messages", person["token"], json=fields)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_direct_message_delivery_shape_and_signature(sandbox, receiver):
    hook = register(sandbox, receiver, sandbox.bot["token"])
    room = sandbox.direct_room(sandbox.admin_person["email"])
    msg = post(sandbox, sandbox.admin_person, roomId=room["id"], text="/help")
    (env,) = envelopes(receiver, 1)
    assert env["id"] == hook["id"] and env["resource"] == "messages" and env["event"] == "created"
    assert env["actorId"] == sandbox.admin_person["id"] and env["createdBy"] == sandbox.bot["id"]
    for key in ("name", "targetUrl", "orgId", "appId", "ownedBy", "status", "created"):
        assert key in env
    data = env["data"]
    assert data["id"] == msg["id"] and data["roomType"] == "direct"
    assert data["personEmail"] == sandbox.admin_person["email"]
    assert "text" not in data  # the text must be fetched with GET /messages/{id}


def test_group_messages_reach_the_bot_only_when_mentioned(sandbox, receiver):
    register(sandbox, receiver, sandbox.bot["token"])
    room = sandbox.group["id"]
    post(sandbox, sandbox.admin_person, roomId=room, text="chatter, no mention")
    mention = post(sandbox, sandbox.admin_person, roomId=room,
                   markdown=f"<@personId:{sandbox.bot['id']}|Quality Bot> /help")
    (env,) = envelopes(receiver, 1)
    assert env["data"]["id"] == mention["id"]
    assert env["data"]["mentionedPeople"] == [sandbox.bot["id"]]
    # The bot's own messages are delivered too: the bot has to ignore them itself.
    own = post(sandbox, sandbox.bot, roomId=room, text="reply")
    assert envelopes(receiver, 2)[1]["data"]["id"] == own["id"]
    wait_until(lambda: len(sandbox.admin("GET", "deliveries")["items"]) == 2)
    assert len(receiver.received()) == 2


def test_person_webhook_filters(sandbox, receiver):
    admin = sandbox.admin_person
    register(sandbox, receiver, admin["token"], filter=f"roomId={sandbox.group['id']}")
    direct = sandbox.direct_room(admin["email"])
    post(sandbox, sandbox.bot, roomId=direct["id"], text="not in the filtered room")
    in_room = post(sandbox, admin, roomId=sandbox.group["id"], text="in the room")
    (env,) = envelopes(receiver, 1)
    assert env["data"]["id"] == in_room["id"] and env["filter"].startswith("roomId=")


def test_no_signature_without_secret(sandbox, receiver):
    register(sandbox, receiver, sandbox.bot["token"], secret=None)
    post(sandbox, sandbox.admin_person,
         roomId=sandbox.direct_room(sandbox.admin_person["email"])["id"], text="hi")
    (r,) = wait_until(receiver.received)
    assert "X-Spark-Signature" not in r.headers


def test_attachment_action_and_membership_deliveries(sandbox, receiver):
    register(sandbox, receiver, sandbox.bot["token"], resource="attachmentActions")
    register(sandbox, receiver, sandbox.bot["token"], resource="memberships")
    room = sandbox.direct_room(sandbox.admin_person["email"])
    card = {"contentType": "application/vnd.microsoft.card.adaptive",
            "content": {"type": "AdaptiveCard", "version": "1.3", "body": []}}
    msg = post(sandbox, sandbox.bot, roomId=room["id"], text="card", attachments=[card])
    action = sandbox.call("POST", "attachment/actions", sandbox.admin_person["token"],
                          json={"type": "submit", "messageId": msg["id"], "inputs": {"a": "1"}})
    (env,) = envelopes(receiver, 1)
    assert env["resource"] == "attachmentActions"
    assert env["data"]["id"] == action.json()["id"] and env["data"]["messageId"] == msg["id"]
    assert "inputs" not in env["data"]

    # Someone joins a space the bot is in: the bot hears memberships/created.
    user = sandbox.user
    group = next(r for r in sandbox.state["rooms"]
                 if r["type"] == "group" and user["email"] in r["memberEmails"])
    newcomer = next(p for p in sandbox.state["people"] if p["email"] not in group["memberEmails"])
    added = sandbox.call("POST", "memberships", user["token"],
                         json={"roomId": group["id"], "personEmail": newcomer["email"]})
    assert added.status_code == 200, added.text
    env = envelopes(receiver, 2)[1]
    assert env["resource"] == "memberships" and env["data"]["personId"] == newcomer["id"]
    assert env["data"]["roomType"] == "group"


def test_failing_webhook_goes_inactive_and_put_reactivates(sandbox, receiver):
    hook = register(sandbox, receiver, sandbox.bot["token"])
    receiver.status = 500
    room = sandbox.direct_room(sandbox.admin_person["email"])["id"]
    limit = sandbox.world.inactive_after
    for i in range(limit):
        post(sandbox, sandbox.admin_person, roomId=room, text=f"m{i}")
    wait_until(lambda: sandbox.call("GET", f"webhooks/{hook['id']}",
                                    sandbox.bot["token"]).json()["status"] == "inactive")
    log = sandbox.admin("GET", "deliveries")["items"]
    assert len(log) == limit and not any(d["ok"] for d in log)
    assert log[0]["attempts"] == 1 + sandbox.world.delivery_retries
    seen = len(receiver.received())
    post(sandbox, sandbox.admin_person, roomId=room, text="while inactive")
    # Deactivation is silent: nothing is even attempted until the owner revives the webhook.
    receiver.status = 200
    revived = sandbox.call("PUT", f"webhooks/{hook['id']}", sandbox.bot["token"],
                           json={"name": hook["name"], "targetUrl": hook["targetUrl"],
                                 "status": "active"})
    assert revived.json()["status"] == "active"
    msg = post(sandbox, sandbox.admin_person, roomId=room, text="after revival")
    last = wait_until(lambda: len(receiver.received()) > seen and receiver.received()[-1])
    assert len(receiver.received()) == seen + 1
    assert json.loads(last.body)["data"]["id"] == msg["id"]
    # PUT cannot switch a webhook off.
    kept = sandbox.call("PUT", f"webhooks/{hook['id']}", sandbox.bot["token"],
                        json={"name": "x", "targetUrl": hook["targetUrl"], "status": "inactive"})
    assert kept.json()["status"] == "active"
