"""The real webexpythonsdk, pointed at the sandbox, must work as it does against Webex."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
import requests
from webexpythonsdk import WebexAPI
from webexpythonsdk.exceptions import ApiError

CARD = {
    "contentType": "application/vnd.microsoft.card.adaptive",
    "content": {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [{"type": "TextBlock", "text": "Pick one"},
                 {"type": "Input.Text", "id": "note"}],
        "actions": [{"type": "Action.Submit", "title": "Go", "data": {"command": "quality"}}],
    },
}


def png_file(path: Path) -> Path:
    """A real 4×4 red PNG, built by hand so the test needs no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    path.write_bytes(png)
    return path


def api(sandbox, token: str) -> WebexAPI:
    return WebexAPI(access_token=token, base_url=sandbox.api_url + "/",
                    wait_on_rate_limit=False)


def test_people_me_and_rooms(sandbox):
    bot = api(sandbox, sandbox.bot["token"])
    me = bot.people.me()
    assert me.id == sandbox.bot["id"]
    assert me.emails == ["quality-bot@webex.bot"] and me.type == "bot"
    rooms = list(bot.rooms.list())
    assert {r.type for r in rooms} == {"direct", "group"}
    assert any(r.title == "Team Quality" for r in rooms)
    direct = next(r for r in rooms if r.type == "direct")
    assert direct.title in {p["displayName"] for p in sandbox.state["people"]}
    person = bot.people.get(sandbox.admin_person["id"])
    assert person.displayName == sandbox.admin_person["displayName"]


def test_bad_token_is_401_with_webex_body(sandbox):
    with pytest.raises(ApiError) as err:
        api(sandbox, "not-a-token").people.me()
    assert err.value.status_code == 401
    assert err.value.tracking_id and err.value.message
    resp = sandbox.call("GET", "people/me", "nope")
    assert resp.headers["trackingid"] == resp.json()["trackingId"]
    assert resp.json()["errors"][0]["description"]


def test_text_message_with_mention_markdown(sandbox):
    person = api(sandbox, sandbox.admin_person["token"])
    bot_id = sandbox.bot["id"]
    msg = person.messages.create(roomId=sandbox.group["id"],
                                 markdown=f"<@personId:{bot_id}|Quality Bot> **/help**")
    assert msg.mentionedPeople == [bot_id]
    assert msg.text == "Quality Bot /help"
    assert (f'<spark-mention data-object-type="person" data-object-id="{bot_id}">'
            "Quality Bot</spark-mention>") in msg.html
    assert "<strong>/help</strong>" in msg.html
    assert msg.roomType == "group" and msg.personEmail == sandbox.admin_person["email"]
    fetched = api(sandbox, sandbox.bot["token"]).messages.get(msg.id)
    assert fetched.text == msg.text


def test_png_file_upload_and_download(sandbox, tmp_path):
    bot = api(sandbox, sandbox.bot["token"])
    room = sandbox.direct_room(sandbox.admin_person["email"])
    path = png_file(tmp_path / "chart.png")
    msg = bot.messages.create(roomId=room["id"], text="chart", files=[str(path)])
    assert len(msg.files) == 1 and msg.files[0].startswith(sandbox.api_url + "/contents/")
    got = requests.get(msg.files[0], timeout=5,
                       headers={"Authorization": f"Bearer {sandbox.admin_person['token']}"})
    assert got.status_code == 200 and got.content == path.read_bytes()
    assert got.headers["Content-Type"] == "image/png"
    assert 'filename="chart.png"' in got.headers["Content-Disposition"]
    outsider = requests.get(msg.files[0], timeout=5,
                            headers={"Authorization": f"Bearer {sandbox.user['token']}"})
    assert outsider.status_code == 404


def test_card_and_attachment_action(sandbox):
    bot = api(sandbox, sandbox.bot["token"])
    room = sandbox.direct_room(sandbox.admin_person["email"])
    msg = bot.messages.create(roomId=room["id"], text="fallback", attachments=[CARD])
    assert msg.attachments[0]["content"]["version"] == "1.3"
    pressed = sandbox.call("POST", "attachment/actions", sandbox.admin_person["token"],
                           json={"type": "submit", "messageId": msg.id,
                                 "inputs": {"command": "quality", "note": "hi"}})
    assert pressed.status_code == 200
    action = bot.attachment_actions.get(pressed.json()["id"])
    assert action.inputs == {"command": "quality", "note": "hi"}
    assert action.messageId == msg.id and action.personId == sandbox.admin_person["id"]
    assert action.roomId == room["id"] and action.type == "submit"


def test_webhooks_crud(sandbox):
    bot = api(sandbox, sandbox.bot["token"])
    hook = bot.webhooks.create(name="q", targetUrl="http://127.0.0.1:9/hook",
                               resource="messages", event="created", secret="s3")
    assert hook.status == "active" and hook.secret == "s3" and hook.createdBy == sandbox.bot["id"]
    assert [h.id for h in bot.webhooks.list()] == [hook.id]
    other = api(sandbox, sandbox.admin_person["token"])
    assert list(other.webhooks.list()) == []  # webhooks belong to their creator
    updated = bot.webhooks.update(hook.id, name="q2", targetUrl="http://127.0.0.1:9/new")
    assert updated.name == "q2" and updated.targetUrl.endswith("/new")
    assert bot.webhooks.get(hook.id).name == "q2"
    bot.webhooks.delete(hook.id)
    assert list(bot.webhooks.list()) == []
    with pytest.raises(ApiError) as err:
        bot.webhooks.get(hook.id)
    assert err.value.status_code == 404


def test_message_rules(sandbox):
    person = api(sandbox, sandbox.admin_person["token"])
    room = sandbox.group["id"]
    with pytest.raises(ApiError) as err:
        person.messages.create(roomId=room, text="x" * 7440)
    assert err.value.status_code == 400
    top = person.messages.create(roomId=room, text="top")
    reply = person.messages.create(roomId=room, text="reply", parentId=top.id)
    assert reply.parentId == top.id
    with pytest.raises(ApiError) as err:
        person.messages.create(roomId=room, text="nested", parentId=reply.id)
    assert err.value.status_code == 400
    outsider = api(sandbox, next(p["token"] for p in sandbox.state["people"]
                                 if p["email"] not in sandbox.group["memberEmails"]))
    with pytest.raises(ApiError) as err:
        outsider.messages.create(roomId=room, text="let me in")
    assert err.value.status_code == 404
    dm = person.messages.create(toPersonEmail=sandbox.bot["email"], text="hi bot")
    assert dm.roomId == sandbox.direct_room(sandbox.admin_person["email"])["id"]
    person.messages.delete(dm.id)
    with pytest.raises(ApiError):
        person.messages.get(dm.id)


def test_message_listing_rules(sandbox):
    person = api(sandbox, sandbox.admin_person["token"])
    bot = api(sandbox, sandbox.bot["token"])
    room = sandbox.group["id"]
    for i in range(5):
        person.messages.create(roomId=room, markdown=f"<@personId:{sandbox.bot['id']}|Bot> m{i}")
    person.messages.create(roomId=room, text="not for the bot")
    with pytest.raises(ApiError) as err:
        list(bot.messages.list(roomId=room))
    assert err.value.status_code == 403
    mentioned = list(bot.messages.list(roomId=room, mentionedPeople="me", max=2))
    assert [m.text for m in mentioned] == [f"Bot m{i}" for i in range(4, -1, -1)]  # newest first
    assert len(list(person.messages.list(roomId=room, max=4))) == 6
