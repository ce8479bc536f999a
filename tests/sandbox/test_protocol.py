"""Protocol details other Webex clients depend on: group mentions, the exact bytes of webhook
deliveries, trailing slashes, and which webhooks hear card presses."""

from __future__ import annotations

import hashlib
import hmac
import json

from tests.conftest_sandbox import wait_until

SECRET = "s3cr\u00e9t"
CARD = {"contentType": "application/vnd.microsoft.card.adaptive",
        "content": {"type": "AdaptiveCard", "version": "1.3", "body": []}}


def hook(sandbox, receiver, token: str, resource: str, event: str = "created",
         path: str = "") -> dict:
    resp = sandbox.call("POST", "webhooks", token, json={
        "name": f"{resource}/{event}", "targetUrl": f"{receiver.url}/{path or resource}",
        "resource": resource, "event": event, "secret": SECRET})
    assert resp.status_code == 200, resp.text
    return resp.json()


def post(sandbox, person: dict, **fields) -> dict:
    resp = sandbox.call("POST", "messages", person["token"], json=fields)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_group_mention_of_all(sandbox):
    msg = post(sandbox, sandbox.admin_person, roomId=sandbox.group["id"], markdown="<@all> ping")
    assert msg["mentionedGroups"] == ["all"]
    assert "mentionedPeople" not in msg
    assert msg["text"] == "All ping"
    assert ('<spark-mention data-object-type="groupMention" data-group-type="all">All'
            "</spark-mention>") in msg["html"]
    fetched = sandbox.call("GET", f"messages/{msg['id']}", sandbox.admin_person["token"]).json()
    assert fetched["mentionedGroups"] == ["all"]


def test_delivery_is_compact_json_signed_over_the_bytes_sent(sandbox, receiver):
    hook(sandbox, receiver, sandbox.bot["token"], "messages")
    room = sandbox.direct_room(sandbox.admin_person["email"])
    post(sandbox, sandbox.admin_person, roomId=room["id"], text="héllo ✓")
    (got,) = wait_until(lambda: receiver.received())
    signature = got.headers["X-Spark-Signature"]
    assert signature == hmac.new(SECRET.encode(), got.body, hashlib.sha1).hexdigest()
    envelope = json.loads(got.body)
    # What JSON.stringify(JSON.parse(body)) gives: no spaces after separators, UTF-8 unescaped.
    restringified = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
    assert got.body == restringified
    assert b": " not in got.body and b", " not in got.body


def test_trailing_slash_lists_like_without(sandbox):
    token = sandbox.bot["token"]
    wanted = sandbox.admin_person["id"]
    plain = sandbox.call("GET", "people", token, params={"id": wanted})
    slashed = sandbox.call("GET", "people/", token, params={"id": wanted})
    assert plain.status_code == slashed.status_code == 200
    assert slashed.json() == plain.json() and len(plain.json()["items"]) == 1
    for path in ("rooms/", "memberships/", "webhooks/", "people/me/"):
        resp = sandbox.call("GET", path, token, allow_redirects=False)
        assert resp.status_code == 200, (path, resp.status_code)


def test_firehose_covers_messaging_but_not_card_presses(sandbox, receiver):
    """Like webex-node-bot-framework: `all`/`all` plus `attachmentActions`/`created`."""
    bot = sandbox.bot["token"]
    firehose = hook(sandbox, receiver, bot, "all", "all", path="firehose")
    cards = hook(sandbox, receiver, bot, "attachmentActions", path="cards")
    room = sandbox.direct_room(sandbox.admin_person["email"])
    card = post(sandbox, sandbox.bot, roomId=room["id"], text="card", attachments=[CARD])
    wait_until(lambda: len(receiver.received()) >= 1)
    for _ in range(2):
        resp = sandbox.call("POST", "attachment/actions", sandbox.admin_person["token"],
                            json={"type": "submit", "messageId": card["id"], "inputs": {}})
        assert resp.status_code == 200
    # A message after the presses: once it has arrived, every earlier delivery has too.
    last = post(sandbox, sandbox.admin_person, roomId=room["id"], text="done")
    wait_until(lambda: any(json.loads(r.body)["data"]["id"] == last["id"]
                           for r in receiver.received()))
    seen = [(r.path, json.loads(r.body)) for r in receiver.received()]
    presses = [(path, env) for path, env in seen if env["resource"] == "attachmentActions"]
    assert [path for path, _ in presses] == ["/cards", "/cards"]
    assert {env["id"] for _, env in presses} == {cards["id"]}
    assert len({env["data"]["id"] for _, env in presses}) == 2
    messages = [env for path, env in seen if env["resource"] == "messages"]
    assert [env["id"] for env in messages] == [firehose["id"], firehose["id"]]
    assert all(path == "/firehose" for path, env in seen if env["resource"] == "messages")


def test_edits_and_departures_are_delivered(sandbox, receiver):
    """messages/updated after PUT /messages/{id}; memberships/deleted reaches the one removed."""
    hook(sandbox, receiver, sandbox.bot["token"], "all", "all")
    room = sandbox.direct_room(sandbox.admin_person["email"])["id"]
    msg = post(sandbox, sandbox.admin_person, roomId=room, text="tpyo")
    edited = sandbox.call("PUT", f"messages/{msg['id']}", sandbox.admin_person["token"],
                          json={"roomId": room, "text": "typo"})
    assert edited.status_code == 200 and edited.json()["text"] == "typo"
    group = sandbox.group["id"]
    mine = sandbox.call("GET", "memberships", sandbox.bot["token"],
                        params={"roomId": group, "personId": sandbox.bot["id"]}).json()["items"]
    gone = sandbox.call("DELETE", f"memberships/{mine[0]['id']}", sandbox.admin_person["token"])
    assert gone.status_code == 204
    got = wait_until(lambda: len(receiver.received()) >= 3 and receiver.received())
    seen = [(e["resource"], e["event"], e["data"]["id"])
            for e in (json.loads(r.body) for r in got)]
    assert seen == [("messages", "created", msg["id"]), ("messages", "updated", msg["id"]),
                    ("memberships", "deleted", mine[0]["id"])]
    updated = json.loads(got[1].body)["data"]
    assert "text" not in updated and updated["updated"] >= updated["created"]
