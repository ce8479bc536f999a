"""The whole product in a browser: the chat page, the real bot and worker, the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.chromium import Browser

pytestmark = [pytest.mark.browser, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]


def test_a_non_admin_served_by_the_org_connection_in_the_browser(chromium, harness, tmp_path):
    """Part II as a newcomer meets it: the admin connected the org; a person who is no admin and
    never typed /connect asks /meetings in their 1:1 space and presses the card's button as it
    comes (the preselected meeting has data), and sees their own chart, the others unnamed.
    QB_UPDATE_SCREENSHOT=1 writes docs/demo.png from this run."""
    h = harness
    assert h.connect_org(h.admin).status_code == 200
    person = h.non_admin()
    room = h.room("direct", person)["id"]
    with Browser(binary=chromium, width=1280, height=1400) as browser:
        page = browser.page()
        page.navigate(f"{h.sandbox.url}/?as={person.email}&room={room}")
        page.wait_for("document.querySelector('#messages').dataset.loaded", timeout=15)

        page.type_text("#composer", "/status")
        page.press_enter()
        page.wait_for(
            "[...document.querySelectorAll('.message')].some(m => m.innerText.includes("
            "'/quality work for you through your organization'))",
            timeout=30,
        )

        page.type_text("#composer", "/meetings")
        page.press_enter()
        page.wait_for(
            "[...document.querySelectorAll('.card')].some(c => c.querySelector('select'))",
            timeout=30,
        )
        # The first press, on the card as it comes: no picking needed.
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
            "[...document.querySelectorAll('.card')].some(c => "
            "c.innerText.includes('Only your own name is shown'))",
            timeout=30,
        )
        said = page.evaluate("document.querySelector('#messages').innerText")
        assert "not available yet" not in said and person.name in said
        assert h.admin.name not in said.split("/meetings")[-1]
        target = (
            ROOT / "docs" / "demo.png"
            if os.environ.get("QB_UPDATE_SCREENSHOT")
            else tmp_path / "demo.png"
        )
        page.evaluate("document.querySelector('#messages').scrollTop = 1e9")
        page.screenshot(target)
        assert target.read_bytes()[:4] == b"\x89PNG"
        page.close()
