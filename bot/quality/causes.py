"""The most likely cause of each fair or poor participant, with a tip in plain words (CONTRACT §11).

Pure: participant reports in, participant reports (with cause, tip and notes) out. The order of
the rules is the contract's: sender attribution, TCP, CPU, upload, Wi-Fi / mobile data, and else
the metric and direction that made the verdict.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

import numpy as np

from .participants import ParticipantReport
from .samples import CHANNELS, CLASS_RANK
from .thresholds import Thresholds

TIPS = {
    "from": "The trouble came from {name}'s connection, not yours: {name} should try a cable or "
            "a better network.",
    "upload": "Others heard or saw you badly because your upload was weak: use a cable, pause "
              "big uploads or cloud backups, or turn your camera off.",
    "TCP": "Your network blocks the fast route calls need (UDP), often a firewall, proxy or VPN: "
           "ask IT to allow Webex media, or join without the VPN.",
    "CPU": "Your computer was overloaded: close other programs and browser tabs, and turn off "
           "background effects.",
    "Wi-Fi": "Move closer to the Wi-Fi access point, or use a network cable.",
    "mobile data": "The mobile signal was weak: join over Wi-Fi or a cable, or move to a spot "
                   "with better reception.",
    "loss": "Parts of the sound or picture were lost on the way: use a cable instead of Wi-Fi "
            "and avoid busy networks.",
    "latency": "The delay was long: use a wired connection and join without a VPN if you can.",
    "jitter": "The connection was uneven: stop other downloads and streams, or use a cable.",
    "estimated MOS": "Several small network problems added up: use a cable and close other "
                     "apps that use the network.",
    "frame rate": "The video was choppy: turn your camera off or use a faster connection.",
}
NETWORK_CAUSE = {"cellular": "mobile data", "wifi": "Wi-Fi"}


def tip_for(cause: str) -> str:
    """The tip that goes with a cause word (metric causes by their metric)."""
    if cause.startswith("from "):
        return TIPS["from"].format(name=cause[5:])
    if cause in TIPS:
        return TIPS[cause]
    metric = cause.rpartition(" (")[0] or cause
    return TIPS.get(metric, "")


def _level(p: ParticipantReport) -> int:
    return CLASS_RANK[p.verdict]


def _bad_streams(p: ParticipantReport) -> list[str]:
    """The streams as bad as the participant's verdict: what the verdict is made of."""
    return [name for name, st in p.streams.items() if st.verdict == p.verdict]


def _sender_blame(people: list[ParticipantReport], th: Thresholds) -> dict[str, str]:
    """receiver key -> sender key, when a receiver's bad incoming minutes match a sender's bad
    outgoing minutes of the same channel and at least one other receiver saw the same."""

    def overlap(rx: ParticipantReport, tx: ParticipantReport, channel: str) -> float:
        got = rx.stream_minutes.get(f"{channel} in")
        sent = tx.stream_minutes.get(f"{channel} out")
        if got is None or sent is None or rx.streams[f"{channel} in"].verdict != rx.verdict:
            return 0.0
        level = _level(rx)
        bad_in = got >= level
        n = int(np.count_nonzero(bad_in))
        # Minutes in which the receiver's own upload was bad too point at the receiver's own
        # link, not at the sender: they never count for the sender.
        own = rx.stream_minutes.get(f"{channel} out")
        own_ok = own < level if own is not None else np.ones(len(got), bool)
        both = int(np.count_nonzero(bad_in & own_ok & (sent >= level)))
        # Both ways: a sender bad all meeting long coincides with anyone's bad minute, so the
        # receiver must also have suffered through most of the sender's bad minutes it was in.
        sent_bad = int(np.count_nonzero((sent >= level) & (got > 0)))
        if not n or not sent_bad or both / sent_bad < th.sender_overlap:
            return 0.0
        return both / n

    senders = [p for p in people if any(
        (st := p.streams.get(f"{c} out")) is not None and st.verdict in ("fair", "poor")
        for c in CHANNELS)]
    blamed: dict[str, str] = {}
    for rx in people:
        if rx.verdict not in ("fair", "poor"):
            continue
        best: tuple[float, str] | None = None
        for tx in senders:
            if tx.key == rx.key:
                continue
            for channel in CHANNELS:
                share = overlap(rx, tx, channel)
                if share < th.sender_overlap:
                    continue
                others = [o for o in people if o.key not in (rx.key, tx.key)
                          and o.verdict in ("fair", "poor")
                          and overlap(o, tx, channel) >= th.sender_overlap]
                if others and (best is None or share > best[0]):
                    best = (share, tx.key)
        if best:
            blamed[rx.key] = best[1]
    return blamed


