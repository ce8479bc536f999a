"""POST /webhooks/webex: signatures, shapes, durability, redelivery."""

import json

from storage import intake
from storage.models import InboxEvent, InboxReceipt
from tests.conftest import deliver, message_envelope, sign


def stored() -> int:
    """Everything the receiver wrote: receipts and events alike."""
    return InboxReceipt.select().count() + InboxEvent.select().count()


def test_valid_delivery_is_stored_and_acknowledged(client, runtime, monkeypatch):
    handed_on = []
    monkeypatch.setattr(runtime.queue, "submit", lambda: handed_on.append(1))
    resp = deliver(client, message_envelope("msg-1"))
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "accepted"
    receipt = InboxReceipt.get()
    assert json.loads(receipt.body)["data"]["id"] == "msg-1" and handed_on == [1]
    assert InboxEvent.select().count() == 0  # the worker takes it in, not the request
    [event_id] = intake.take_in()
    row = InboxEvent.get_by_id(event_id)
    assert row.key == "messages:created:msg-1" and row.status == "pending"
    assert row.received_at == receipt.received_at and InboxReceipt.select().count() == 0


def test_missing_signature_is_refused_without_side_effect(client):
    body = json.dumps(message_envelope("msg-1")).encode()
    resp = client.post("/webhooks/webex", data=body, content_type="application/json")
    assert resp.status_code == 401
    assert stored() == 0


def test_forged_signature_is_refused(client):
    resp = deliver(client, message_envelope("msg-1"), secret="not-the-secret")
    assert resp.status_code == 401
    assert stored() == 0


def test_signature_is_over_raw_bytes_not_reserialised_json(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.queue, "submit", lambda: None)
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
    assert stored() == 0


def test_oversized_body_is_413(client):
    body = json.dumps({"resource": "messages", "pad": "x" * (1024 * 1024)}).encode()
    resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sign(body)})
    assert resp.status_code == 413


def test_redelivery_is_stored_once(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.queue, "submit", lambda: None)
    first = deliver(client, message_envelope("msg-1"))
    second = deliver(client, message_envelope("msg-1"))
    other = deliver(client, message_envelope("msg-2"))
    assert [r.status_code for r in (first, second, other)] == [200, 200, 200]
    taken = intake.take_in()
    assert len(taken) == 2 and InboxEvent.select().count() == 2
    assert InboxReceipt.select().count() == 0
    # A redelivery after the first was taken in is dropped too.
    deliver(client, message_envelope("msg-1"))
    assert intake.take_in() == [] and InboxEvent.select().count() == 2


def test_hand_on_failure_still_acknowledges_and_keeps_event(client, runtime, monkeypatch):
    def broken():
        raise ConnectionError("queue down")

    monkeypatch.setattr(runtime.queue, "submit", broken)
    resp = deliver(client, message_envelope("msg-9"))
    assert resp.status_code == 200
    assert InboxReceipt.select().count() == 1


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
    assert stored() == 0
