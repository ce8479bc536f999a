"""Alerts after a meeting, end to end: the sandbox (org webhook, live meetings with quality
profiles, its clock), the real receiver and worker over loopback. The bot's clock is the
sandbox's, so a test moves time instead of waiting for it."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from bot import alerts, webhook_admin
from bot.alerts import pipeline
from storage import alerts as store
from tests.conftest import sign
from tests.e2e.harness import LINK, Harness, wait_for


@pytest.fixture
def org_harness(sandbox, tmp_path):
    from storage.db import database

    h = Harness(sandbox, tmp_path)
    h.runtime.clock = sandbox.world.now
    connect_org(h, h.admin)
    yield h
    h.stop()
    database.close()


def connect_org(h: Harness, admin) -> None:
    room = h.room("direct", admin)["id"]
    [reply] = h.ask(admin, room, "/connect org")
    link = LINK.search(reply.get("markdown") or reply.get("text") or "").group(0)
    page = requests.get(h.consent(link, admin), timeout=30)
    assert page.status_code == 200, page.text[:300]
    wait_for(lambda: alerts.org.connections(h.runtime), what="the org connection")
    h.org_id = alerts.org.connections(h.runtime)[0].org_id


def org_hooks(h: Harness) -> list[dict]:
    return [w for w in control(h, "GET", "webhooks")["items"] if w.get("resource") == "meetings"]


def test_connect_org_and_webhooks_sync_hold_exactly_one_org_webhook(org_harness):
    h = org_harness
    [hook] = org_hooks(h)  # made by the end of /connect org
    assert (hook["event"], hook["ownedBy"], hook["targetUrl"]) == (
        "ended", "org", h.config.webhook_url)
    assert webhook_admin.sync(h.runtime.webex, h.config, h.runtime) == []
    h.admin.call("PUT", f"/webhooks/{hook['id']}", json={
        "name": hook["name"], "targetUrl": "http://127.0.0.1:9/elsewhere"}).raise_for_status()
    changes = webhook_admin.sync(h.runtime.webex, h.config, h.runtime)
    assert any("updated meetings/ended" in c for c in changes)
    [again] = org_hooks(h)
    assert again["targetUrl"] == h.config.webhook_url
    assert any("ownedBy=org" in line for line in webhook_admin.list_org_hooks(h.runtime))


def control(h: Harness, method: str, path: str, **kw) -> dict:
    """The sandbox's loopback controls (`/_sandbox/...`)."""
    resp = requests.request(method, f"{h.sandbox.url}/_sandbox/{path}", timeout=10, **kw)
    resp.raise_for_status()
    return resp.json()


def advance(h: Harness, seconds: float) -> None:
    control(h, "POST", "clock", json={"advance": seconds})


def it_quality(h: Harness) -> str:
    return next(r["id"] for r in h.rooms if r["title"] == "IT Quality")


def person(h: Harness, index: int):
    emails = [p["email"] for p in h.sandbox.state["people"]]
    return h.people[emails[index]]


