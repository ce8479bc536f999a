"""`/_sandbox` controls, the state file, the chat page route and `python -m sandbox`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from sandbox.server import start_in_thread
from tests.conftest_sandbox import wait_until


def test_state_matches_contract(sandbox):
    state = sandbox.admin("GET", "state")
    assert state == sandbox.state
    assert state["api_url"] == f"{sandbox.url}/v1"
    assert state["analytics_url"] == f"{sandbox.url}/analytics/v1"
    assert state["chat_url"] == f"{sandbox.url}/"
    assert set(state["bot"]) == {"id", "email", "displayName", "token"}
    assert len(state["people"]) >= 12
    assert all(set(p) == {"id", "email", "displayName", "token", "admin"}
               for p in state["people"])
    assert any(p["admin"] for p in state["people"]) and not all(p["admin"]
                                                                for p in state["people"])
    admin = next(p for p in state["people"] if p["admin"])
    assert any(r["type"] == "direct" and set(r["memberEmails"]) == {admin["email"],
                                                                    state["bot"]["email"]}
               for r in state["rooms"])
    group = next(r for r in state["rooms"] if r["type"] == "group")
    assert state["bot"]["email"] in group["memberEmails"] and len(group["memberEmails"]) >= 4


def test_seed_is_deterministic():
    a, b, c = start_in_thread(seed=7), start_in_thread(seed=7), start_in_thread(seed=8)
    try:
        strip = lambda s: {k: v for k, v in s.items() if not k.endswith("_url")}  # noqa: E731
        assert strip(a.state) == strip(b.state) != strip(c.state)
        assert [m.start for m in a.world.meetings.values()] == [
            m.start for m in b.world.meetings.values()]
    finally:
        for h in (a, b, c):
            h.stop()


def test_call_log_and_events(sandbox):
    sandbox.admin("POST", "calls/reset")
    sandbox.call("GET", "people/me", sandbox.bot["token"])
    sandbox.call("GET", "people/me", sandbox.admin_person["token"])
    calls = sandbox.admin("GET", "calls")
    assert [(c["path"], c["as"], c["status"]) for c in calls["items"]] == [
        ("/v1/people/me", "bot", 200), ("/v1/people/me", sandbox.admin_person["id"], 200)]
    assert sandbox.admin("GET", "calls", params={"since": calls["next"]})["items"] == []

    start = sandbox.admin("GET", "events")["next"]
    msg = sandbox.call("POST", "messages", sandbox.admin_person["token"],
                       json={"roomId": sandbox.group["id"], "markdown": "**hello**"}).json()
    feed = sandbox.admin("GET", "events", params={"since": start, "wait": 5})
    (event,) = feed["items"]
    assert event["type"] == "message" and event["data"] == msg
    assert event["data"]["html"] == "<p><strong>hello</strong></p>"


def test_long_poll_wakes_on_new_event(sandbox):
    start = sandbox.admin("GET", "events")["next"]
    t0 = time.monotonic()
    poll = requests.get(f"{sandbox.url}/_sandbox/events", params={"since": start, "wait": 0.2},
                        timeout=5)
    assert poll.json()["items"] == [] and time.monotonic() - t0 >= 0.2


def test_fault_injection(sandbox):
    sandbox.admin("POST", "fail", json={"path_prefix": "/v1/messages", "status": 429,
                                        "count": 2, "retry_after": 3})
    body = {"roomId": sandbox.group["id"], "text": "x"}
    token = sandbox.admin_person["token"]
    first = sandbox.call("POST", "messages", token, json=body)
    assert first.status_code == 429 and first.headers["Retry-After"] == "3"
    assert sandbox.call("POST", "messages", token, json=body).status_code == 429
    assert sandbox.call("POST", "messages", token, json=body).status_code == 200
    sandbox.admin("POST", "fail", json={"path_prefix": "/v1/people", "status": 503, "count": 1})
    assert sandbox.call("GET", "people/me", token).status_code == 503
    assert sandbox.call("GET", "people/me", token).status_code == 200


def test_chat_page_and_unknown_routes(sandbox):
    page = requests.get(sandbox.url + "/", timeout=5)
    assert page.status_code == 200 and "html" in page.headers["Content-Type"]
    missing = sandbox.call("GET", "nothing/here", sandbox.bot["token"])
    assert missing.status_code == 404 and "trackingId" in missing.json()


def test_module_entry_point_writes_state_file(tmp_path: Path):
    state_file = tmp_path / "state.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--seed", "3",
         "--state-file", str(state_file)],
        cwd=Path(__file__).parents[2], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(state_file.exists, timeout=15)
        state = json.loads(state_file.read_text())
        resp = requests.get(f"{state['api_url']}/people/me", timeout=5,
                            headers={"Authorization": f"Bearer {state['bot']['token']}"})
        assert resp.status_code == 200 and resp.json()["displayName"] == "Quality Bot"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
