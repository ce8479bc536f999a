"""The sandbox chat page in headless Chromium: cards render, buttons create attachment actions,
a typed @mention reaches the API as a real Webex mention, threads and images show.

Set QB_UPDATE_SCREENSHOT=1 to refresh docs/chat-page.png from this run.
"""

from __future__ import annotations

import base64
import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.server import start_in_thread
from tests.browser.chromium import Browser, Page

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_TITLE = "Meetings of the last 7 days"


@pytest.fixture(scope="module")
def sandbox():
    handle = start_in_thread(seed=7)
    try:
        yield handle.url, handle.state
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def page(chromium: str):
    with Browser(binary=chromium, width=1280, height=1040) as browser:
        tab = browser.page()
        yield tab
        tab.close()


def api(state: dict[str, Any], token: str, method: str, path: str, **kwargs: Any) -> Any:
    resp = requests.request(
        method,
        state["api_url"] + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert resp.ok, f"{method} {path} -> {resp.status_code} {resp.text[:300]}"
    return resp.json()


def meetings_card() -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [
            {"type": "TextBlock", "text": CARD_TITLE, "size": "Medium", "weight": "Bolder",
             "wrap": True},
            {"type": "TextBlock", "text": "Choose a meeting to see how good it really was.",
             "isSubtle": True, "wrap": True, "spacing": "Small"},
            {"type": "Container", "style": "emphasis", "items": [{
                "type": "ColumnSet",
                "columns": [
                    {"type": "Column", "width": "stretch", "items": [
                        {"type": "TextBlock", "text": "**#1 Weekly sync**", "wrap": True},
                        {"type": "TextBlock", "text": "Mon 10:00 · 42 min · 12 people",
                         "isSubtle": True, "size": "Small", "spacing": "None", "wrap": True},
                    ]},
                    {"type": "Column", "width": "auto", "verticalContentAlignment": "Center",
                     "items": [{"type": "TextBlock", "text": "Good", "color": "Good",
                                "weight": "Bolder"}]},
                ],
            }]},
            {"type": "FactSet", "facts": [
                {"title": "Meetings", "value": "2"},
                {"title": "Period", "value": "last 7 days"},
            ]},
            {"type": "Input.ChoiceSet", "id": "meetingId", "label": "Meeting",
             "style": "compact", "value": "m-1", "choices": [
                 {"title": "#1 Weekly sync", "value": "m-1"},
                 {"title": "#2 Design review", "value": "m-2"},
             ]},
            {"type": "Input.Text", "id": "note", "placeholder": "Optional note"},
            {"type": "Media", "sources": []},
        ],
        "actions": [
            {"type": "Action.Submit", "title": "Show quality", "data": {"command": "quality"}},
            {"type": "Action.OpenUrl", "title": "About qualities",
             "url": "https://developer.webex.com/docs/api/v1/meeting-qualities"},
        ],
    }


def tiny_chart_png(width: int = 360, height: int = 120) -> bytes:
    """A small bar chart as a PNG, built with zlib so the test needs no imaging library."""
    bars = [0.55, 0.8, 0.35, 0.9, 0.7, 0.6]
    colours = [(46, 125, 50), (46, 125, 50), (198, 40, 40), (46, 125, 50), (249, 168, 37),
               (46, 125, 50)]
    slot = width // len(bars)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            i = min(x // slot, len(bars) - 1)
            inside = slot * 0.15 < x - i * slot < slot * 0.85
            row += bytes(colours[i] if inside and y > height * (1 - bars[i]) else (250, 250, 250))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", crc)

    header = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def message_ids(page: Page) -> list[str]:
    return page.evaluate(
        "[...document.querySelectorAll('#messages .message')].map(m => m.dataset.messageId)"
    )


