"""The bot and the sandbox over loopback: signed deliveries in, replies out."""

import pytest

pytestmark = pytest.mark.e2e


def test_webhooks_sync_registers_the_three_hooks_and_is_idempotent(harness):
    from bot.webhook_admin import sync

    assert len(harness.sync_changes) == 3
    assert sync(harness.runtime.webex, harness.config) == []
    hooks = harness.runtime.webex.webhooks()
    assert {(h["resource"], h["event"]) for h in hooks} == {
        ("messages", "created"),
        ("attachmentActions", "created"),
        ("memberships", "created"),
    }
    assert all(h["targetUrl"] == harness.config.webhook_url for h in hooks)


def test_help_in_the_group_space_with_a_mention(harness):
    person = harness.admin
    group = harness.room("group", person)
    [reply] = harness.ask(person, group["id"], "/help")
    assert "/meetings" in reply["markdown"] and "/quality" in reply["markdown"]
    assert reply["attachments"][0]["content"]["version"] == "1.3"
    assert reply.get("parentId")  # answered in the command's thread


def test_unknown_command_in_a_direct_space(harness):
    person = harness.admin
    direct = harness.room("direct", person)
    [reply] = harness.ask(person, direct["id"], "qualty #1")
    assert "Did you mean `/quality`?" in reply["markdown"]


def test_not_connected_person_gets_the_connect_hint(harness):
    person = harness.admin
    direct = harness.room("direct", person)
    [reply] = harness.ask(person, direct["id"], "/meetings")
    assert "/connect" in reply["markdown"]


def test_command_without_slash_that_equals_the_bots_first_name(harness):
    person = harness.admin
    direct = harness.room("direct", person)
    [reply] = harness.ask(person, direct["id"], "quality #1")
    assert "Unknown command" not in reply["markdown"]
    assert "/connect" in reply["markdown"]  # /quality needs an account: the hint, not confusion
