"""What an alert says (contract §10): the space's card, the host's 1:1 summary and each poor
participant's own 1:1. Pure functions of plain data: Adaptive Card 1.3 plus a markdown fallback
of at most 7439 bytes. A participant's message names no other participant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.alerts.rules import TIPS, PoorParticipant
from bot.quality.cards import Card, card, cut_markdown, facts, md_escape, text
from bot.quality.samples import parse_time, zone

MAX_LISTED = 25  # participants named in a card; the rest are counted


@dataclass(frozen=True)
class Message:
    markdown: str
    card: Card | None

    def as_dict(self) -> dict:
        return {"markdown": self.markdown, "card": self.card}


def _n(count: float, word: str) -> str:
    """`participant`/`participants` by count: a newcomer reads words, not `participant(s)`."""
    return word if count == 1 else word + "s"


def time_span(meeting: dict, tz: str) -> str:
    """`Tue 01 Dec 2026, 14:00–14:45 (Europe/Paris)`: local start–end with the zone."""
    start, end = parse_time(meeting.get("start")), parse_time(meeting.get("end"))
    where = zone(tz)
    name = tz or "UTC"
    if start is None:
        return f"time unknown ({name})"
    s = start.astimezone(where)
    first = s.strftime("%a %d %b %Y, %H:%M")
    if end is None:
        return f"{first} ({name})"
    e = end.astimezone(where)
    last = e.strftime("%H:%M") if e.date() == s.date() else e.strftime("%a %d %b %Y, %H:%M")
    return f"{first}–{last} ({name})"


def host_label(meeting: dict) -> str:
    name = meeting.get("hostDisplayName") or ""
    email = meeting.get("hostEmail") or ""
    if name and email:
        return f"{name} ({email})"
    return name or email or "unknown"


def _title(meeting: dict) -> str:
    return str(meeting.get("title") or "Untitled meeting")


def _where(pp: PoorParticipant) -> str:
    """`received (audio in, video in)`: the direction in words, then the poor streams (a
    metric cause such as "loss (audio in)" names them already)."""
    if " (" in pp.cause:
        return pp.direction
    if not pp.streams:
        return pp.direction
    streams = ", ".join(pp.streams)
    return f"{pp.direction} ({streams})" if pp.direction else streams


def _line(pp: PoorParticipant) -> str:
    return f"{pp.cause} · {_where(pp)} · {pp.poor_minutes} poor min"


def _show_quality(meeting_id: str) -> dict:
    return {
        "type": "Action.Submit",
        "title": "Show quality",
        "data": {"command": "quality", "meetingId": meeting_id},
    }


def alert_message(
    meeting: dict, poor: list[PoorParticipant], participants: int, tz: str, intro: str = ""
) -> Message:
    """The card posted to each `/alerts on` space (and, with an intro, to the host)."""
    meeting_id = str(meeting.get("id", ""))
    title, span, host = _title(meeting), time_span(meeting, tz), host_label(meeting)
    listed, hidden = poor[:MAX_LISTED], max(0, len(poor) - MAX_LISTED)
    body: list[dict[str, Any]] = []
    if intro:
        body.append(text(intro))
    body += [
        text("Poor meeting quality", weight="Bolder", size="Medium", color="Attention"),
        text(title, weight="Bolder"),
        facts(
            [
                ("Host", host),
                ("When", span),
                ("Poor", f"{len(poor)} of {participants} {_n(participants, 'participant')}"),
            ]
        ),
        facts([(pp.name, _line(pp)) for pp in listed]),
    ]
    if hidden:
        body.append(text(f"… and {hidden} more poor {_n(hidden, 'participant')}.", isSubtle=True))
    lines = []
    if intro:
        lines += [intro, ""]
    lines += [
        f"**Poor meeting quality: {md_escape(title)}**",
        f"Host: {md_escape(host)} · {md_escape(span)}",
        f"{len(poor)} of {participants} {_n(participants, 'participant')} had poor quality:",
    ]
    lines += [f"- **{md_escape(pp.name)}** — {md_escape(_line(pp))}" for pp in listed]
    if hidden:
        lines.append(f"- … and {hidden} more")
    lines.append(f"Type `/quality {meeting_id}` for the chart.")
    markdown = cut_markdown("\n".join(lines))
    return Message(markdown, card(body, [_show_quality(meeting_id)]))


def host_message(
    meeting: dict,
    poor: list[PoorParticipant],
    participants: int,
    tz: str,
    own: PoorParticipant | None = None,
) -> Message:
    """The host's one 1:1: the same summary; when the host suffered too, their own tip."""
    intro = "A meeting you hosted had poor quality."
    if own is not None:
        intro += f" Your own connection too: **{own.cause}**. Tip: {own.tip}"
    return alert_message(meeting, poor, participants, tz, intro=intro)


def _own_cause(pp: PoorParticipant) -> tuple[str, str]:
    """(cause, tip) for the participant's own message: "from NAME" names someone else, so it
    becomes "another participant's connection", with a tip that names no one either."""
    if pp.cause.startswith("from "):
        return (
            "another participant's connection (what you received from them was poor)",
            TIPS["from"],
        )
    return pp.cause, pp.tip


def participant_message(meeting: dict, pp: PoorParticipant, tz: str) -> Message:
    """One poor participant's 1:1: their own cause and one concrete tip, no one else's name."""
    meeting_id = str(meeting.get("id", ""))
    title, span = _title(meeting), time_span(meeting, tz)
    cause, tip = _own_cause(pp)
    what = f"what you {pp.direction}" if pp.direction else "your media"
    heading = f"Your quality was poor in {title}"
    streams = ", ".join(pp.streams) or "media"
    summary = f"For {pp.poor_minutes} {_n(pp.poor_minutes, 'minute')} {what} was poor ({streams})."
    body = [
        text(heading, weight="Bolder", size="Medium"),
        text(span, isSubtle=True),
        text(summary),
        facts([("Most likely cause", cause), ("Tip", tip)]),
    ]
    markdown = cut_markdown(
        "\n".join(
            [
                f"**Your quality was poor in {md_escape(title)}** — {md_escape(span)}",
                md_escape(summary),
                f"Most likely cause: **{md_escape(cause)}**",
                f"Tip: {md_escape(tip)}",
                "Type `/notify off` to stop these messages.",
            ]
        )
    )
    return Message(markdown, card(body, [_show_quality(meeting_id)]))
