"""In headless Chromium: a consent link in the chat page carries who the page acts as, and the
consent page (under its strict CSP) preselects that person even from a link without a hint."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests

from sandbox.server import start_in_thread
from tests.browser.chromium import Browser

pytestmark = pytest.mark.browser


def test_consent_preselects_the_chat_pages_person(chromium, tmp_path):
    handle = start_in_thread(seed=1)
    try:
        state = handle.state
        maya = next(p for p in state["people"] if not p["admin"])
        room = next(r for r in state["rooms"]
                    if r["type"] == "direct" and maya["email"] in r["memberEmails"])
        link = f"{state['api_url']}/authorize?" + urlencode({
            "client_id": state["integration"]["client_id"], "response_type": "code",
            "redirect_uri": "http://127.0.0.1:9/oauth/callback", "scope": "spark:people_read",
            "state": "s1"})
        posted = requests.post(f"{state['api_url']}/messages", timeout=10,
                               headers={"Authorization": f"Bearer {state['bot']['token']}"},
                               json={"roomId": room["id"], "markdown": f"[Connect]({link})"})
        assert posted.status_code == 200, posted.text
        with Browser(binary=chromium, width=1100, height=900) as browser:
            page = browser.page()
            page.navigate(f"{handle.url}/?as={maya['email']}&room={room['id']}")
            href = page.wait_for(
                "(document.querySelector('.messages a[href*=\"/authorize\"]') || {}).href")
            assert parse_qs(urlsplit(href).query)["login_hint"] == [maya["email"]]
            # The same link without the hint (copied elsewhere): the page still knows who.
            page.navigate(link)
            checked = page.wait_for(
                "(document.querySelector('input[name=personId]:checked') || {}).value")
            assert checked == maya["id"]
            who = page.evaluate("document.getElementById('consent-who').textContent")
            assert maya["displayName"] in who
            styled = page.evaluate(
                "getComputedStyle(document.querySelector('.consent')).borderRadius")
            assert styled == "10px", "chat.css and consent.css apply under the CSP"
            shot = os.environ.get("QB_CONSENT_SCREENSHOT")
            page.screenshot(shot or tmp_path / "consent.png")
            assert "Quality Bot" in page.evaluate("document.title")
            page.close()
    finally:
        handle.stop()
