"""POST /webhooks/webex: signatures, shapes, durability, redelivery."""

import json

from storage.models import InboxEvent
from tests.conftest import deliver, message_envelope, sign


def test_valid_delivery_is_stored_and_acknowledged(client, runtime, monkeypatch):
    enqueued = []
    monkeypatch.setattr(runtime.queue, "submit", enqueued.append)
    resp = deliver(client, message_envelope("msg-1"))
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "accepted"
    row = InboxEvent.get()
    assert row.key == "messages:created:msg-1" and row.status == "pending"
    assert enqueued == [row.id]


def test_missing_signature_is_refused_without_side_effect(client):
    body = json.dumps(message_envelope("msg-1")).encode()
    resp = client.post("/webhooks/webex", data=body, content_type="application/json")
    assert resp.status_code == 401
    assert InboxEvent.select().count() == 0


def test_forged_signature_is_refused(client):
    resp = deliver(client, message_envelope("msg-1"), secret="not-the-secret")
    assert resp.status_code == 401
    assert InboxEvent.select().count() == 0


def test_signature_is_over_raw_bytes_not_reserialised_json(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.queue, "submit", lambda _id: None)
    body = b'{"resource":  "messages", "event": "created",\n "data": {"id": "m-raw"}}'
    ok = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(body)})
    assert ok.status_code == 200
    reserialised = json.dumps(json.loads(body)).encode()
    bad = client.post(
        "/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(reserialised)}
    )
    assert bad.status_code == 401


def test_malformed_json_is_400(client):
    body = b'{"resource": "messages", '
    resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(body)})
    assert resp.status_code == 400
    assert "JSON" in resp.get_json()["error"]


def test_unknown_shape_is_400(client):
    for envelope in (
        [1, 2],
        {"resource": "rooms", "event": "created", "data": {"id": "x"}},
        {"resource": "messages", "event": "created", "data": {}},
    ):
        body = json.dumps(envelope).encode()
        resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(body)})
        assert resp.status_code == 400, envelope
    assert InboxEvent.select().count() == 0


def test_oversized_body_is_413(client):
    body = json.dumps({"resource": "messages", "pad": "x" * (1024 * 1024)}).encode()
    resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(body)})
    assert resp.status_code == 413


def test_redelivery_is_stored_once(client, runtime, monkeypatch):
    enqueued = []
    monkeypatch.setattr(runtime.queue, "submit", enqueued.append)
    first = deliver(client, message_envelope("msg-1"))
    second = deliver(client, message_envelope("msg-1"))
    assert first.get_json()["status"] == "accepted"
    assert second.status_code == 200 and second.get_json()["status"] == "duplicate"
    assert InboxEvent.select().count() == 1 and len(enqueued) == 1


def test_enqueue_failure_still_acknowledges_and_keeps_event(client, runtime, monkeypatch):
    def broken(_id):
        raise ConnectionError("queue down")

    monkeypatch.setattr(runtime.queue, "submit", broken)
    resp = deliver(client, message_envelope("msg-9"))
    assert resp.status_code == 200
    assert InboxEvent.get().status == "pending"


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["queue"] == "ok"


def test_non_ascii_signature_is_401_not_500(client):
    body = json.dumps(message_envelope("msg-1")).encode()
    resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": "é" * 40})
    assert resp.status_code == 401


def test_signed_but_undecodable_or_unstorable_bodies_are_400(client):
    utf16 = json.dumps(message_envelope("msg-1")).encode("utf-16")
    surrogate = b'{"resource": "messages", "event": "created", "data": {"id": "\\ud800"}}'
    for body in (utf16, surrogate):
        resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(body)})
        assert resp.status_code == 400, body
    assert InboxEvent.select().count() == 0
