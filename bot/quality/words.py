"""Plain words shared by cards and charts, so both say the same thing the same way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

import numpy as np

from .participants import ParticipantReport
from .samples import CLASS_RANK, FAIR, POOR

NETWORK_WORDS = {"wifi": "Wi-Fi", "cellular": "mobile data", "ethernet": "ethernet",
                 "unknown": "unknown network"}
PHONE = re.compile(r"phone|pstn|dial|telephon", re.IGNORECASE)


def pct(share: float | None) -> str:
    """"34%", "<1%" for a sliver, "0%" for none, "n/a" without data; the same everywhere."""
    if share is None:
        return "n/a"
    return f"{share:.0%}" if share >= 0.01 or share == 0 else "<1%"


def network_kind(p: ParticipantReport) -> str:
    """The participant's network in plain words; dial-in phones are "phone", not "unknown"."""
    kinds = [k.strip().lower() for k in p.network.split("/") if k.strip()]
    known = [k for k in kinds if k != "unknown"]
    if not known and PHONE.search(p.client or str(p.info.get("clientType") or "")):
        return "phone"
    kind = known[0] if known else "unknown"
    return NETWORK_WORDS.get(kind, kind)


def network_breakdown(people: list[ParticipantReport]) -> list[tuple[str, float, int]]:
    """(network, share of the meeting's poor participant-minutes, people), biggest share first;
    every network present is listed, so nothing is hidden between two extremes."""
    poor: dict[str, int] = {}
    count: dict[str, int] = {}
    for p in people:
        kind = network_kind(p)
        poor[kind] = poor.get(kind, 0) + int(np.count_nonzero(p.minute_classes == POOR))
        count[kind] = count.get(kind, 0) + 1
    total = sum(poor.values())
    if not total:
        return []
    return sorted(((k, poor[k] / total, count[k]) for k in poor), key=lambda x: (-x[1], x[0]))


def breakdown_text(people: list[ParticipantReport]) -> str | None:
    rows = network_breakdown(people)
    if not rows:
        return None
    parts = [f"{kind} {pct(share)} ({n} {'person' if n == 1 else 'people'})"
             for kind, share, n in rows]
    return "Poor minutes by network: " + " · ".join(parts)


def cause_text(p: ParticipantReport) -> str:
    """"mobile data", "from Ana (over TCP)": the cause, and TCP whenever the media used it."""
    cause = p.cause or p.verdict
    if p.transport == "TCP" and "TCP" not in cause:
        cause += " (over TCP)"
    return cause


def bad_spells(p: ParticipantReport, level: int | None = None) -> list[tuple[int, int]]:
    """(first minute, minutes) of each run of minutes at the verdict's level or worse,
    longest first; empty for good participants."""
    level = level if level is not None else CLASS_RANK.get(p.verdict, 0)
    if level < FAIR:
        return []
    hit = np.concatenate(([0], (p.minute_classes >= level).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(hit))
    runs = [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    return sorted(runs, key=lambda r: (-r[1], r[0]))


def when_bad(p: ParticipantReport, origin: datetime | None, tz: tzinfo) -> str:
    """"11:20–11:35" (the longest bad spell) plus "and 2 more" when there are others."""
    runs = bad_spells(p)
    if not runs or origin is None:
        return ""
    first, length = runs[0]
    a = origin + timedelta(minutes=first)
    b = a + timedelta(minutes=length)
    text = f"{a.astimezone(tz):%H:%M}–{b.astimezone(tz):%H:%M}"
    return text + (f" and {len(runs) - 1} more" if len(runs) > 1 else "")


def headline(people: list[ParticipantReport], verdict: str) -> tuple[str, str]:
    """The one-line answer and its class ("poor", "fair", "good", "no data")."""
    poor = sum(p.verdict == "poor" for p in people)
    fair = sum(p.verdict == "fair" for p in people)
    if not people:
        return "No quality data for this meeting", "no data"
    if poor or fair:
        bits = [f"{poor} of {len(people)} had poor quality" if poor else "No one had poor quality"]
        return ", ".join(bits + ([f"{fair} fair"] if fair else [])), "poor" if poor else "fair"
    if verdict == "no data":
        return "No usable samples: Webex sent no metrics", "no data"
    return f"Good for all {len(people)} participants", "good"


def share_words(p: ParticipantReport) -> str:
    """"34% poor" for a poor participant, "fair 12% of minutes" for a fair one."""
    if p.verdict == "fair" and not p.poor_share and p.data_minutes:
        fair = np.count_nonzero(p.minute_classes >= FAIR) / p.data_minutes
        return f"fair {pct(fair)} of minutes"
    return f"{pct(p.poor_share)} poor"
