"""Finding the command in a message: the bot's leading mention is removed by its markup."""

from __future__ import annotations

import base64
import binascii
import html as htmllib
import re

MENTION = re.compile(r"<spark-mention\b(?P<attrs>[^>]*)>(?P<name>.*?)</spark-mention>", re.S | re.I)
ATTR = re.compile(r"""([\w-]+)\s*=\s*["']([^"']*)["']""")
LEADING = re.compile(r"^\s*(?:<(?:p|div)[^>]*>\s*)*")
TAG = re.compile(r"<[^>]+>")
PERSON_REF = re.compile(r"person:([A-Za-z0-9_=-]+)")  # another person's @mention in a command


def raw_id(person_id: str) -> str:
    """Webex ids are base64 of `ciscospark://us/PEOPLE/<uuid>`; markup may carry either form."""
    try:
        padded = person_id + "=" * (-len(person_id) % 4)
        decoded = base64.urlsafe_b64decode(padded.encode()).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return person_id.lower()
    return (
        decoded.rsplit("/", 1)[-1].lower()
        if decoded.startswith("ciscospark://")
        else person_id.lower()
    )


def same_person(a: str, b: str) -> bool:
    return bool(a and b) and (a == b or raw_id(a) == raw_id(b))


def html_to_text(fragment: str) -> str:
    return htmllib.unescape(TAG.sub(" ", fragment))


def _mentioned_id(attrs: str) -> str | None:
    """The person id of a mention element, whatever the attribute order or quoting."""
    values = {k.lower(): v for k, v in ATTR.findall(attrs)}
    if values.get("data-object-type", "person").lower() != "person":
        return None  # @all and other group mentions
    return values.get("data-object-id")


def _person_refs(fragment: str, bot_id: str) -> str | None:
    """The markup with other people's mentions after the command word as `person:ID` words
    (`/meetings @Ana`), or None when there is none."""
    found = False

    def word(match: re.Match) -> str:
        nonlocal found
        pid = _mentioned_id(match.group("attrs"))
        before = html_to_text(fragment[: match.start()]).strip()
        if not pid or same_person(pid, bot_id) or not before:
            return match.group(0)  # a leading mention is someone addressed, not an argument
        found = True
        return f" person:{pid} "

    replaced = MENTION.sub(word, fragment)
    return replaced if found else None


def command_text(message: dict, bot_id: str, bot_name: str) -> str:
    """The message text without the bot's leading mention, whitespace folded; other people's
    mentions become `person:ID` words."""
    text = message.get("text") or ""
    markup = message.get("html") or ""
    if markup:
        lead = LEADING.match(markup)
        rest = markup[lead.end() if lead else 0 :]
        first = MENTION.match(rest)
        is_bot = first is not None and same_person(
            _mentioned_id(first.group("attrs")) or "", bot_id
        )
        after = rest[first.end() :] if first is not None and is_bot else rest
        others = _person_refs(after, bot_id)
        if others is not None:
            return " ".join(html_to_text(others).split())
        if first and is_bot:
            name = html_to_text(first.group("name")).strip()
            if name and text.lstrip().startswith(name):
                return " ".join(text.lstrip()[len(name) :].split())
            return " ".join(html_to_text(rest[first.end() :]).split())
    if mentions_bot(message, bot_id):
        # Mentioned, but no usable markup: the text starts with the bot's display name or, in
        # some clients, its first name. Only then, and only as a whole word, is it removed:
        # "quality #2" typed in a 1:1 space is the /quality command, not a mention.
        stripped = text.lstrip()
        for name in (bot_name, bot_name.split(" ")[0] if bot_name else ""):
            if name and re.match(rf"{re.escape(name)}(\s|$)", stripped, re.I):
                return " ".join(stripped[len(name) :].split())
    return " ".join(text.split())


def mentions_bot(message: dict, bot_id: str) -> bool:
    return any(same_person(p, bot_id) for p in message.get("mentionedPeople") or [])


def mark_people(text: str, message: dict, bot_id: str) -> str:
    """Each @mention of a person other than the bot becomes one word, `@<personId>`, so a command
    can take a person as an argument whatever their display name (`/trends @Alice Smith`)."""
    for found in MENTION.finditer(message.get("html") or ""):
        person_id = _mentioned_id(found.group("attrs"))
        if not person_id or same_person(person_id, bot_id):
            continue
        name = " ".join(html_to_text(found.group("name")).split())
        if name and name in text:
            text = text.replace(name, f"@{person_id}", 1)
    return text