def test_chat_page_cards_mentions_threads(page: Page, sandbox, tmp_path: Path) -> None:
    base_url, state = sandbox
    bot = state["bot"]
    admin = next(p for p in state["people"] if p["admin"])
    group = next(
        r for r in state["rooms"]
        if r["type"] == "group" and admin["email"] in r["memberEmails"]
        and bot["email"] in r["memberEmails"]
    )

    other = next(
        p for p in state["people"] if not p["admin"] and p["email"] in group["memberEmails"]
    )
    api(state, other["token"], "POST", "/messages", json={
        "roomId": group["id"],
        "markdown": "Is the **Wi-Fi** in room 4 still bad? <img src=x onerror=alert(1)> "
                    "Try `ping` — see https://example.com/status?room=4&floor=2",
    })
    card_msg = api(state, bot["token"], "POST", "/messages", json={
        "roomId": group["id"],
        "text": "Your meetings: #1 Weekly sync, #2 Design review",
        "markdown": "Your meetings:\n1. **#1** Weekly sync\n2. **#2** Design review",
        "attachments": [{"contentType": CARD_TYPE, "content": meetings_card()}],
    })

    page.navigate(f"{base_url}/?as={admin['email']}&room={group['id']}")

    # The card renders: its TextBlock text, a submit button, a placeholder for Media.
    card_sel = f".message[data-message-id='{card_msg['id']}'] .card"
    page.wait_for(f"!!document.querySelector(\"{card_sel}\")", timeout=10)
    assert page.evaluate(f"document.querySelector(\"{card_sel}\").innerText").count(
        CARD_TITLE
    ) == 1
    assert page.evaluate(f"document.querySelectorAll(\"{card_sel} button\").length") == 1
    assert page.evaluate(f"!!document.querySelector(\"{card_sel} .ac-unknown\")")
    assert page.evaluate(
        f"document.querySelector(\"{card_sel} a[data-action=openurl]\").target"
    ) == "_blank"
    assert page.evaluate("document.querySelector('#who').selectedOptions[0].value") == (
        admin["id"]
    )
    fallback = f".message[data-message-id='{card_msg['id']}'] details.card-fallback"
    assert page.evaluate(f"document.querySelector(\"{fallback}\").open") is False
    assert "#2 Design review" in page.evaluate(
        f"document.querySelector(\"{fallback}\").textContent"
    )
    room_button = f"#rooms button[data-room-id='{group['id']}']"
    assert page.evaluate(f"document.querySelector(\"{room_button}\").ariaCurrent") == "true"

    # Fill the inputs and press the Action.Submit button.
    page.evaluate(
        f"(() => {{ const s = document.querySelector(\"{card_sel} select\");"
        " s.value = 'm-2'; s.dispatchEvent(new Event('change')); })()"
    )
    page.type_text(f"{card_sel} input[type=text]", "from the browser")
    page.click(f"{card_sel} button")
    action_id = page.wait_for(
        f"document.querySelector(\"{card_sel}\").dataset.lastActionId", timeout=10
    )
    action = api(state, admin["token"], "GET", f"/attachment/actions/{action_id}")
    assert action["type"] == "submit"
    assert action["messageId"] == card_msg["id"]
    assert action["personId"] == admin["id"]
    assert action["inputs"] == {
        "meetingId": "m-2", "note": "from the browser", "command": "quality",
    }

    # Type a message with an @mention of the bot: "@Qua" offers the bot, Enter takes it.
    before = set(message_ids(page))
    page.type_text("#composer", "@" + bot["displayName"][:3])
    page.wait_for("!document.querySelector('#mention-menu').hidden", timeout=5)
    page.press_enter()
    page.type_text("#composer", "help")
    page.press_enter()
    new_id = page.wait_for(
        "[...document.querySelectorAll('#messages .message')]"
        f".map(m => m.dataset.messageId).find(id => !{json.dumps(sorted(before))}"
        ".includes(id))",
        timeout=10,
    )
    sent = api(state, admin["token"], "GET", f"/messages/{new_id}")
    assert sent["personId"] == admin["id"]
    assert bot["id"] in sent.get("mentionedPeople", [])
    assert sent["markdown"] == f"<@personId:{bot['id']}|{bot['displayName']}> help"
    assert sent["text"].strip() == f"{bot['displayName']} help"
    shown = page.evaluate(
        f"document.querySelector(\".message[data-message-id='{new_id}'] .markdown\")"
        ".innerText"
    )
    assert shown.strip() == f"@{bot['displayName']} help"
    assert page.evaluate("document.querySelector('#composer').value") == ""

    # A threaded bot reply with a chart: indented under its parent, image fetched with auth.
    reply = api(
        state, bot["token"], "POST", "/messages",
        data={"roomId": group["id"], "parentId": new_id,
              "markdown": f"Hi <@personId:{admin['id']}|{admin['displayName']}>, "
                          "here is **the chart** you asked for."},
        files={"files": ("quality.png", tiny_chart_png(), "image/png")},
    )
    reply_sel = f".message[data-message-id='{reply['id']}']"
    page.wait_for(
        f"(() => {{ const img = document.querySelector(\"{reply_sel} img.file-image\");"
        " return !!img && img.complete && img.naturalWidth === 360; })()",
        timeout=10,
    )
    assert page.evaluate(f"document.querySelector(\"{reply_sel}\").dataset.parentId") == (
        new_id
    )
    order = message_ids(page)
    assert order.index(reply["id"]) == order.index(new_id) + 1
    assert page.evaluate(f"!!document.querySelector(\"{reply_sel} .mention-me\")")

    # Markdown is rendered safely: markup typed by a person stays text.
    assert page.evaluate("document.querySelectorAll('#messages img[src=x]').length") == 0
    assert page.evaluate(
        "[...document.querySelectorAll('#messages .markdown')]"
        ".some(m => m.innerText.includes('<img src=x onerror=alert(1)>'))"
    )
    assert page.evaluate("document.querySelectorAll('#messages a[href^=https]').length") >= 1
    assert page.exceptions == [], page.exceptions

    page.send("Input.dispatchMouseEvent", type="mouseMoved", x=5, y=5)  # no hover styles
    # Every image loaded, then two frames painted (the hover styles gone), not a guessed sleep.
    page.wait_for("[...document.images].every(img => img.complete)")
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    shot = tmp_path / "chat-page.png"
    page.screenshot(shot)
    assert shot.stat().st_size > 10_000
    if os.environ.get("QB_UPDATE_SCREENSHOT") == "1":
        (ROOT / "docs" / "chat-page.png").write_bytes(shot.read_bytes())


