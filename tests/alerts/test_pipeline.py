"""The per-meeting pipeline, against fake Webex answers: due time, one qualities call,
exactly-once claims through redelivery, poll overlap, crashes and Webex trouble."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot import alerts
from bot.alerts import pipeline
from storage import alerts as store
from tests.alerts.conftest import ORG, meeting_data, poor_items

ROOM = "room-alerts"
HOST = "host.person@example.com"
WENDY = "wendy.wifi@example.com"


@pytest.fixture
def poor_meeting(scene, analytics, clock):
    analytics.items["m1_I_1"] = poor_items()
    store.set_space(ROOM, ORG, True, "admin@example.com", clock.now)
    return "m1_I_1"


def ended(runtime, meeting_id="m1_I_1", org_id=ORG, **over) -> bool:
    envelope = {"resource": "meetings", "event": "ended", "orgId": org_id,
                "data": meeting_data(meeting_id, **over)}
    return alerts.on_meeting_ended(runtime, envelope)


def planned_by_a_worker(runtime, clock) -> tuple[str, str]:
    """m1_I_1 ends, comes due, and one worker claims and plans it (but delivers nothing yet):
    that worker's token and what planning answered."""
    ended(runtime)
    clock.advance(seconds=runtime.config.alert_delay)
    token = pipeline.new_token()
    row = store.claim("m1_I_1", token, clock.now, pipeline.LEASE)
    return token, pipeline._analyse_and_plan(runtime, row, token)


def test_nothing_before_the_delay_then_space_host_and_participant_once(
    scene, poor_meeting, clock, posts, analytics
):
    assert ended(scene)
    clock.advance(seconds=scene.config.alert_delay - 1)
    assert alerts.run_due(scene) == 0
    assert posts.items == [] and analytics.calls == {}
    clock.advance(seconds=1)
    assert alerts.run_due(scene) == 1
    assert analytics.calls == {"m1_I_1": 1}
    assert len(posts.to_room(ROOM)) == 1
    assert len(posts.to_person(HOST)) == 1
    assert len(posts.to_person(WENDY)) == 1
    assert len(posts.items) == 3  # nobody else: Gail was fine, the guest is not in the org
    card = posts.to_room(ROOM)[0]["attachments"][0]["content"]
    assert card["version"] == "1.3"
    assert card["actions"][0]["data"] == {"command": "quality", "meetingId": "m1_I_1"}
    dm = posts.to_person(WENDY)[0]["markdown"]
    assert "Wi-Fi" in dm or "loss" in dm
    assert "Host Person" not in dm and "Gail" not in dm
    assert store.get("m1_I_1").status == "alerted"
    clock.advance(minutes=10)
    assert alerts.run_due(scene) == 0
    assert len(posts.items) == 3


def test_redelivery_and_poll_overlap_add_nothing(scene, poor_meeting, clock, posts, webex_api):
    assert ended(scene)
    assert not ended(scene)  # the same webhook again
    import json

    import responses

    from tests.conftest import API

    webex_api.add(responses.GET, f"{API}/meetings", body=json.dumps(
        {"items": [meeting_data("m1_I_1")]}))
    assert alerts.poll(scene) == 0  # listed, but already seen
    clock.advance(seconds=scene.config.alert_delay)
    alerts.run_due(scene)
    alerts.run_due(scene)
    assert len(posts.items) == 3
    assert store.get("m1_I_1").source == "webhook"


def test_poll_takes_in_a_meeting_no_webhook_announced(scene, poor_meeting, clock, posts,
                                                      webex_api):
    import json

    import responses

    from tests.conftest import API

    webex_api.add(responses.GET, f"{API}/meetings", body=json.dumps(
        {"items": [meeting_data("m1_I_1")]}))
    assert alerts.poll(scene) == 1
    assert alerts.poll(scene) == 0  # the interval has not passed: no second listing
    assert store.get("m1_I_1").source == "poll"
    clock.advance(seconds=scene.config.alert_delay)
    alerts.run_due(scene)
    assert len(posts.items) == 3


def test_good_meeting_is_silent(scene, analytics, clock, posts):
    analytics.items["m1_I_1"] = poor_items(poor_minutes=0)
    store.set_space(ROOM, ORG, True, "admin@example.com", clock.now)
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    alerts.run_due(scene)
    assert analytics.calls == {"m1_I_1": 1}
    assert posts.items == []
    assert store.get("m1_I_1").status == "silent"