def start_meeting(h: Harness, title: str, host, people: list[tuple], minutes: int = 20) -> dict:
    resp = requests.post(
        f"{h.sandbox.url}/_sandbox/meetings",
        json={
            "title": title,
            "hostEmail": host.email,
            "minutes": minutes,
            "participants": [{"email": e, "name": n, "profile": p} for e, n, p in people],
        },
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()


def alerts_on(h: Harness) -> str:
    """The admin turns alerts on in IT Quality; that space's id."""
    room = it_quality(h)
    h.ask(h.admin, room, "/alerts on")
    return room


def wifi_meeting(h: Harness, title: str) -> dict:
    """A meeting the admin hosts in which Maya's Wi-Fi is bad: worth one alert."""
    maya = person(h, 1)
    return start_meeting(h, title, h.admin, [(maya.email, maya.name, "wifi")])


def end_and_wait_seen(h: Harness, meeting: dict, minutes: int = 20) -> None:
    advance(h, minutes * 60 + 1)
    wait_for(lambda: store.get(meeting["id"]), timeout=30, what="the meetings/ended webhook")


def run_when_due(h: Harness, meeting_id: str, statuses=("alerted", "silent")) -> None:
    advance(h, h.config.alert_delay)

    def ran() -> bool:
        alerts.run_due(h.runtime)  # the worker's tick (each minute in production)
        return store.get(meeting_id).status in statuses

    wait_for(ran, timeout=60, what="the meeting's run")


def direct_with_bot(h: Harness, p) -> str:
    return h.direct_room_of(p)


def bot_posts(h: Harness, since: int = 0) -> list[dict]:
    """Every POST /messages the bot made (the sandbox's own record)."""
    return [
        e["data"]
        for e in control(h, "GET", f"events?since={since}")["items"]
        if e["type"] == "message" and e["data"].get("personId") == h.bot["id"]
    ]


def alert_posts(h: Harness, meeting_id: str) -> list[dict]:
    return [
        m for m in bot_posts(h)
        if meeting_id in json.dumps(m.get("attachments") or []) or meeting_id in (
            m.get("markdown") or "")
    ]


def test_alert_in_space_host_and_participant_once_redelivery_and_poll_add_nothing(org_harness):
    h = org_harness
    admin, maya, jonas = h.admin, person(h, 1), person(h, 2)
    room = it_quality(h)
    [on] = h.ask(admin, room, "/alerts on")
    assert "**on**" in on["markdown"]

    meeting = start_meeting(h, "Alerts E2E", admin, [
        (maya.email, maya.name, "wifi"), (jonas.email, jonas.name, "good"),
        ("visitor@guest.example.net", "Visiting Guest", "wifi"),
    ])
    end_and_wait_seen(h, meeting)
    run_when_due(h, meeting["id"])

    posts = alert_posts(h, meeting["id"])
    to_space = [m for m in posts if m.get("roomId") == room]
    assert len(to_space) == 1
    card = to_space[0]["attachments"][0]["content"]
    assert card["version"] == "1.3"
    assert card["actions"][0]["data"] == {"command": "quality", "meetingId": meeting["id"]}
    assert maya.name in to_space[0]["markdown"] and "Wi-Fi" in to_space[0]["markdown"]
    host_dm = [m for m in posts if m.get("toPersonEmail") == admin.email]
    maya_dm = [m for m in posts if m.get("toPersonEmail") == maya.email]
    assert len(host_dm) == 1 and len(maya_dm) == 1
    assert "Wi-Fi" in maya_dm[0]["markdown"] and "Tip:" in maya_dm[0]["markdown"]
    assert admin.name not in maya_dm[0]["markdown"] and jonas.name not in maya_dm[0]["markdown"]
    assert len(posts) == 3  # jonas was fine; the guest is not in the org

    # Redelivery of the same webhook, the poll listing it, further ticks: nothing more.
    row = store.get(meeting["id"])
    envelope = {"id": "wh", "resource": "meetings", "event": "ended", "orgId": h.org_id,
                "data": store.meeting_dict(row)}
    body = json.dumps(envelope).encode()
    again = requests.post(h.config.webhook_url, data=body, timeout=10, headers={
        "X-Spark-Signature": sign(body, h.config.webex_webhook_secret)})
    assert again.status_code == 200
    # (the poll may take in a seeded meeting that ended before the org webhook existed)
    alerts.poll(h.runtime)
    # An hour's jump of the clock makes a running worker's lease look lapsed, and the run below
    # would take its meeting over mid-post (a real crash's "unknown"): jump only while idle.
    wait_for(lambda: not store.in_progress(h.runtime.now()), timeout=60, what="an idle worker")
    advance(h, 3600)
    alerts.run_due(h.runtime)
    alerts.poll(h.runtime)  # lists this meeting now (15 min after its end): already seen
    alerts.run_due(h.runtime)
    assert store.get(meeting["id"]).source == "webhook"
    assert len(alert_posts(h, meeting["id"])) == 3

    # The seeded meetings that ended meanwhile were alerted too: once the worker is idle, count
    # every card in the space.
    wait_for(lambda: not store.due(h.runtime.now()) and not store.in_progress(h.runtime.now()),
             timeout=60, what="the worker to finish every due meeting")
    cards = [m for m in bot_posts(h) if m.get("roomId") == room and m.get("attachments")]
    [state] = h.ask(admin, room, "/alerts")
    assert "**on**" in state["markdown"]
    sent = "1 alert" if len(cards) == 1 else f"{len(cards)} alerts"
    assert f"{sent} sent here in the last 7 days" in state["markdown"]


def test_show_quality_button_goes_through_the_quality_command(org_harness):
    h = org_harness
    admin = h.admin
    room = alerts_on(h)
    meeting = wifi_meeting(h, "Button E2E")
    end_and_wait_seen(h, meeting)
    run_when_due(h, meeting["id"])
    [alert] = [m for m in alert_posts(h, meeting["id"]) if m.get("roomId") == room]
    admin.press(alert, {"command": "quality", "meetingId": meeting["id"]})
    replies = wait_for(
        lambda: (lambda got: got if len(got) >= 2 else None)(
            h.bot_messages(admin, room, after=alert["id"])),
        timeout=60, what="the /quality answer to the button",
    )
    assert any(m.get("files") for m in replies)


def test_good_meeting_is_silent(org_harness):
    h = org_harness
    admin, jonas = h.admin, person(h, 2)
    alerts_on(h)
    meeting = start_meeting(h, "Good E2E", admin, [(jonas.email, jonas.name, "good")])
    end_and_wait_seen(h, meeting)
    run_when_due(h, meeting["id"])
    assert store.get(meeting["id"]).status == "silent"
    assert store.deliveries(meeting["id"]) == []
    # (the seeded meetings that ended meanwhile may be alerted: none of it is about this one)
    assert not [m for m in bot_posts(h) if "Good E2E" in json.dumps(m)]


def test_notify_off_spares_only_that_person(org_harness):
    h = org_harness
    admin, maya = h.admin, person(h, 1)
    room = alerts_on(h)
    [off] = h.ask(maya, h.room("direct", maya)["id"], "/notify off")
    assert "**off**" in off["markdown"]
    meeting = wifi_meeting(h, "Notify E2E")
    end_and_wait_seen(h, meeting)
    run_when_due(h, meeting["id"])
    posts = alert_posts(h, meeting["id"])
    assert [m for m in posts if m.get("toPersonEmail") == maya.email] == []
    assert len([m for m in posts if m.get("roomId") == room]) == 1
    assert len([m for m in posts if m.get("toPersonEmail") == admin.email]) == 1


def test_poll_alone_finds_a_meeting_whose_webhook_never_came(org_harness):
    h = org_harness
    admin = h.admin
    alerts_on(h)
    for hook in control(h, "GET", "webhooks")["items"]:
        if hook.get("resource") == "meetings":
            admin.call("DELETE", f"/webhooks/{hook['id']}").raise_for_status()
    meeting = wifi_meeting(h, "Poll E2E")
    advance(h, 20 * 60 + 1)
    # Webex lists an ended meeting about 15 minutes after its end (so does the sandbox).
    advance(h, 15 * 60 + h.config.alert_poll_interval)
    alerts.poll(h.runtime)
    row = wait_for(lambda: store.get(meeting["id"]), what="the poll to take the meeting in")
    assert row.source == "poll"
    run_when_due(h, meeting["id"])
    assert len(alert_posts(h, meeting["id"])) == 3


def test_two_workers_ticking_together_post_once(org_harness):
    from bot.app import build_runtime
    from bot.worker import build_worker

    h = org_harness
    alerts_on(h)
    second = build_runtime(h.config)  # another worker on the same database and queue
    build_worker(second)
    second.clock = h.runtime.clock
    consumer = second.queue.consumer(workers=2, in_process=True)
    consumer.start()
    try:
        meeting = wifi_meeting(h, "Two workers E2E")
        end_and_wait_seen(h, meeting)
        advance(h, h.config.alert_delay)
        barrier = threading.Barrier(2)

        def tick(runtime):
            barrier.wait()
            alerts.periodic(runtime)

        threads = [threading.Thread(target=tick, args=(rt,)) for rt in (h.runtime, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_for(lambda: store.get(meeting["id"]).status == "alerted", timeout=60,
                 what="the alert")
        alerts.run_due(second)
        assert len(alert_posts(h, meeting["id"])) == 3
        calls = control(h, "GET", "calls")["items"]
        assert sum(1 for c in calls if c["path"].endswith("/meeting/qualities")
                   and meeting["id"] in json.dumps(c.get("query"))) == 1
    finally:
        consumer.stop(graceful=True)


class Killed(BaseException):
    """The worker process dying: no handler runs, no lease is released."""


def test_worker_killed_between_claim_and_post_then_restarted(org_harness, monkeypatch):
    h = org_harness
    room = alerts_on(h)
    meeting = wifi_meeting(h, "Crash E2E")
    end_and_wait_seen(h, meeting)
    advance(h, h.config.alert_delay)

    real_send = h.runtime.webex.send
    sent = []
    me = threading.get_ident()  # the worker's own threads keep alerting the seeded meetings

    def dies_after_the_space_alert(**kw):
        if threading.get_ident() != me:
            return real_send(**kw)
        if sent:
            raise Killed()  # claimed `sending`, the POST never made
        sent.append(real_send(**kw))
        return sent[-1]

    monkeypatch.setattr(h.runtime.webex, "send", dies_after_the_space_alert)
    with pytest.raises(Killed):
        pipeline.process(h.runtime, meeting["id"])
    monkeypatch.setattr(h.runtime.webex, "send", real_send)
    assert [d.status for d in store.deliveries(meeting["id"])] == ["sent", "sending", "pending"]

    # The worker is gone; a fresh one starts on the same database and queue once the dead
    # worker's lease has run out (the receiver keeps running, as in production).
    from bot.app import build_runtime
    from bot.worker import build_worker

    h.consumer.stop(graceful=True)
    advance(h, pipeline.LEASE.total_seconds() + 1)
    fresh = build_runtime(h.config)
    restarted = build_worker(fresh)
    fresh.clock = h.runtime.clock
    h.consumer = fresh.queue.consumer(workers=2, in_process=True)  # the fixture stops it
    h.consumer.start()
    restarted.recover()
    alerts.run_due(fresh)
    wait_for(lambda: store.get(meeting["id"]).status == "alerted", timeout=60,
             what="the restarted worker to finish")
    statuses = sorted(d.status for d in store.deliveries(meeting["id"]))
    assert statuses == ["sent", "sent", "unknown"]  # the interrupted one is never re-posted
    posts = alert_posts(h, meeting["id"])
    assert len([m for m in posts if m.get("roomId") == room]) == 1
    assert len(posts) == 2
