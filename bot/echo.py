"""Showing a person's own words back to them, safely.

Whatever a person typed (a command word, an argument, a meeting title, a display name) is echoed
either as an inline code span, where markdown does not render, or escaped; both are cut short so
a reply built around them stays far under Webex's message limit. `fit` is the last guard on the
whole reply.

Standalone on purpose: the web process (OAuth pages) uses it and must not load the chart code
in bot.quality, whose cards keep their own escaping for card text."""

from __future__ import annotations

import re

MARKDOWN_LIMIT = 7439  # bytes: Webex refuses longer message text
MAX_ECHO = 60  # characters: enough to recognise what one typed, never a wall of text
MARKUP = re.compile(r"([\\`*_\[\]<>#|~])")


def _short(value: object, limit: int) -> str:
    text = " ".join(str(value).split())  # no newlines: an echo never starts a markdown block
    return text if len(text) <= limit else text[: limit - 1] + "…"


def code(value: object, limit: int = MAX_ECHO) -> str:
    """An inline code span around the typed text. A backtick would close the span and let the
    rest render, so it becomes a quote mark; a span never ends in a backslash either."""
    text = _short(value, limit).replace("`", "'").rstrip("\\") or " "
    return f"`{text}`"


def plain(value: object, limit: int = 200) -> str:
    """Typed text in running markdown (bold titles, names): every markdown character escaped."""
    return MARKUP.sub(r"\\\1", _short(value, limit))


def fit(markdown: str | None, limit: int = MARKDOWN_LIMIT) -> str | None:
    """The whole reply within Webex's limit, cut at a line boundary (or mid-line for one huge
    line) with a note saying so."""
    if markdown is None or len(markdown.encode()) <= limit:
        return markdown
    note = "\n… (cut: too long for one Webex message)"
    room = limit - len(note.encode())
    head = markdown.encode()[:room].decode(errors="ignore")
    if "\n" in head:
        head = head.rsplit("\n", 1)[0]
    return head + note
