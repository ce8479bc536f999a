"""The sandbox chat page in headless Chromium: cards render, buttons create attachment actions,
a typed @mention reaches the API as a real Webex mention, threads and images show.

Set QB_UPDATE_SCREENSHOT=1 to refresh docs/chat-page.png from this run.
"""

from __future__ import annotations

import json
import os
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.server import start_in_thread
from tests.browser.chromium import Browser, ChromiumUnavailable, Page, find_or_install_chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_TITLE = "Meetings of the last 7 days"


@pytest.fixture(scope="module")
def chromium() -> str:
    try:
        return find_or_install_chromium()
    except ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium unavailable, browser test not run: {exc}")


@pytest.fixture
def sandbox():
    handle = start_in_thread(seed=7)
    try:
        yield handle.url, handle.state
    finally:
        handle.stop()


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


def test_chat_page_cards_mentions_threads(chromium: str, sandbox, tmp_path: Path) -> None:
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

    with Browser(binary=chromium, width=1280, height=1040) as browser:
        page = browser.page()
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
        time.sleep(0.3)  # let the last image paint
        shot = tmp_path / "chat-page.png"
        page.screenshot(shot)
        assert shot.stat().st_size > 10_000
        if os.environ.get("QB_UPDATE_SCREENSHOT") == "1":
            (ROOT / "docs" / "chat-page.png").write_bytes(shot.read_bytes())
        page.close()