def test_below_min_poor_minutes_is_silent(scene, analytics, clock, posts):
    analytics.items["m1_I_1"] = poor_items(poor_minutes=2)  # ALERT_MIN_POOR_MINUTES is 3
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    alerts.run_due(scene)
    assert posts.items == []


def test_other_orgs_meetings_are_ignored(scene, poor_meeting, clock, posts):
    assert not ended(scene, org_id="org-other")
    assert store.get("m1_I_1") is None


def test_notify_off_spares_the_person_only(scene, poor_meeting, clock, posts):
    store.set_notify(WENDY, "wendy-id", False, clock.now)
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    alerts.run_due(scene)
    assert posts.to_person(WENDY) == []
    assert len(posts.to_room(ROOM)) == 1 and len(posts.to_person(HOST)) == 1


def test_notify_off_after_planning_is_still_honoured(scene, poor_meeting, clock, posts):
    token, outcome = planned_by_a_worker(scene, clock)
    assert outcome == "planned"
    store.set_notify(WENDY, "wendy-id", False, clock.now)
    pipeline.deliver(scene, "m1_I_1", token)
    assert posts.to_person(WENDY) == []


def test_crash_after_planning_loses_nothing_and_doubles_nothing(
    scene, poor_meeting, clock, posts
):
    """The worker posts the space alert, then dies before the DMs; the next one finishes."""
    token, _ = planned_by_a_worker(scene, clock)
    first = store.deliveries("m1_I_1")[0]
    assert store.take(first.id, token, clock.now)
    pipeline._post(scene, first)
    store.settle(first.id, token, "sent", clock.now)  # ... and the worker dies here
    assert len(posts.items) == 1
    assert alerts.run_due(scene) == 0  # its lease still holds
    clock.advance(minutes=6)
    assert alerts.run_due(scene) == 1
    assert len(posts.items) == 3
    assert sorted(d.status for d in store.deliveries("m1_I_1")) == ["sent"] * 3


def test_a_dead_workers_sending_claim_is_never_posted_again(scene, poor_meeting, clock, posts):
    token, _ = planned_by_a_worker(scene, clock)
    first = store.deliveries("m1_I_1")[0]
    store.take(first.id, token, clock.now)  # died between the claim and the POST's answer
    clock.advance(minutes=6)
    alerts.run_due(scene)
    statuses = {d.target: d.status for d in store.deliveries("m1_I_1")}
    assert statuses[first.target] == "unknown"
    assert sorted(statuses.values()) == ["sent", "sent", "unknown"]
    assert first.target not in {f"space:{p.get('roomId')}" for p in posts.items}
    assert len(posts.items) == 2


def test_two_workers_racing_post_once(scene, poor_meeting, clock, posts):
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    results: list[str] = []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        results.append(pipeline.process(scene, "m1_I_1"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count("alerted") == 1
    assert len(posts.items) == 3


def test_webex_trouble_postpones_with_backoff_then_gives_up(scene, poor_meeting, clock,
                                                             analytics, posts):
    analytics.status = 502
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    assert pipeline.process(scene, "m1_I_1") == "postponed"
    row = store.get("m1_I_1")
    assert row.status == "waiting" and "502" in row.error
    first_retry = row.due_at
    clock.advance(hours=7)
    assert pipeline.process(scene, "m1_I_1") == "failed"
    assert store.get("m1_I_1").status == "failed"
    assert "given up" in store.get("m1_I_1").error
    assert posts.items == []
    assert first_retry > (clock.now - timedelta(hours=7)).replace(tzinfo=None)


def test_posting_outage_keeps_the_rest_pending_and_resumes(scene, poor_meeting, clock, posts):
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    posts.fail_next = [(503, {})] * 5  # one message's whole retry budget: surely not posted
    assert pipeline.process(scene, "m1_I_1") == "postponed"
    assert posts.items == []
    assert [d.status for d in store.deliveries("m1_I_1")] == ["pending"] * 3
    clock.advance(minutes=2)
    alerts.run_due(scene)
    assert len(posts.items) == 3


def test_ambiguous_post_failure_is_not_repeated(scene, poor_meeting, clock, posts):
    ended(scene)
    clock.advance(seconds=scene.config.alert_delay)
    posts.fail_next = [(502, {})]  # Webex may have posted it: never again
    assert pipeline.process(scene, "m1_I_1") == "alerted"
    statuses = sorted(d.status for d in store.deliveries("m1_I_1"))
    assert statuses == ["sent", "sent", "unknown"]
    assert len(posts.items) == 2
