"""`POST /_sandbox/meetings`: validation, guests, Webex's windows, and quality profiles whose data
carries the CONTRACT §11 signal each is named after (checked on the raw samples, with the
quality model's poor thresholds, not with the bot's analysis)."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests

POOR = {"latency": 400, "jitter": 50, "packetLoss": 5}
STREAMS_IN = ("audioIn", "videoIn", "shareIn")
STREAMS_OUT = ("audioOut", "videoOut", "shareOut")


def post(sandbox, body) -> requests.Response:
    return requests.post(f"{sandbox.url}/_sandbox/meetings", json=body, timeout=10)


def meeting(sandbox, participants: list[dict], minutes: int = 20, **extra) -> dict:
    resp = post(sandbox, {"title": "Profiles", "hostEmail": sandbox.admin_person["email"],
                          "minutes": minutes, "participants": participants, **extra})
    assert resp.status_code == 200, resp.text
    return resp.json()


def items_after_end(sandbox, meeting_id: str, minutes: int = 20) -> dict[str, dict]:
    sandbox.advance(minutes * 60 + 1)
    resp = sandbox.call("GET", "meeting/qualities", sandbox.admin_person["token"],
                        base=sandbox.analytics_url, params={"meetingId": meeting_id, "max": 100})
    assert resp.status_code == 200, resp.text
    return {i["webexUserEmail"]: i for i in resp.json()["items"]}


def poor_times(item: dict, streams: tuple[str, ...]) -> set[int]:
    """Times (epoch s) of samples past a poor threshold, over the given streams."""
    found = set()
    for key in streams:
        for s in item[key]:
            t0 = datetime.fromisoformat(s["startTime"].replace("Z", "+00:00")).timestamp()
            for metric, bound in POOR.items():
                for i, v in enumerate(s[metric]):
                    if v > bound:
                        found.add(int(t0 + i * s["samplingInterval"]))
    return found


def cpu_max(item: dict) -> list[float]:
    r = item["resources"][0]
    return [max(a, b) for a, b in zip(r["processMaxCPU"], r["systemMaxCPU"], strict=True)]


def transports(item: dict) -> set[str]:
    return {s["transportType"] for key in STREAMS_IN + STREAMS_OUT for s in item[key]}


@pytest.mark.parametrize(("body", "words"), [
    ("not json", "JSON object"),
    ([1, 2], "JSON object"),
    ({"hostEmail": "x", "minutes": 5}, "title"),
    ({"title": "  ", "minutes": 5}, "title"),
    ({"title": "T", "hostEmail": "nobody@example.com", "minutes": 5}, "hostEmail"),
    ({"title": "T", "hostEmail": "quality-bot@webex.bot", "minutes": 5}, "hostEmail"),
    ({"title": "T", "minutes": 0}, "minutes"),
    ({"title": "T", "minutes": 1441}, "minutes"),
    ({"title": "T", "minutes": "30"}, "minutes"),
    ({"title": "T", "minutes": 2.5}, "minutes"),
    ({"title": "T", "minutes": True}, "minutes"),
    ({"title": "T", "minutes": 5, "participants": "everyone"}, "participants"),
    ({"title": "T", "minutes": 5, "participants": ["a@b.c"]}, "participant 1"),
    ({"title": "T", "minutes": 5, "participants": [{"name": "No Mail"}]}, "email"),
    ({"title": "T", "minutes": 5, "participants": [{"email": "@"}]}, "email"),
    ({"title": "T", "minutes": 5, "participants": [{"email": "a@b.c", "profile": "dialup"}]},
     "unknown profile 'dialup'"),
    ({"title": "T", "minutes": 5, "participants": [{"email": "a@b.c"}, {"email": "A@b.c"}]},
     "twice"),
    ({"title": "T", "minutes": 5, "participants": [{"email": "a@b.c", "name": 7}]}, "name"),
])
def test_junk_gets_a_400_that_says_what_is_wrong(sandbox, body, words):
    before = set(sandbox.world.live)
    if isinstance(body, dict) and "hostEmail" not in body:
        body = {**body, "hostEmail": sandbox.admin_person["email"]}
    if body == "not json":
        resp = requests.post(f"{sandbox.url}/_sandbox/meetings", data="title=x", timeout=10)
    else:
        resp = post(sandbox, body)
    assert resp.status_code == 400, resp.text
    assert words in resp.json()["message"]
    assert set(sandbox.world.live) == before


def test_instance_guests_and_windows(sandbox):
    user = sandbox.user
    m = meeting(sandbox, [{"email": user["email"], "name": "Ignored Name"},
                          {"email": "Jane.Guest@Partner.Example", "name": "Jane Guest"},
                          {"email": "sam_o@partner.example"}], minutes=30)
    assert m["state"] == "inProgress" and m["meetingType"] == "meeting" and "_I_" in m["id"]
    assert m["hostEmail"] == sandbox.admin_person["email"] and m["title"] == "Profiles"
    token = sandbox.admin_person["token"]
    got = sandbox.call("GET", f"meetings/{m['id']}", token).json()
    assert got == m
    early = sandbox.call("GET", "meeting/qualities", token, base=sandbox.analytics_url,
                         params={"meetingId": m["id"]})
    assert early.status_code == 200 and early.json() == {"items": []}
    sandbox.advance(30 * 60 + 301)  # past the end and the per-meeting rate limit
    assert sandbox.call("GET", f"meetings/{m['id']}", token).json()["state"] == "ended"
    items = sandbox.call("GET", "meeting/qualities", token, base=sandbox.analytics_url,
                         params={"meetingId": m["id"], "max": 100}).json()["items"]
    names = {i["webexUserEmail"]: i["webexUserName"] for i in items}
    assert names == {
        sandbox.admin_person["email"]: sandbox.admin_person["displayName"],  # the host joins
        user["email"]: user["displayName"],  # people of the sandbox keep their own name
        "jane.guest@partner.example": "Jane Guest",
        "sam_o@partner.example": "Sam O",
    }
    # Guests are not people of the org.
    people = sandbox.call("GET", "people", token, params={"email": "jane.guest@partner.example"})
    assert people.json()["items"] == []
    sandbox.advance(7 * 24 * 3600)
    gone = sandbox.call("GET", "meeting/qualities", token, base=sandbox.analytics_url,
                        params={"meetingId": m["id"]})
    assert gone.json() == {"items": []}


def test_profiles_carry_their_cause(sandbox):
    emails = {p: f"{p}.person@partner.example" for p in ("good", "wifi", "cellular", "tcp", "cpu")}
    m = meeting(sandbox, [{"email": e, "profile": p} for p, e in emails.items()])
    items = items_after_end(sandbox, m["id"])
    both = STREAMS_IN + STREAMS_OUT
    good = items[emails["good"]]
    assert poor_times(good, both) == set() and max(cpu_max(good)) < 90
    assert transports(good) == {"UDP"} and good["networkType"] == "ethernet"

    wifi = items[emails["wifi"]]
    assert wifi["networkType"] == "wifi" and transports(wifi) == {"UDP"}
    assert len(poor_times(wifi, ("audioIn",))) >= 3 and len(poor_times(wifi, ("audioOut",))) >= 3
    assert max(cpu_max(wifi)) < 90

    cell = items[emails["cellular"]]
    assert cell["networkType"] == "cellular" and len(poor_times(cell, both)) >= 3

    tcp = items[emails["tcp"]]
    assert transports(tcp) == {"TCP"} and len(poor_times(tcp, ("audioIn", "audioOut"))) >= 3
    lat = tcp["audioIn"][0]["latency"]
    assert sum(v > 400 for v in lat) >= 3 and max(cpu_max(tcp)) < 90

    cpu = items[emails["cpu"]]
    bad = poor_times(cpu, both)
    r = cpu["resources"][0]
    t0 = datetime.fromisoformat(r["startTime"].replace("Z", "+00:00")).timestamp()
    hot = {int(t0 + i * 60) for i, v in enumerate(cpu_max(cpu)) if v >= 90}
    assert len(bad) >= 3 and len(hot & bad) >= len(bad) / 5
    assert transports(cpu) == {"UDP"} and cpu["networkType"] == "ethernet"


def test_upload_profile_hurts_what_the_others_receive_in_the_same_minutes(sandbox):
    up = "uploader@partner.example"
    receivers = [f"listener{i}@partner.example" for i in range(3)]
    m = meeting(sandbox, [{"email": up, "name": "Una Loader", "profile": "upload"},
                          *({"email": e, "profile": "good"} for e in receivers)])
    items = items_after_end(sandbox, m["id"])
    sent_badly = poor_times(items[up], STREAMS_OUT)
    assert len(sent_badly) >= 3
    assert poor_times(items[up], STREAMS_IN) == set()  # only what they sent
    assert items[up]["videoOut"], "the uploader's camera is on"
    for email in [*receivers, sandbox.admin_person["email"]]:
        heard = poor_times(items[email], STREAMS_IN)
        # Each poor minute received overlaps a poor minute sent by at least half a minute.
        assert heard and all(any(abs(t - u) <= 30 for u in sent_badly) for t in heard), email
        # Receivers' own samples have gaps, so not every bad minute sent is a bad minute heard;
        # the bot's sender rule (bot/quality/causes.py) needs at least half of them.
        assert 2 * len(heard) >= len(sent_badly), (email, len(heard), len(sent_badly))
        assert poor_times(items[email], STREAMS_OUT) == set()
