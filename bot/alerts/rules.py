"""Pure rules of alerts (contract §10, §11): who was poor, why, in which direction, what to do,
when a meeting is due, how long to back off. No I/O, no storage, no Webex."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.quality.analysis import MeetingReport
from bot.quality.participants import ParticipantReport, compact_reasons
from bot.quality.samples import parse_time

# One plain-words tip per cause word of §11: the participant-facing wording ("from" never names
# the sender), and the tip when the analysis carries none.
TIPS = {
    "upload": "Your connection could not send your audio and video well enough: close uploads, "
    "cloud sync and other video calls, or move closer to the router or use a cable.",
    "TCP": "Your media went over TCP because a firewall, proxy or VPN blocks UDP: leave the VPN "
    "for meetings or ask IT to open UDP to Webex.",
    "CPU": "Your computer was overloaded: close other heavy apps and browser tabs, and plug in "
    "the power cable before the next meeting.",
    "Wi-Fi": "Your Wi-Fi was unstable: move closer to the access point or use a network cable.",
    "mobile data": "Mobile data was unstable: join from Wi-Fi or a cable when you can, or turn "
    "your video off when the signal is weak.",
    "from": "Nothing to fix on your side: what you received was poor because another "
    "participant's connection was.",
    "other": "Join from a wired or stable network and close other apps that use the network.",
}
DIRECTION_WORDS = {"in": "received", "out": "sent"}


@dataclass(frozen=True)
class PoorParticipant:
    """One participant worth alerting about, with everything the messages need."""

    name: str
    email: str  # lower case; "" when the quality items had none
    cause: str  # the §11 word ("Wi-Fi", "from Ann", "loss (audio in)")
    direction: str  # "received", "sent" or "received and sent"
    streams: tuple[str, ...]  # poor streams, e.g. ("audio in", "video in")
    poor_minutes: int
    tip: str
    network: str


def _directions(p: ParticipantReport) -> tuple[str, tuple[str, ...]]:
    poor = tuple(name for name, s in sorted(p.streams.items()) if s.verdict == "poor")
    dirs = [d for d in ("in", "out") if any(name.endswith(" " + d) for name in poor)]
    return " and ".join(DIRECTION_WORDS[d] for d in dirs), poor


def cause_of(p: ParticipantReport) -> str:
    """The analysis' §11 cause (bot.quality.causes); a poor participant without one is named by
    Part I's metric and direction."""
    return p.cause or compact_reasons(list(p.poor_due_to)) or "poor quality"


def tip_key(cause: str) -> str:
    if cause.startswith("from "):
        return "from"
    return cause if cause in TIPS else "other"


def tip_of(p: ParticipantReport, cause: str) -> str:
    if cause.startswith("from "):
        # The analysis' own tip may name the sender; a participant's message never names others.
        return TIPS["from"]
    return p.tip or TIPS[tip_key(cause)]


def poor_participants(report: MeetingReport, min_poor_minutes: int) -> list[PoorParticipant]:
    """Participants whose verdict is poor with at least `min_poor_minutes` poor minutes,
    worst first. An empty list means the meeting stays silent."""
    out = []
    for p in report.participants:
        if p.verdict != "poor" or p.poor_minutes < max(1, min_poor_minutes):
            continue
        direction, streams = _directions(p)
        cause = cause_of(p)
        out.append(
            PoorParticipant(
                name=p.name or p.email or "a participant",
                email=(p.email or "").split("/")[0].strip().lower(),
                cause=cause,
                direction=direction,
                streams=streams,
                poor_minutes=int(p.poor_minutes),
                tip=tip_of(p, cause),
                network=p.network,
            )
        )
    return sorted(out, key=lambda pp: -pp.poor_minutes)


def ended_at(meeting: dict) -> datetime | None:
    return parse_time(meeting.get("end"))


def due_at(meeting: dict, seen: datetime, delay: int) -> datetime:
    """`end + ALERT_DELAY`; a meeting without an end counts from when it was seen."""
    end = ended_at(meeting)
    return (end or seen) + timedelta(seconds=delay)


BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(minutes=30)
GIVE_UP_AFTER = timedelta(hours=6)  # after its due time; recorded as failed, shown by doctor


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … 30 minutes between tries after Webex trouble."""
    return min(BACKOFF_MAX, BACKOFF_START * 2 ** max(0, attempts - 1))


def give_up(first_due: datetime, now: datetime) -> bool:
    return now - first_due > GIVE_UP_AFTER


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower() if "@" in email else ""