def subscribe_card() -> dict[str, Any]:
    png = "data:image/png;base64," + base64.b64encode(tiny_chart_png(120, 40)).decode()
    return {
        "type": "AdaptiveCard",
        "version": "1.3",
        "body": [
            {"type": "ColumnSet", "columns": [
                {"type": "Column", "width": "auto", "items": [
                    {"type": "Image", "url": png, "altText": "chart icon", "size": "Small"}]},
                {"type": "Column", "width": 3, "items": [
                    {"type": "TextBlock", "text": "Daily summary", "weight": "Bolder",
                     "color": "Accent"}]},
            ]},
            {"type": "Input.Time", "id": "time", "label": "Time", "value": "09:00"},
            {"type": "Input.ChoiceSet", "id": "zone", "style": "expanded", "value": "UTC",
             "choices": [{"title": "UTC", "value": "UTC"},
                         {"title": "Paris", "value": "Europe/Paris"}]},
            {"type": "Input.ChoiceSet", "id": "days", "isMultiSelect": True, "value": "mon",
             "choices": [{"title": "Monday", "value": "mon"},
                         {"title": "Friday", "value": "fri"}]},
            {"type": "Input.Text", "id": "label", "isRequired": True, "label": "Label",
             "errorMessage": "Give it a label"},
            {"type": "Carousel", "pages": []},
        ],
        "actions": [{"type": "Action.Submit", "title": "Subscribe",
                     "data": {"command": "subscribe"}}],
    }


def test_card_inputs_and_required_fields(page: Page, sandbox) -> None:
    base_url, state = sandbox
    bot = state["bot"]
    admin = next(p for p in state["people"] if p["admin"])
    direct = next(
        r for r in state["rooms"]
        if r["type"] == "direct" and set(r["memberEmails"]) == {admin["email"], bot["email"]}
    )
    msg = api(state, bot["token"], "POST", "/messages", json={
        "roomId": direct["id"], "text": "Daily summary: choose a time",
        "attachments": [{"contentType": CARD_TYPE, "content": subscribe_card()}],
    })
    page.navigate(f"{base_url}/?as={admin['email']}&room={direct['id']}")
    card = f".message[data-message-id='{msg['id']}'] .card"
    page.wait_for(f"!!document.querySelector(\"{card} button\")", timeout=10)

    # Every element type: image, time, radios, checkboxes, unknown placeholder; no mention button.
    assert page.evaluate(f"document.querySelector(\"{card} img.ac-image\").alt") == "chart icon"
    assert page.evaluate(f"document.querySelector(\"{card} input[type=time]\").value") == "09:00"
    assert page.evaluate(f"document.querySelectorAll(\"{card} input[type=radio]\").length") == 2
    assert page.evaluate(
        f"document.querySelectorAll(\"{card} input[type=checkbox]\").length"
    ) == 2
    assert "Carousel" in page.evaluate(f"document.querySelector(\"{card} .ac-unknown\").innerText")
    assert page.evaluate("document.querySelector('#mention').hidden") is True

    # A required input left empty blocks the submission.
    calls_before = len(requests.get(f"{base_url}/_sandbox/calls", timeout=5).json()["items"])
    page.click(f"{card} button")
    page.wait_for(f"!!document.querySelector(\"{card} .card-note-error\")", timeout=5)
    assert "Give it a label" in page.evaluate(
        f"document.querySelector(\"{card} .card-note\").innerText"
    )
    calls = requests.get(f"{base_url}/_sandbox/calls", timeout=5).json()["items"]
    assert not [c for c in calls[calls_before:] if c["path"] == "/v1/attachment/actions"]

    page.evaluate(
        f"""(() => {{
            const t = document.querySelector("{card} input[type=time]");
            t.value = '07:30'; t.dispatchEvent(new Event('input', {{bubbles: true}}));
        }})()"""
    )
    page.click(f"{card} input[type=radio][value='Europe/Paris']")
    page.click(f"{card} input[type=checkbox][value=fri]")
    page.type_text(f"{card} input[type=text]", "mornings")
    page.click(f"{card} button")
    action_id = page.wait_for(
        f"document.querySelector(\"{card}\").dataset.lastActionId", timeout=10
    )
    action = api(state, admin["token"], "GET", f"/attachment/actions/{action_id}")
    assert action["inputs"] == {
        "time": "07:30", "zone": "Europe/Paris", "days": "mon,fri", "label": "mornings",
        "command": "subscribe",
    }
    assert action["roomId"] == direct["id"]

    # Reply in the card's thread from the composer.
    page.click(f".message[data-message-id='{msg['id']}'] .reply-button")
    page.wait_for("!document.querySelector('#thread-banner').hidden", timeout=5)
    page.type_text("#composer", "thanks")
    page.press_enter()
    reply_id = page.wait_for(
        f"document.querySelector(\".message.reply[data-parent-id='{msg['id']}']\")"
        "?.dataset.messageId",
        timeout=10,
    )
    reply = api(state, admin["token"], "GET", f"/messages/{reply_id}")
    assert (reply["parentId"], reply["text"]) == (msg["id"], "thanks")
    assert page.evaluate("document.querySelector('#thread-banner').hidden") is True
    assert page.exceptions == [], page.exceptions


