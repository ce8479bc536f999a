"""The registry: parsing by shape, helpful errors, did-you-mean, /help entries."""

import pytest

from bot.commands import Arg, CommandSet, UsageError, split_command
from handlers import commands as registry


def hhmm(word):
    if ":" not in word:
        raise ValueError(f"`{word}` is not a time: use HH:MM.")
    return word


def zone(word):
    if "/" not in word:
        raise ValueError(f"`{word}` is not a time zone: use Area/City.")
    return word


@pytest.fixture
def reg():
    r = CommandSet()

    @r.command(
        "subscribe", help="daily", args=(Arg("HH:MM", hhmm, "09:00"), Arg("ZONE", zone, "UTC"))
    )
    def subscribe(ctx):
        pass

    @r.command("quality", help="q", args=(Arg("REF", required=True, rest=True),))
    def quality(ctx):
        pass

    return r


def test_optional_arguments_by_shape(reg):
    cmd = reg.find("subscribe")
    assert cmd.parse([]) == {"HH:MM": "09:00", "ZONE": "UTC"}
    assert cmd.parse(["Europe/Paris"]) == {"HH:MM": "09:00", "ZONE": "Europe/Paris"}
    assert cmd.parse(["Europe/Paris", "10:00"]) == {"HH:MM": "10:00", "ZONE": "Europe/Paris"}


def test_bad_argument_names_the_problem_and_usage(reg):
    with pytest.raises(UsageError) as err:
        reg.find("subscribe").parse(["tomorrow"])
    assert "`tomorrow` is not a time" in str(err.value)
    assert "/subscribe [HH:MM] [ZONE]" in str(err.value)
    with pytest.raises(UsageError, match="one word too many"):
        reg.find("subscribe").parse(["10:00", "Europe/Paris", "extra"])


def test_required_and_rest(reg):
    assert reg.find("quality").parse(["2550", "123", "4567"]) == {"REF": "2550 123 4567"}
    with pytest.raises(UsageError, match="needs REF"):
        reg.find("quality").parse([])


def test_routing_is_case_insensitive_and_slash_optional():
    assert split_command("/MEETINGS  3") == ("meetings", ["3"])
    assert registry.find("Help") is registry.find("/help") is not None
    assert registry.find("helpme") is None


def test_did_you_mean():
    assert registry.closest("meetngs") == "meetings"
    assert registry.closest("qualty") == "quality"
    assert registry.closest("zzzzzz") is None


def test_help_lists_every_visible_command_once():
    usages = [usage for usage, _ in registry.help_entries()]
    assert "/help" in usages and "/meetings [PERSON] [DAYS]" in usages and "/quality REF" in usages
    assert len(usages) == len(set(usages))


def test_duplicate_declaration_is_refused(reg):
    with pytest.raises(ValueError):
        reg.command("quality", help="again")(lambda ctx: None)


def test_missing_ref_says_what_to_type():
    with pytest.raises(UsageError) as err:
        registry.find("quality").parse([])
    assert "`/quality #1`" in str(err.value) and "/meetings" in str(err.value)


def test_words_after_a_command_without_arguments_are_ignored():
    assert registry.find("help").parse(["me"]) == {}
