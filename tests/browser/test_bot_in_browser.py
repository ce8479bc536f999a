"""The whole product in a browser: the chat page, the real bot and worker, the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.chromium import Browser, ChromiumUnavailable, find_or_install_chromium

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chromium() -> str:
    try:
        return find_or_install_chromium()
    except ChromiumUnavailable as exc:
        pytest.skip(f"headless Chromium unavailable, browser test not run: {exc}")


def bot_cards(page, bot_id: str) -> int:
    return page.evaluate(
        f"[...document.querySelectorAll('.message')].filter(m => m.dataset.personId === "
        f"'{bot_id}' || m.classList.contains('from-bot')).filter(m => m.querySelector('.card'))"
        ".length"
    )


def test_help_then_meetings_then_quality_in_the_browser(chromium, harness, tmp_path):
    h = harness
    admin = h.admin
    room = h.room("direct", admin)["id"]
    assert h.connect(admin).status_code == 200
    with Browser(binary=chromium, width=1280, height=1400) as browser:
        page = browser.page()
        page.navigate(f"{h.sandbox.url}/?as={admin.email}&room={room}")
        page.wait_for("document.querySelector('#messages').dataset.loaded", timeout=15)

        page.type_text("#composer", "/help")
        page.press_enter()
        page.wait_for(
            "[...document.querySelectorAll('.card')].some(c => c.innerText.includes('/meetings')"
            " && c.innerText.includes('/quality'))",
            timeout=30,
        )

        page.type_text("#composer", "/meetings")
        page.press_enter()
        page.wait_for(
            "[...document.querySelectorAll('.card')].some(c => c.querySelector('select'))",
            timeout=30,
        )
        # Pick a meeting old enough to have data (the newest seeded one is not) and press.
        page.evaluate(
            "(() => { const cards = [...document.querySelectorAll('.card')]"
            ".filter(c => c.querySelector('select'));"
            " const s = cards[cards.length - 1].querySelector('select');"
            " s.selectedIndex = 1; s.dispatchEvent(new Event('change')); })()"
        )
        page.evaluate(
            "(() => { const cards = [...document.querySelectorAll('.card')]"
            ".filter(c => c.querySelector('select'));"
            " cards[cards.length - 1].querySelector('button').click(); })()"
        )
        page.wait_for(
            "[...document.querySelectorAll('.message img')].some(i => i.naturalWidth > 600)",
            timeout=60,
        )
        page.wait_for(
            "[...document.querySelectorAll('.card')].some(c => /participant/i.test(c.innerText))",
            timeout=30,
        )
        target = (
            ROOT / "docs" / "demo.png"
            if os.environ.get("QB_UPDATE_SCREENSHOT")
            else tmp_path / "demo.png"
        )
        page.evaluate("document.querySelector('#messages').scrollTop = 1e9")
        page.screenshot(target)
        assert target.read_bytes()[:4] == b"\x89PNG"
        page.close()
