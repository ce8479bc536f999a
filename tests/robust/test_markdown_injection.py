"""Issue 10 item 8: what a person typed is shown back, never rendered, and never too long."""

from __future__ import annotations

import pytest

from bot import echo
from bot.echo import MARKDOWN_LIMIT
from tests.conftest import deliver, message_envelope, posted_markdown, register_message

NASTY = "`**bold**`[click](https://evil.example)<@all>"


def ask(client, rsps, message_id: str, text: str) -> str:
    register_message(rsps, message_id, text)
    deliver(client, message_envelope(message_id))
    return posted_markdown(rsps)[-1]


def rendered_outside_code(markdown: str) -> str:
    """The parts of a reply that Webex would render as markdown (outside code spans)."""
    return "".join(markdown.split("`")[0::2])


@pytest.mark.parametrize(
    "text",
    [
        f"/{NASTY}",  # unknown command
        f"/meetings {NASTY}",  # usage error from an argument parser
        f"/help {NASTY}",  # one word too many
        f"/summary {NASTY}",
        f"/subscribe {NASTY}",
        f"/subscribe 09:00 {NASTY}",
        f"/quality #{NASTY}",  # REF echo
        f"/quality {NASTY}",
    ],
)
def test_typed_markdown_is_echoed_inside_a_closed_code_span(client, connected, text):
    reply = ask(client, connected, "m-md", text)
    assert reply.count("`") % 2 == 0  # every span closed: nothing typed escapes one
    outside = rendered_outside_code(reply)
    assert "**bold**" not in outside and "](https://evil" not in outside and "<@all>" not in outside


@pytest.mark.parametrize(
    "text",
    [
        "/" + "x" * 20_000,
        "/meetings " + "\u00e9" * 9_000,
        "/quality " + "Z" * 9_000,
        "/meetings " + "9" * 4_000,
        "/subscribe " + "a/" * 5000,
    ],
)
def test_a_huge_echo_is_cut_far_below_the_webex_limit(client, connected, text):
    reply = ask(client, connected, "m-long", text)
    assert len(reply.encode()) < 1000 < MARKDOWN_LIMIT
    assert "…" in reply


def test_plain_escapes_every_markdown_character_in_titles_and_names():
    shown = echo.plain("**Board** [call](http://x) <@all> `code` #1 _x_")
    assert "**" not in shown.replace("\\*", "")
    assert "\\[call\\]" in shown and "\\<@all\\>" in shown and "\\`" in shown


def test_fit_cuts_any_reply_to_the_limit():
    huge = "\n".join("line " + "é" * 50 for _ in range(500))
    assert len(echo.fit(huge).encode()) <= MARKDOWN_LIMIT
    assert echo.fit("short") == "short"
    one_line = echo.fit("é" * 8000)
    assert one_line is not None and len(one_line.encode()) <= MARKDOWN_LIMIT


def test_a_meeting_title_is_escaped_where_it_is_echoed(runtime):
    from bot.meetings import QualityUnavailable, iso, load_data

    meeting = {
        "id": "m-1",
        "title": "**Q4** [plan](https://evil.example)",
        "start": iso(runtime.now()),
    }
    with pytest.raises(QualityUnavailable) as told:
        load_data(None, meeting, clock=runtime.now, min_interval=300)
    shown = str(told.value)
    assert "\\*\\*Q4\\*\\*" in shown and "\\[plan\\]" in shown


def test_card_text_never_turns_a_typed_title_into_a_link():
    from bot.quality.cards import facts, text

    block = text("Meeting quality: [Q4 plan](https://evil.example)")
    assert "](" not in block["text"] and "Q4 plan" in block["text"]
    fact = facts([("[a](https://x.example)", "[b](https://y.example)")])["facts"][0]
    assert "](" not in fact["title"] and "](" not in fact["value"]


@pytest.mark.parametrize(
    "text",
    [f"/trends 7 {NASTY}", f"/trends {NASTY}", f"/export {NASTY}", "/export 9999", "/trends 3"],
)
def test_history_commands_echo_safely(client, connected, text):
    reply = ask(client, connected, "m-hist", text)
    assert reply.count("`") % 2 == 0
    outside = rendered_outside_code(reply)
    assert "**bold**" not in outside and "](https://evil" not in outside
