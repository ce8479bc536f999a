"""The poll safety net: which ended meetings it takes in, and how often it lists."""

from __future__ import annotations

import json
from datetime import timedelta

import responses

from bot import alerts
from bot.alerts.polling import cutoff
from storage import alerts as store
from tests.alerts.conftest import END, meeting_data
from tests.conftest import API
from tests.quality.factory import iso


def test_cutoff_first_poll_and_later_polls():
    now = END
    assert cutoff(now, None, 900, 600) == now - timedelta(seconds=2100)
    last = now - timedelta(minutes=10)
    assert cutoff(now, last, 900, 600) == last - timedelta(seconds=2100)
    assert cutoff(now, now - timedelta(days=3), 900, 600) == now - timedelta(hours=24)


def test_poll_lists_with_the_org_token_once_per_interval_and_skips_old_meetings(
    scene, clock, webex_api
):
    old = meeting_data("old_I_1", end=iso(END - timedelta(hours=2)))
    webex_api.add(responses.GET, f"{API}/meetings", body=json.dumps(
        {"items": [meeting_data("m1_I_1"), old]}))
    assert alerts.poll(scene) == 1  # the meeting that ended before we watched is not alerted
    assert store.get("old_I_1") is None
    listings = [c.request for c in webex_api.calls if c.request.url.startswith(f"{API}/meetings")]
    assert len(listings) == 1
    assert listings[0].headers["Authorization"] == "Bearer org-token"
    assert "meetingType=meeting" in listings[0].url and "state=ended" in listings[0].url
    clock.advance(seconds=scene.config.alert_poll_interval - 1)
    assert alerts.poll(scene) == 0
    clock.advance(seconds=1)
    alerts.poll(scene)
    listings = [c for c in webex_api.calls if c.request.url.startswith(f"{API}/meetings")]
    assert len(listings) == 2


def test_a_failed_listing_waits_for_the_next_interval(scene, clock, webex_api):
    webex_api.add(responses.GET, f"{API}/meetings", status=500, json={"message": "down"})
    assert alerts.poll(scene) == 0
    calls = len(webex_api.calls)
    clock.advance(seconds=60)
    alerts.poll(scene)
    assert len(webex_api.calls) == calls  # not hammered every minute while Webex is down
