"""Issue 10 item 1: a command's replies are journaled step by step, so a re-run of its event
resumes after the last step that may have reached Webex and never posts one twice."""

from __future__ import annotations

import dataclasses
import json

import pytest
import requests
import responses

from handlers import commands as registry
from storage import reply_steps
from storage.models import InboxEvent
from tests.conftest import API, deliver, message_envelope, register_message

ALL_THREE = ["one: fetching…", "two: the chart", "three: the card"]


class Webex:
    """POST /messages answered from a script: "ok", an HTTP status (500/502: Webex acted and
    then answered badly; 503: it did not act), or "timeout" (acted, answer lost)."""

    def __init__(self, rsps) -> None:
        self.rsps = rsps
        self.script: list[object] = []
        self.acted: list[str] = []  # what Webex really posted, in order
        rsps.add_callback(responses.POST, f"{API}/messages", callback=self.post)
        rsps.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})

    def post(self, request):
        outcome = self.script.pop(0) if self.script else "ok"
        text = json.loads(request.body)["markdown"]
        if outcome == 503:
            return 503, {}, json.dumps({"message": "unavailable"})
        self.acted.append(text)
        if outcome == "timeout":
            raise requests.ReadTimeout("read timed out")
        if outcome != "ok":
            return int(outcome), {}, json.dumps({"message": "acted, then failed"})
        return 200, {}, json.dumps({"id": f"posted-{len(self.acted)}"})

    def say(self, client, text: str = "/help", message_id: str = "m-1") -> None:
        register_message(self.rsps, message_id, text)
        deliver(client, message_envelope(message_id))


@pytest.fixture
def webex(webex_api):
    return Webex(webex_api)


@pytest.fixture
def three_replies(monkeypatch):
    """/help replaced by a command answering in three messages (like /quality: note, chart,
    card); `cached` drops the first, as a re-run of /quality does once the data is cached."""
    state = {"cached": False}

    def answer(ctx):
        if not state["cached"]:
            ctx.reply("one: fetching…")
        ctx.reply("two: the chart")
        ctx.reply("three: the card")

    monkeypatch.setitem(
        registry.commands, "help", dataclasses.replace(registry.commands["help"], func=answer)
    )
    return state


def run_again(worker) -> None:
    """What a re-run after a crash or a released event does: back to pending, processed."""
    InboxEvent.update(status="pending", not_before=None, lease_until=None).execute()
    worker.dispatcher.recover()


def steps() -> list[str]:
    return [row.status for row in reply_steps.for_event(InboxEvent.get().id)]


@pytest.mark.parametrize("badly", [500, 502, "timeout"])
def test_a_step_webex_acted_on_but_answered_badly_is_never_posted_again(
    client, worker, webex, three_replies, badly
):
    webex.script = ["ok", badly]
    webex.say(client)
    assert webex.acted == ALL_THREE
    assert InboxEvent.get().status == "done"
    run_again(worker)
    run_again(worker)
    assert webex.acted == ALL_THREE
    assert steps() == ["sent", "unknown", "sent"]


def test_an_outage_mid_command_resumes_after_the_last_posted_step(
    client, worker, webex, three_replies
):
    webex.script = ["ok", "ok"] + [503] * 5  # the third reply: Webex down beyond the retries
    webex.say(client)
    assert webex.acted == ALL_THREE[:2]
    assert InboxEvent.get().status == "pending" and steps() == ["sent", "sent", "failed"]
    three_replies["cached"] = True  # the re-run no longer posts "fetching…" at all
    run_again(worker)
    assert webex.acted == ALL_THREE
    assert InboxEvent.get().status == "done" and steps() == ["sent", "sent", "sent"]


def test_a_step_in_flight_when_the_worker_died_is_not_repeated(
    client, worker, webex, three_replies, monkeypatch
):
    """The ambiguous case: the journal says `sending` and nothing more. Treated as posted."""
    from bot import journal

    real_post = journal.Journal._post

    def die_on_second(self, webex_client, step, fields):
        if step == 1:
            webex_client.send(**fields)  # it reached Webex ...
            raise SystemExit("worker killed")  # ... and the worker died before recording it
        return real_post(self, webex_client, step, fields)

    monkeypatch.setattr(journal.Journal, "_post", die_on_second)
    with pytest.raises(SystemExit):
        webex.say(client)
    monkeypatch.setattr(journal.Journal, "_post", real_post)
    assert webex.acted == ALL_THREE[:2] and steps() == ["sent", "sending"]
    run_again(worker)
    assert webex.acted == ALL_THREE
    assert steps() == ["sent", "sending", "sent"]


def test_the_failure_reply_itself_is_posted_once(client, worker, webex, monkeypatch):
    def boom(ctx):
        raise RuntimeError("bug")

    monkeypatch.setitem(
        registry.commands, "help", dataclasses.replace(registry.commands["help"], func=boom)
    )
    webex.say(client)
    run_again(worker)
    assert len(webex.acted) == 1 and "went wrong" in webex.acted[0]
