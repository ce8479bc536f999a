"""The org webhook: the receiver takes meetings/ended deliveries like messages, `webhooks sync`
keeps exactly one org-owned hook, `doctor` checks it."""

from __future__ import annotations

import json

import responses

from bot import doctor, webhook_admin
from storage import alerts as store
from storage import inbox
from tests.alerts.conftest import ORG, meeting_data
from tests.conftest import API, deliver


def ended_envelope(meeting_id: str = "m1_I_1", **data) -> dict:
    return {
        "id": "wh-org",
        "name": "quality-bot meetings/ended",
        "resource": "meetings",
        "event": "ended",
        "ownedBy": "org",
        "orgId": ORG,
        "data": {"id": meeting_id, **data},
    }


def test_receiver_accepts_signed_meeting_ended_once(client, scene):
    first = deliver(client, ended_envelope(**meeting_data()))
    assert first.status_code == 200 and first.json["status"] == "accepted"
    again = deliver(client, ended_envelope(**meeting_data()))
    assert again.status_code == 200 and again.json["status"] == "accepted"
    assert store.get("m1_I_1") is not None  # immediate queue: processed in the request here
    assert inbox.counts() == {"done": 1}  # the redelivery was taken in and dropped


def test_receiver_refuses_unsigned_and_other_meeting_events(client, scene):
    body = json.dumps(ended_envelope()).encode()
    assert client.post("/webhooks/webex", data=body).status_code == 401
    started = {**ended_envelope(), "event": "started"}
    assert deliver(client, started).status_code == 400
    assert store.get("m1_I_1") is None


def test_missing_fields_are_read_with_the_org_token(client, scene, webex_api, clock):
    webex_api.add(responses.GET, f"{API}/meetings/m2_I_2", json=meeting_data("m2_I_2"))
    deliver(client, ended_envelope("m2_I_2"))
    row = store.get("m2_I_2")
    assert store.meeting_dict(row)["hostEmail"] == "host.person@example.com"
    assert row.due_at.isoformat().startswith("2026-03-10T10:15")  # end + ALERT_DELAY
    sent = [c.request for c in webex_api.calls if "/meetings/m2_I_2" in c.request.url]
    assert sent[0].headers["Authorization"] == "Bearer org-token"


class Hooks:
    def __init__(self, webex_api, initial):
        self.items = list(initial)
        self.created, self.updated, self.deleted = [], [], []
        base = f"{API}/webhooks"
        webex_api.add_callback(responses.GET, base, callback=self.list)
        webex_api.add_callback(responses.POST, base, callback=self.create)
        import re

        one = re.compile(base + r"/[^/]+$")
        webex_api.add_callback(responses.PUT, one, callback=self.update)
        webex_api.add_callback(responses.DELETE, one, callback=self.delete)

    def list(self, request):
        assert request.headers["Authorization"] == "Bearer org-token"
        return 200, {}, json.dumps({"items": self.items})

    def create(self, request):
        body = json.loads(request.body)
        hook = {**body, "id": f"hook-{len(self.created)}", "status": "active"}
        self.created.append(body)
        self.items.append(hook)
        return 200, {}, json.dumps(hook)

    def update(self, request):
        hook_id = request.url.rsplit("/", 1)[1]
        self.updated.append((hook_id, json.loads(request.body)))
        return 200, {}, json.dumps({"id": hook_id})

    def delete(self, request):
        hook_id = request.url.rsplit("/", 1)[1]
        self.deleted.append(hook_id)
        self.items = [h for h in self.items if h["id"] != hook_id]
        return 204, {}, ""


def test_sync_creates_exactly_one_org_owned_hook(scene, webex_api):
    hooks = Hooks(webex_api, [])
    changes = webhook_admin.sync_orgs(scene)
    assert len(hooks.created) == 1 and "created meetings/ended" in changes[0]
    assert hooks.created[0] == {
        "name": "quality-bot meetings/ended",
        "targetUrl": "https://bot.test/webhooks/webex",
        "resource": "meetings",
        "event": "ended",
        "secret": scene.config.webex_webhook_secret,
        "ownedBy": "org",
    }
    assert webhook_admin.sync_orgs(scene) == []  # in sync: nothing changes
    assert any("ownedBy=org" in line for line in webhook_admin.list_org_hooks(scene))
    assert all(ok for ok, _ in doctor.alerts_checks(scene)[:1])


def test_sync_repairs_replaces_and_deduplicates(scene, webex_api):
    stale = {"id": "a", "name": "quality-bot meetings/ended", "resource": "meetings",
             "event": "ended", "ownedBy": "org", "targetUrl": "https://old.test/webhooks/webex",
             "status": "inactive"}
    personal = {**stale, "id": "b", "ownedBy": "creator",
                "targetUrl": "https://bot.test/webhooks/webex"}
    other_app = {**stale, "id": "c", "name": "someone else", "targetUrl": "https://x.test/"}
    hooks = Hooks(webex_api, [stale, personal, other_app])
    assert doctor.alerts_checks(scene)[0][0] is False
    webhook_admin.sync_orgs(scene)
    assert hooks.deleted == ["b"]  # not org-owned: PUT cannot change that
    assert hooks.updated[0][0] == "a" and hooks.updated[0][1]["status"] == "active"
    assert hooks.updated[0][1]["targetUrl"] == "https://bot.test/webhooks/webex"
    assert [h["id"] for h in hooks.items] == ["a", "c"]  # the other app's hook is left alone


def test_doctor_reports_given_up_and_overdue_meetings(scene, clock, webex_api):
    from bot.alerts import pipeline

    Hooks(webex_api, [])
    webhook_admin.sync_orgs(scene)
    assert all(ok for ok, _ in doctor.alerts_checks(scene))
    store.see("m9", ORG, {}, None, clock.now, "webhook", clock.now)
    token = pipeline.new_token()
    store.claim("m9", token, clock.now, pipeline.LEASE)
    store.finish("m9", token, "failed", clock.now, "given up: qualities: Webex 502")
    store.see("m8", ORG, {}, None, clock.now, "webhook", clock.now)
    clock.advance(hours=1)  # m8 due an hour ago and nobody ran it: the worker is down
    checks = dict((line, ok) for ok, line in doctor.alerts_checks(scene))
    assert checks[next(k for k in checks if "given up" in k)] is False
    assert any("m9" in k and "502" in k for k in checks)
    assert checks[next(k for k in checks if "overdue" in k)] is False
