"""Meetings listing and Meeting Qualities: filters, pagination, access, rate limit, windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from webexpythonsdk import WebexAPI

from sandbox.qualities import meeting_items


def follow(sandbox, url: str, token: str, params: dict | None = None) -> tuple[list, int]:
    """All items across `Link: rel="next"` pages, and how many pages it took."""
    items, pages = [], 0
    headers = {"Authorization": f"Bearer {token}"}
    while url:
        resp = requests.get(url, params=params, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text
        items += resp.json()["items"]
        pages += 1
        url, params = resp.links.get("next", {}).get("url"), None
    return items, pages


def ended(sandbox, token: str, days: int = 7, max_: int = 100) -> list[dict]:
    now = sandbox.world.now()
    params = {"meetingType": "meeting", "state": "ended", "max": max_,
              "from": (now - timedelta(days=days)).isoformat(), "to": now.isoformat()}
    return follow(sandbox, f"{sandbox.api_url}/meetings", token, params)[0]


def test_ended_meetings_listing_and_pagination(sandbox):
    token = sandbox.admin_person["token"]
    everything = ended(sandbox, token)
    assert 15 <= len(everything) <= 22
    paged, pages = follow(sandbox, f"{sandbox.api_url}/meetings", token,
                          {"meetingType": "meeting", "state": "ended", "max": 4,
                           "from": (sandbox.world.now() - timedelta(days=7)).isoformat()})
    assert [m["id"] for m in paged] == [m["id"] for m in everything] and pages > 3
    item = everything[0]
    assert item["meetingType"] == "meeting" and item["state"] == "ended"
    assert "_I_" in item["id"] and "meetingNumber" not in item
    for key in ("title", "start", "end", "timezone", "hostUserId", "hostDisplayName",
                "hostEmail", "siteUrl", "webLink", "scheduledType", "meetingSeriesId"):
        assert key in item
    starts = [m["start"] for m in everything]
    assert starts == sorted(starts)
    # The expired meeting is older than the window; 30 days finds it.
    assert len(ended(sandbox, token, days=30)) == len(everything) + 1


def test_sdk_meetings_and_series_default(sandbox):
    sdk = WebexAPI(access_token=sandbox.admin_person["token"], base_url=sandbox.api_url + "/")
    series = list(sdk.meetings.list())  # meetingType defaults to meetingSeries, as on Webex
    assert series and all(s.meetingType == "meetingSeries" and s.meetingNumber for s in series)
    one = list(sdk.meetings.list(meetingNumber=series[0].meetingNumber, meetingType="meeting"))
    assert [s.id for s in one] == [series[0].id]
    instance = ended(sandbox, sandbox.admin_person["token"])[0]
    assert sdk.meetings.get(instance["id"]).id == instance["id"]


def test_people_see_only_their_meetings(sandbox):
    user = sandbox.user
    mine = ended(sandbox, user["token"], days=30)
    world = sandbox.world
    for m in mine:
        meeting = world.meetings[m["id"]]
        assert (m["hostEmail"] == user["email"]
                or any(p.email == user["email"] for p in meeting.participants))
    assert len(mine) < len(ended(sandbox, sandbox.admin_person["token"], days=30))


def qualities(sandbox, token: str, meeting_id: str, **params) -> requests.Response:
    return sandbox.call("GET", "meeting/qualities", token, base=sandbox.analytics_url,
                        params={"meetingId": meeting_id, **params})


def test_qualities_need_an_analytics_admin(sandbox):
    meeting = ended(sandbox, sandbox.admin_person["token"])[-3]["id"]
    denied = qualities(sandbox, sandbox.user["token"], meeting)
    assert denied.status_code == 403 and "analytics:read_all" in denied.json()["message"]
    assert qualities(sandbox, sandbox.admin_person["token"], "nope_I_1").status_code == 404
    assert qualities(sandbox, "bad-token", meeting).status_code == 401


def test_qualities_rate_limit_per_meeting(sandbox):
    token = sandbox.admin_person["token"]
    first, second = (m["id"] for m in ended(sandbox, token)[-3:-1])
    assert qualities(sandbox, token, first).status_code == 200
    limited = qualities(sandbox, token, first)
    assert limited.status_code == 429
    assert 290 <= int(limited.headers["Retry-After"]) <= 300
    assert qualities(sandbox, token, second).status_code == 200  # per meeting instance
    sandbox.advance(200)
    retry = qualities(sandbox, token, first)
    assert retry.status_code == 429 and int(retry.headers["Retry-After"]) <= 100
    sandbox.advance(101)
    assert qualities(sandbox, token, first).status_code == 200


def test_qualities_pagination_is_one_fetch(sandbox):
    token = sandbox.admin_person["token"]
    meeting = max((sandbox.world.meetings[m["id"]] for m in ended(sandbox, token)),
                  key=lambda m: len(m.participants))
    assert len(meeting.participants) == 60
    items, pages = follow(sandbox, f"{sandbox.analytics_url}/meeting/qualities", token,
                          {"meetingId": meeting.id, "max": 25})
    assert pages == 3 and len(items) == 60
    assert items == meeting_items(sandbox.world.seed, meeting)  # deterministic by seed
    assert qualities(sandbox, token, meeting.id).status_code == 429


def test_quality_items_shape_and_samples(sandbox):
    token = sandbox.admin_person["token"]
    items = []
    for m in ended(sandbox, token):
        sandbox.advance(301)  # never trip the per-meeting limit
        items += follow(sandbox, f"{sandbox.analytics_url}/meeting/qualities", token,
                        {"meetingId": m["id"], "max": 100})[0]
    phones = [i for i in items if i["clientType"] == "Phone"]
    assert phones and all(i["videoIn"] == [] and i["videoOut"] == [] for i in phones)
    assert {i["networkType"] for i in items} >= {"wifi", "cellular", "ethernet"}
    assert any(s["transportType"] == "TCP" for i in items for s in i["audioIn"])
    assert any(-1 in s["latency"] for i in items for s in i["audioIn"])
    assert any(max(s["packetLoss"]) > 5 for i in items for s in i["audioIn"])
    for item in items:
        for stream in ("videoIn", "videoOut", "audioIn", "audioOut", "shareIn", "shareOut"):
            for s in item[stream]:
                start = datetime.fromisoformat(s["startTime"].replace("Z", "+00:00"))
                end = datetime.fromisoformat(s["endTime"].replace("Z", "+00:00"))
                n = len(s["latency"])
                assert (end - start).total_seconds() == n * s["samplingInterval"]
                assert len(s["packetLoss"]) == len(s["jitter"]) == len(s["mediaBitRate"]) == n


def test_qualities_windows(sandbox):
    token = sandbox.admin_person["token"]
    world = sandbox.world
    fresh = max(world.meetings.values(), key=lambda m: m.start)
    old = min(world.meetings.values(), key=lambda m: m.start)
    assert world.now() - fresh.start < timedelta(minutes=10)
    assert world.now() - old.start > timedelta(days=7)
    early = qualities(sandbox, token, fresh.id)
    assert early.status_code == 200 and early.json() == {"items": []}
    assert qualities(sandbox, token, old.id).json() == {"items": []}
    # The early request counted against the 5-minute limit, so look again well after it.
    later = fresh.start + timedelta(minutes=15)
    sandbox.admin("POST", "clock", json={"set": later.isoformat()})
    assert len(qualities(sandbox, token, fresh.id).json()["items"]) == len(fresh.participants)
    sandbox.admin("POST", "clock",
                  json={"set": (fresh.start + timedelta(days=7, seconds=1)).isoformat()})
    assert qualities(sandbox, token, fresh.id).json() == {"items": []}
    assert datetime.now(UTC) < world.now()