def _cpu(p: ParticipantReport, th: Thresholds) -> bool:
    """High CPU in at least a fifth of the bad minutes (§11). Two guards against chance: at
    least cpu_min_minutes such minutes, and high CPU clearly more common in bad minutes than in
    the participant's other minutes with data (a machine pegged all along also passes)."""
    n_min = min(len(p.minute_classes), len(p.cpu_max))
    if not n_min:
        return False
    classes = p.minute_classes[:n_min]
    bad = classes >= _level(p)
    other = (classes > 0) & ~bad
    high = np.nan_to_num(p.cpu_max[:n_min], nan=0.0) >= th.cpu_high_pct
    n_bad, hits = int(np.count_nonzero(bad)), int(np.count_nonzero(high & bad))
    if not n_bad or hits < min(th.cpu_min_minutes, n_bad) or hits < th.cpu_minutes_share * n_bad:
        return False
    n_other = int(np.count_nonzero(other))
    base = np.count_nonzero(high & other) / n_other if n_other else 0.0
    # Overloaded all along, or clearly more often while it was bad (by another fifth).
    return base >= th.cpu_minutes_share or hits / n_bad >= base + th.cpu_minutes_share


def _network(p: ParticipantReport) -> str:
    kinds = [k.strip().lower() for k in p.network.split("/")]
    for kind in ("cellular", "wifi"):  # a phone hotspot explains more than the Wi-Fi to it
        if kind in kinds:
            return NETWORK_CAUSE[kind]
    return ""


def cause_of(p: ParticipantReport, th: Thresholds, sender: str | None = None,
             is_sender: bool = False) -> str:
    """The §11 cause word for one participant ("" when good or without data)."""
    if p.verdict not in ("fair", "poor"):
        return ""
    if sender:
        return f"from {sender}"
    if is_sender:
        return "upload"
    if p.transport == "TCP":
        return "TCP"
    if _cpu(p, th):
        return "CPU"
    bad = _bad_streams(p)
    if bad and all(name.endswith(" out") for name in bad):
        return "upload"
    if network := _network(p):
        return network
    due = p.poor_due_to if p.verdict == "poor" else p.fair_due_to
    return due[0] if due else ""


def _version(text: str) -> tuple[int, int] | None:
    m = re.search(r"(\d+)\.(\d+)", text or "")
    return (int(m[1]), int(m[2])) if m else None


def _place(region: str) -> str:
    """"Frankfurt, Germany" -> "germany": regions are compared by country."""
    return region.rpartition(",")[2].strip().lower()


def notes_for(p: ParticipantReport, people: list[ParticipantReport], th: Thresholds) -> list[str]:
    """Extra hints beside the cause, only for fair or poor participants and only when telling."""
    if p.verdict not in ("fair", "poor"):
        return []
    out = []
    versions = [v for o in people if (v := _version(str(o.info.get("clientVersion") or "")))]
    mine = _version(str(p.info.get("clientVersion") or ""))
    if mine and len(versions) >= 3:
        common, count = Counter(versions).most_common(1)[0]
        behind = (common[0] - mine[0]) * 100 + common[1] - mine[1]
        if count * 2 > len(versions) and behind >= th.versions_behind:
            out.append(f"app version {mine[0]}.{mine[1]} is well behind most others "
                       f"({common[0]}.{common[1]}): update it")
    try:
        join_s = float(p.info.get("joinMeetingTime") or 0)
    except (TypeError, ValueError):
        join_s = 0.0
    if join_s > th.long_join_s:
        out.append(f"took {join_s:.0f} s to join")
    regions = [_place(o.region) for o in people if o.region and "/" not in o.region]
    if p.region and "/" not in p.region and len(regions) >= 3:
        common, count = Counter(regions).most_common(1)[0]
        if count * 2 > len(regions) and _place(p.region) != common:
            out.append(f"connected through a media server in {p.region}, far from most others")
    return out


def assign_causes(people: list[ParticipantReport], th: Thresholds) -> list[ParticipantReport]:
    """The same participants (same order) with cause, tip and notes set."""
    blamed = _sender_blame(people, th)
    names = {p.key: p.name for p in people}
    senders = set(blamed.values())
    out = []
    for p in people:
        # A sender others blame had a bad upload, whatever they received themselves.
        sender = None if p.key in senders else names.get(blamed.get(p.key, ""))
        cause = cause_of(p, th, sender, p.key in senders)
        out.append(replace(p, cause=cause, tip=tip_for(cause) if cause else "",
                           notes=tuple(notes_for(p, people, th))))
    return out
