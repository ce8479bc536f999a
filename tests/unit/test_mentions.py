"""Finding the command: the bot's leading mention goes by its markup, never by name search."""

import pytest

from bot.mentions import command_text, mentions_bot, raw_id
from tests.conftest import BOT_ID

RAW = "bot-0001"


def tag(person_id: str, name: str) -> str:
    return (
        f'<spark-mention data-object-type="person" data-object-id="{person_id}">{name}'
        "</spark-mention>"
    )


@pytest.mark.parametrize(
    "html",
    [
        f"{tag(BOT_ID, 'Quality Bot')} /help",
        f"<p>{tag(BOT_ID, 'Quality Bot')} /help</p>",
        f"{tag(RAW, 'Quality Bot')} /help",
        f"<p>{tag(RAW, 'Quality')} /help</p>",
    ],
    ids=["base64", "base64-in-p", "raw-uuid", "raw-uuid-first-name-in-p"],
)
def test_four_mention_shapes(html):
    name = "Quality" if "first-name" in html or ">Quality<" in html else "Quality Bot"
    message = {"text": f"{name} /help", "html": html, "mentionedPeople": [BOT_ID]}
    assert command_text(message, BOT_ID, "Quality Bot") == "/help"


def test_name_inside_text_is_kept():
    html = (
        f'<spark-mention data-object-type="person" data-object-id="{BOT_ID}">Quality Bot'
        "</spark-mention> /quality Quality Bot review"
    )
    message = {"text": "Quality Bot /quality Quality Bot review", "html": html}
    assert command_text(message, BOT_ID, "Quality Bot") == "/quality Quality Bot review"


def test_text_that_does_not_start_with_the_name_uses_the_markup():
    html = (
        f'<p><spark-mention data-object-type="person" data-object-id="{BOT_ID}">QB'
        "</spark-mention>  meetings   3</p>"
    )
    message = {"text": "Quality meetings 3", "html": html}
    assert command_text(message, BOT_ID, "Quality Bot") == "meetings 3"


def test_someone_elses_mention_is_not_stripped():
    html = (
        '<spark-mention data-object-type="person" data-object-id="other">Bob</spark-mention> hello'
    )
    assert command_text({"text": "Bob hello", "html": html}, BOT_ID, "Quality Bot") == "Bob hello"


def test_plain_text_in_a_direct_space():
    assert command_text({"text": "  /Meetings   14 "}, BOT_ID, "Quality Bot") == "/Meetings 14"


def test_no_markup_strips_leading_display_or_first_name_when_mentioned():
    mentioned = {"mentionedPeople": [BOT_ID]}
    assert command_text({"text": "Quality Bot help", **mentioned}, BOT_ID, "Quality Bot") == "help"
    assert command_text({"text": "Quality help", **mentioned}, BOT_ID, "Quality Bot") == "help"


def test_command_equal_to_the_bots_first_name_is_kept():
    """The bot is "Quality Bot": in a 1:1 space "quality #2" is the /quality command."""
    assert command_text({"text": "quality #2"}, BOT_ID, "Quality Bot") == "quality #2"
    assert command_text({"text": "qualityfoo"}, BOT_ID, "Quality Bot") == "qualityfoo"
    mentioned = {"mentionedPeople": [BOT_ID]}
    assert command_text({"text": "Quality quality #2", **mentioned}, BOT_ID, "Quality Bot") == (
        "quality #2"
    )


def test_mention_attributes_in_any_order_and_quoting():
    html = (
        f"<spark-mention data-object-id='{BOT_ID}' data-object-type='person'>Quality Bot"
        "</spark-mention> help"
    )
    message = {"text": "Quality Bot help", "html": html, "mentionedPeople": [BOT_ID]}
    assert command_text(message, BOT_ID, "Quality Bot") == "help"


def test_group_mention_is_not_the_bot():
    html = (
        '<spark-mention data-object-type="groupMention" data-group-type="all">All'
        "</spark-mention> help"
    )
    assert command_text({"text": "All help", "html": html}, BOT_ID, "Quality Bot") == "All help"


def test_mentions_bot_accepts_both_id_forms():
    assert mentions_bot({"mentionedPeople": [RAW]}, BOT_ID)
    assert mentions_bot({"mentionedPeople": [BOT_ID]}, BOT_ID)
    assert not mentions_bot({"mentionedPeople": ["someone"]}, BOT_ID)
    assert not mentions_bot({}, BOT_ID)
    assert raw_id(BOT_ID) == RAW


def test_a_persons_mention_after_the_command_becomes_a_person_word():
    """`/meetings @Ana 14` in a group space: the argument is Ana's id, whatever her name."""
    html = (
        f'<p><spark-mention data-object-type="person" data-object-id="{BOT_ID}">Quality Bot'
        '</spark-mention> meetings <spark-mention data-object-type="person" '
        'data-object-id="ANA-ID">Ana Maria Silva</spark-mention> 14</p>'
    )
    message = {"text": "Quality Bot meetings Ana Maria Silva 14", "html": html,
               "mentionedPeople": [BOT_ID, "ANA-ID"]}
    assert command_text(message, BOT_ID, "Quality Bot") == "meetings person:ANA-ID 14"