MARKDOWN_CASES = [
    ("**bold** *it* `a<b`", "<p><strong>bold</strong> <em>it</em> <code>a&lt;b</code></p>"),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("[x](javascript:alert(1))", "<p>x</p>"),
    ("snake_case_name and 2*3*4", "<p>snake_case_name and 2*3*4</p>"),
    ("- a\n- b", "<ul><li>a</li><li>b</li></ul>"),
    ("1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"),
    ("line1\nline2", "<p>line1<br>line2</p>"),
    ("```\n<b>x</b>\n```", "<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>"),
    ("# Title", '<h3 class="md-h1">Title</h3>'),
    ('[a"b](https://e.x/?q=1&r="2")', None),
]


def test_markdown_is_rendered_safely(page: Page, sandbox) -> None:
    base_url, _state = sandbox
    page.navigate(f"{base_url}/")
    page.wait_for("document.body.dataset.ready === 'true'", timeout=10)
    for source, expected in MARKDOWN_CASES:
        html = page.evaluate(f"window.sandboxChat.renderMarkdown({json.dumps(source)})")
        if expected is not None:
            assert html == expected, source
    link = page.evaluate(
        "(() => { const d = document.createElement('div');"
        " d.innerHTML = window.sandboxChat.renderMarkdown('[go](https://e.x/?a=1&b=2) "
        "<@personId:NOBODY|Some One>');"
        " const a = d.querySelector('a');"
        " return [a.getAttribute('href'), a.target, a.rel, d.querySelector('.mention').textContent,"
        " d.querySelectorAll('[onerror],script,img').length]; })()"
    )
    assert link == ["https://e.x/?a=1&b=2", "_blank", "noopener noreferrer", "@Some One", 0]
    hostile = page.evaluate(
        "(() => { const d = document.createElement('div');"
        f" d.innerHTML = window.sandboxChat.renderMarkdown({json.dumps(MARKDOWN_CASES[-1][0])});"
        " return d.querySelectorAll('a').length === 1 &&"
        " d.querySelectorAll('[onerror],script,img').length === 0; })()"
    )
    assert hostile


def test_new_space_opened_by_the_bot_is_listed(page: Page, sandbox) -> None:
    base_url, state = sandbox
    bot = state["bot"]
    person = next(
        p for p in state["people"]
        if not any(r["type"] == "direct" and {p["email"], bot["email"]} <= set(r["memberEmails"])
                   for r in state["rooms"])
    )
    msg = api(state, bot["token"], "POST", "/messages", json={
        "toPersonEmail": person["email"], "markdown": "Connect your account: **/connect**",
    })
    page.navigate(f"{base_url}/?as={person['email']}&room={msg['roomId']}")
    button = f"#rooms button[data-room-id='{msg['roomId']}']"
    page.wait_for(f"document.querySelector(\"{button}\")?.ariaCurrent === 'true'", timeout=10)
    assert page.evaluate(f"document.querySelector(\"{button} .room-name\").textContent") == (
        bot["displayName"]
    )
    page.wait_for(f"!!document.querySelector(\".message[data-message-id='{msg['id']}']\")")
    assert page.evaluate("document.querySelector('#room-title').textContent") == bot["displayName"]
