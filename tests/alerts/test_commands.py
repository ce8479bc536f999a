"""/alerts, /notify and /status through the dispatcher, with a fake org connection."""

from __future__ import annotations

import pytest

from storage import alerts as store
from tests.alerts.conftest import ORG
from tests.chat import markdown_of, type_command


@pytest.fixture
def chat(scene, worker, posts):
    def say(text: str, email: str, room: str = "room-1", person: str = "p-1") -> str:
        before = len(posts.items)
        type_command(worker, text, person_id=person, person_email=email, room_id=room,
                     room_type="group", thread_id="t-1")
        return markdown_of(posts.items[before:])

    return say


def test_only_quality_admins_switch_alerts(chat, fake_org):
    fake_org.people_orgs.update({"p-admin": ORG, "p-user": ORG})
    refused = chat("/alerts on", "user@example.com", person="p-user")
    assert "Only a **quality admin**" in refused
    assert store.space("room-1") is None
    assert "**on**" in chat("/alerts on", "admin@example.com", person="p-admin")
    assert store.spaces_on(ORG) == ["room-1"]
    assert "Only a **quality admin**" in chat("/alerts off", "user@example.com", person="p-user")
    assert store.spaces_on(ORG) == ["room-1"]
    assert "**off**" in chat("/alerts off", "admin@example.com", person="p-admin")
    assert store.spaces_on(ORG) == []


def test_alerts_state_says_since_when_and_the_weeks_count(chat, fake_org):
    fake_org.people_orgs["p-admin"] = ORG
    assert "Alerts in this space: **off**" in chat("/alerts", "user@example.com")
    chat("/alerts on", "admin@example.com", person="p-admin")
    state = chat("/alerts", "user@example.com")
    assert "**on** since 2026-03-10 10:00 UTC" in state
    assert "0 alerts sent here in the last 7 days" in state


def test_admin_of_an_unconnected_org_is_told_what_to_do(chat, fake_org):
    fake_org.connected = []
    fake_org.people_orgs["p-admin"] = ORG
    assert "`/connect org`" in chat("/alerts on", "admin@example.com", person="p-admin")
    assert store.space("room-1") is None


def test_bad_switch_gets_usage(chat):
    reply = chat("/alerts maybe", "admin@example.com")
    assert "neither `on` nor `off`" in reply and "/alerts [on|off]" in reply


def test_notify_is_for_anyone_and_shown_in_status(chat):
    assert "**on**" in chat("/notify", "Wendy.Wifi@example.com")
    assert "**off**" in chat("/notify off", "Wendy.Wifi@example.com")
    assert not store.notify_enabled("wendy.wifi@example.com")
    status = chat("/status", "wendy.wifi@example.com")
    assert "Your 1:1 alerts about your own poor meetings: **off**" in status
    assert "Alerts in this space: **off**" in status
    chat("/notify on", "wendy.wifi@example.com")
    assert store.notify_enabled("wendy.wifi@example.com")


def test_help_lists_both_commands(chat):
    text = chat("/help", "x@example.com")
    assert "/alerts" in text and "/notify" in text
