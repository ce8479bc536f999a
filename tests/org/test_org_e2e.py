"""§9 end to end on the sandbox: one org connection, and each person sees their own meetings.

The rules tests run on SQLite and on PostgreSQL (`org_bot` is parametrised)."""

from __future__ import annotations

import re

import pytest

from bot.access import REFUSAL
from tests.e2e.harness import wait_for
from tests.org.conftest import GUEST, roles

pytestmark = pytest.mark.e2e


def texts(messages: list[dict]) -> str:
    return "\n".join((m.get("markdown") or m.get("text") or "") for m in messages)


def quality_replies(h, person, room_id: str, ref: str) -> list[dict]:
    """Ask /quality and wait for the chart and the card (or a single refusal)."""
    sent = person.say(room_id, f"/quality {ref}", mention=h.bot if h.room_type(room_id) ==
                      "group" else None)

    def done():
        got = h.bot_messages(person, room_id, after=sent["id"])
        if any(m.get("attachments") for m in got) and any(m.get("files") for m in got):
            return got
        final = [m for m in got if "Fetching" not in (m.get("markdown") or "")]
        return got if final and not any(m.get("files") for m in got) else None

    return wait_for(done, timeout=60, what=f"the answer to /quality {ref}")


def group_id(h) -> str:
    return h.room("group")["id"]


def test_host_participant_stranger_and_outsider(org_bot):
    """Host: everyone named. Participant: themself named, others "Participant N" in the card and
    markdown. Stranger: a refusal naming neither title nor anyone. Outsider: never served."""
    h, cast = org_bot
    meeting = cast.meeting_id

    # The host never connected: the org connection lists their meetings (hostEmail) and reads
    # the qualities.
    host_room = h.room("direct", cast.host)["id"]
    [listing] = h.ask(cast.host, host_room, "/meetings 1")
    assert "Org Review" in listing["markdown"]
    got = quality_replies(h, cast.host, host_room, meeting)
    said = texts(got)
    assert any(m.get("files") for m in got)
    assert cast.participant.name in said and GUEST[0] in said

    # A participant, asking in the group space: own name, the others anonymised everywhere.
    got = quality_replies(h, cast.participant, group_id(h), meeting)
    said = texts(got)
    card = str([m.get("attachments") for m in got])
    assert any(m.get("files") for m in got) and any(m.get("attachments") for m in got)
    assert cast.participant.name in said and "Participant 2" in said
    assert re.search(r"Participant [23]\b", card)
    for secret in (cast.host.name, cast.host.email, *GUEST):
        assert secret not in said and secret not in card

    # Asked again, their stored view answers (the raw items are not read): still anonymised.
    again = quality_replies(h, cast.participant, group_id(h), meeting)
    assert texts(again) == said and any(m.get("files") for m in again)

    # A stranger of the same org: refused, without the title or any name, even now that the
    # host's and a participant's views of this very fetch are stored.
    for _ in range(2):
        got = quality_replies(h, cast.stranger, group_id(h), meeting)
        said = texts(got)
        assert REFUSAL in said and not any(m.get("files") for m in got)
        for secret in ("Org Review", cast.host.name, cast.participant.name, GUEST[0]):
            assert secret not in said

    # An outsider (second org, not connected) gets the /connect hint, not org A's data.
    out_room = h.room("direct", cast.outsider)["id"]
    [hint] = h.ask(cast.outsider, out_room, f"/quality {meeting}")
    assert "/connect" in hint["markdown"] and "Org Review" not in hint["markdown"]
    [hint] = h.ask(cast.outsider, out_room, "/meetings")
    assert "/connect" in hint["markdown"]
    [link] = h.ask(cast.outsider, out_room, "/connect")
    assert "Pro Pack" in link["markdown"] and "need not" not in link["markdown"]


def test_quality_admin_sees_all_and_lists_a_persons_meetings(sandbox, bot_only):
    """QUALITY_ADMINS see every participant named and may use `/meetings PERSON`; others not."""
    stranger = roles(sandbox.state)["stranger"]
    h, cast = bot_only(quality_admins=f"nobody@example.com, {stranger.upper()}")
    assert h.connect_org(cast.admin).status_code == 200
    got = quality_replies(h, cast.stranger, group_id(h), cast.meeting_id)
    said = texts(got)
    assert cast.participant.name in said and GUEST[0] in said
    assert "Participant " not in said

    [listing] = h.ask(cast.stranger, group_id(h), f"/meetings {cast.host.email} 2")
    assert "Org Review" in listing["markdown"] and cast.host.email in listing["markdown"]

    # The same with an @mention instead of an email, as people type it in a group space.
    sent = cast.stranger.call("POST", "/messages", json={
        "roomId": group_id(h),
        "markdown": f"<@personId:{h.bot['id']}|{h.bot['displayName']}> /meetings "
                    f"<@personId:{cast.host.id}|{cast.host.name}> 2",
    }).json()
    [listing] = wait_for(lambda: h.bot_messages(cast.stranger, group_id(h), after=sent["id"]),
                         what="the mentioned person's meetings")
    assert "Org Review" in listing["markdown"] and cast.host.email in listing["markdown"]

    # A plain participant may not list someone else's meetings.
    [refusal] = h.ask(cast.participant, group_id(h), f"/meetings {cast.host.email}")
    assert "Only quality admins" in refusal["markdown"] and "Org Review" not in refusal["markdown"]
