"""List Meetings as the Webex reference describes it: the from/to range and its defaults, the
`timezone` header, when an ended instance shows up, and the ids an instance carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.qualities import meeting_items


def listing(sandbox, token: str, headers: dict | None = None, **params):
    return sandbox.call("GET", "meetings", token, params={"max": 100, **params},
                        headers=headers or {})


def instances(sandbox, token: str, **params) -> list[dict]:
    resp = listing(sandbox, token, meetingType="meeting", state="ended", **params)
    assert resp.status_code == 200, resp.text
    return resp.json()["items"]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_from_after_to_is_a_400(sandbox):
    now = sandbox.world.now()
    for kind in ("meeting", "meetingSeries"):
        resp = listing(sandbox, sandbox.admin_person["token"], meetingType=kind,
                       **{"from": now.isoformat(), "to": (now - timedelta(days=1)).isoformat()})
        assert resp.status_code == 400 and "from" in resp.json()["message"]


def test_only_from_means_a_week_from_it_and_only_to_a_week_before_it(sandbox):
    token = sandbox.admin_person["token"]
    now = sandbox.world.now()
    listed = instances(sandbox, token, **{"from": (now - timedelta(days=30)).isoformat(),
                                          "to": now.isoformat()})
    starts = sorted(when(m["start"]) for m in listed)
    origin = starts[0] - timedelta(seconds=1)  # the 8-day-old meeting, alone in its week
    week = [s for s in starts if origin <= s < origin + timedelta(days=7)]
    got = instances(sandbox, token, **{"from": origin.isoformat()})
    assert sorted(when(m["start"]) for m in got) == week
    assert 0 < len(got) < len(starts)
    end = starts[-1] + timedelta(seconds=1)
    before = [s for s in starts if end - timedelta(days=7) <= s < end]
    got = instances(sandbox, token, to=end.isoformat())
    assert sorted(when(m["start"]) for m in got) == before


def test_series_listing_honours_the_range(sandbox):
    token = sandbox.admin_person["token"]
    world = sandbox.world
    old = min(world.meetings.values(), key=lambda m: m.start)
    window = {"from": (old.start - timedelta(hours=1)).isoformat(),
              "to": (old.start + timedelta(hours=1)).isoformat()}
    resp = listing(sandbox, token, **window)  # meetingType defaults to meetingSeries
    assert resp.status_code == 200
    assert [s["id"] for s in resp.json()["items"]] == [old.series_id]
    everything = listing(sandbox, token).json()["items"]
    assert len(everything) > 1


def test_ended_instance_is_listed_fifteen_minutes_after_its_end(sandbox):
    token = sandbox.admin_person["token"]
    world = sandbox.world
    fresh = max(world.meetings.values(), key=lambda m: m.start)
    assert world.now() < fresh.end + timedelta(minutes=15)
    span = {"from": (fresh.start - timedelta(hours=1)).isoformat(),
            "to": (fresh.end + timedelta(hours=1)).isoformat()}
    assert fresh.id not in [m["id"] for m in instances(sandbox, token, **span)]
    # Its details are there at once for whoever learned its id (e.g. from a webhook).
    assert sandbox.call("GET", f"meetings/{fresh.id}", token).status_code == 200
    sandbox.admin("POST", "clock",
                  json={"set": (fresh.end + timedelta(minutes=15, seconds=1)).isoformat()})
    assert fresh.id in [m["id"] for m in instances(sandbox, token, **span)]


def test_timezone_header_converts_the_times(sandbox):
    token = sandbox.admin_person["token"]
    utc = instances(sandbox, token)
    resp = listing(sandbox, token, headers={"timezone": "Asia/Kolkata"},
                   meetingType="meeting", state="ended")
    assert resp.status_code == 200
    local = resp.json()["items"]
    assert [m["id"] for m in local] == [m["id"] for m in utc]
    for a, b in zip(utc, local, strict=True):
        assert a["timezone"] == "UTC" and a["start"].endswith("Z")
        assert b["timezone"] == "Asia/Kolkata" and b["start"].endswith("+05:30")
        assert when(a["start"]) == when(b["start"]) and when(a["end"]) == when(b["end"])
    one = sandbox.call("GET", f"meetings/{utc[0]['id']}", token,
                       headers={"timezone": "America/New_York"}).json()
    assert one["timezone"] == "America/New_York" and when(one["start"]) == when(utc[0]["start"])
    assert one["start"][-6:] in ("-05:00", "-04:00")
    bad = listing(sandbox, token, headers={"timezone": "Mars/Olympus"})
    assert bad.status_code == 400


def test_instances_name_their_series_and_scheduled_meeting(sandbox):
    for item in instances(sandbox, sandbox.admin_person["token"]):
        series, _, occurrence = item["scheduledMeetingId"].rpartition("_")
        assert series == item["meetingSeriesId"] == item["id"].split("_I_")[0]
        scheduled = datetime.strptime(occurrence, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert abs(scheduled - when(item["start"])) < timedelta(minutes=1)


def test_qualities_have_one_item_per_media_session(sandbox):
    """A rejoin is a second item: same participantId, another participantSessionId."""
    rejoins = []
    for meeting in sandbox.world.meetings.values():
        items = meeting_items(sandbox.world.seed, meeting)
        by_participant: dict[str, list[dict]] = {}
        for item in items:
            by_participant.setdefault(item["participantId"], []).append(item)
        assert len(by_participant) == len(meeting.participants)
        for sessions in by_participant.values():
            assert len({s["participantSessionId"] for s in sessions}) == len(sessions)
            assert len({s["webexUserEmail"] for s in sessions}) == 1
            if len(sessions) > 1:
                rejoins.append(sessions)
                first, second = sorted(sessions, key=lambda s: s["joinTime"])
                assert first["leaveTime"] < second["joinTime"]
    assert rejoins
