"""Issue 10 item 9: the webhook receiver under hostile but signed input.

Property: whatever the body, signature or encoding, the answer is 2xx or 4xx (never 5xx), and a
receipt exists only for a correctly signed, well-formed envelope, and becomes exactly one event."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.webhooks import RESOURCES
from storage import intake
from storage.models import InboxEvent, InboxReceipt
from tests.conftest import sign

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_value = st.recursive(
    json_leaf,
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3)
    ),
    max_leaves=12,
)
webex_id = st.from_regex(r"[A-Za-z0-9_=-]{1,40}", fullmatch=True)
envelope = st.fixed_dictionaries(
    {},
    optional={
        "resource": st.sampled_from(
            ["messages", "attachmentActions", "memberships", "meetings", "rooms"]
        )
        | json_value,
        "event": st.sampled_from(["created", "deleted", "ended"]) | json_value,
        "data": st.fixed_dictionaries(
            {},
            optional={
                "id": webex_id | json_value,
                "roomId": webex_id | json_value,
                "personId": webex_id | json_value,
            },
        )
        | json_value,
        "id": json_value,
    },
)


def stored() -> int:
    """What the receiver wrote: receipts (the worker would take them in) and events."""
    return InboxReceipt.select().count() + InboxEvent.select().count()


def well_formed(env: object) -> bool:
    if not isinstance(env, dict):
        return False
    resource, event, data = env.get("resource"), env.get("event"), env.get("data")
    if not isinstance(resource, str) or not isinstance(event, str):
        return False
    if event not in RESOURCES.get(resource, ()):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        return False
    import re

    return all(
        isinstance(data[k], str) and re.fullmatch(r"[A-Za-z0-9_=-]{1,512}", data[k])
        for k in ("id", "roomId", "personId", "messageId")
        if k in data
    )


@pytest.fixture
def quiet_client(client, runtime, monkeypatch):
    monkeypatch.setattr(runtime.queue, "submit", lambda: None)
    return client


def post(client, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Spark-Signature"] = signature
    return client.post("/webhooks/webex", data=body, headers=headers)


def expected_ok(body: bytes) -> bool:
    try:
        return well_formed(json.loads(body.decode("utf-8")))
    except (ValueError, RecursionError):
        return False


@FUZZ
@given(env=envelope | json_value, encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_signed_envelopes_of_any_shape_answer_2xx_or_4xx(quiet_client, env, encoding):
    before = stored()
    body = json.dumps(env, ensure_ascii=False).encode(encoding, "replace")
    resp = post(quiet_client, body, sign(body))
    added = stored() - before
    if expected_ok(body):
        assert resp.status_code == 200 and resp.get_json()["status"] == "accepted" and added == 1
        # The worker can take it in: one event (or the one an equal example already made), its
        # key within the column however long the id (PostgreSQL would refuse a longer one).
        intake.take_in()
        envelope = json.loads(body)
        key = intake.event_key(envelope["resource"], envelope["event"], envelope["data"]["id"])
        event = InboxEvent.get(InboxEvent.key == key)
        assert len(event.key) <= 255 and InboxReceipt.select().count() == 0
    else:
        assert 400 <= resp.status_code < 500 and added == 0


header_text = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255, exclude_characters="\x7f"),
    max_size=60,
)


@FUZZ
@given(body=st.binary(max_size=2048), signature=st.none() | header_text)
def test_unsigned_or_missigned_bytes_are_401_and_leave_nothing(quiet_client, body, signature):
    if signature is not None and signature.strip().lower() == sign(body):
        return
    resp = post(quiet_client, body, signature)
    assert resp.status_code == 401
    assert stored() == 0


@FUZZ
@given(body=st.binary(max_size=4096))
def test_signed_garbage_bytes_are_4xx_and_leave_nothing(quiet_client, body):
    before = stored()
    resp = post(quiet_client, body, sign(body))
    if expected_ok(body):
        assert resp.status_code == 200
    else:
        assert 400 <= resp.status_code < 500
        assert stored() == before


@pytest.mark.parametrize("depth", [100, 1_000, 100_000])
@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_deeply_nested_json_is_400(quiet_client, depth, opener, closer):
    body = (opener * depth + "1" + closer * depth).encode()
    resp = post(quiet_client, body, sign(body))
    assert resp.status_code == 400
    assert stored() == 0


@pytest.mark.parametrize("field", ["resource", "event"])
@pytest.mark.parametrize("value", [["messages"], {"messages": 1}, 7, None, True])
def test_resource_or_event_of_the_wrong_type_is_400(quiet_client, field, value):
    env = {"resource": "messages", "event": "created", "data": {"id": "m-1"}, field: value}
    body = json.dumps(env).encode()
    resp = post(quiet_client, body, sign(body))
    assert resp.status_code == 400
    assert stored() == 0


def test_a_body_over_the_size_limit_is_413(quiet_client):
    body = b'{"resource": "messages", "pad": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert post(quiet_client, body, sign(body)).status_code == 413
