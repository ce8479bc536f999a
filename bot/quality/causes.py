"""The most likely cause of each fair or poor participant, with a tip in plain words (CONTRACT §11).

Pure: participant reports in, participant reports (with cause, tip and notes) out. The order of
the rules is the contract's: sender attribution, TCP, CPU, upload, Wi-Fi / mobile data, and else
the metric and direction that made the verdict.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any

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
    outgoing minutes of the same channel and at least one other receiver saw the same.

    Per channel, all receivers against all senders at once (minute masks as matrices), so a
    1,000-person meeting costs a few matrix products rather than a billion comparisons."""
    best: dict[str, tuple[float, str]] = {}
    for channel in CHANNELS:
        rxs = [p for p in people if p.verdict in ("fair", "poor")
               and (st := p.streams.get(f"{channel} in")) is not None
               and st.verdict == p.verdict and f"{channel} in" in p.stream_minutes]
        txs = [p for p in people if (st := p.streams.get(f"{channel} out")) is not None
               and st.verdict in ("fair", "poor") and f"{channel} out" in p.stream_minutes]
        if not rxs or not txs:
            continue
        sent = np.stack([t.stream_minutes[f"{channel} out"] for t in txs])
        got = np.stack([r.stream_minutes[f"{channel} in"] for r in rxs])
        level = np.array([_level(r) for r in rxs])[:, None]
        bad_in = got >= level
        # Minutes in which the receiver's own upload was bad too point at the receiver's own
        # link, not at the sender: they never count for the sender.
        own = np.stack([r.stream_minutes.get(f"{channel} out", np.full(got.shape[1], -1))
                        for r in rxs])
        hit = (bad_in & (own < level)).astype(float)
        present = (got > 0).astype(float)
        n = bad_in.sum(axis=1)[:, None].astype(float)
        both = np.zeros((len(rxs), len(txs)))
        sent_bad = np.zeros_like(both)
        for lv in (2, 3):  # a fair receiver is matched with fair-or-worse sent minutes
            rows = level[:, 0] == lv
            if rows.any():
                s_lv = (sent >= lv).astype(float).T
                both[rows] = hit[rows] @ s_lv
                sent_bad[rows] = present[rows] @ s_lv
        with np.errstate(divide="ignore", invalid="ignore"):
            # Both ways: a sender bad all meeting long coincides with anyone's bad minute, so
            # the receiver must also have suffered through most of the sender's bad minutes.
            share = np.where((sent_bad > 0) & (both / sent_bad >= th.sender_overlap),
                             both / n, 0.0)
        share = np.nan_to_num(share)
        same = np.array([r.key for r in rxs])[:, None] == np.array([t.key for t in txs])[None, :]
        share[same] = 0.0  # nobody is their own sender
        ok = share >= th.sender_overlap
        confirmed = ok & (ok.sum(axis=0) >= 2)[None, :]  # at least one other receiver agrees
        for i, r in enumerate(rxs):
            if confirmed[i].any():
                j = int(np.argmax(np.where(confirmed[i], share[i], -1.0)))
                if r.key not in best or share[i, j] > best[r.key][0]:
                    best[r.key] = (float(share[i, j]), txs[j].key)
    return {rx: tx for rx, (_, tx) in best.items()}


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


def _majority(values: list[Any]) -> tuple[Any, int] | None:
    """The value more than half of them share, and how many do."""
    if not values:
        return None
    common, count = Counter(values).most_common(1)[0]
    return (common, count) if count * 2 > len(values) else None


def notes_for(p: ParticipantReport, th: Thresholds,
              versions: tuple[tuple[int, int], int] | None = None,
              regions: tuple[str, int] | None = None) -> list[str]:
    """Extra hints beside the cause, only for fair or poor participants and only when telling.
    `versions` and `regions`: the meeting's majority client version and server country."""
    if p.verdict not in ("fair", "poor"):
        return []
    out = []
    mine = _version(str(p.info.get("clientVersion") or ""))
    if mine and versions:
        common = versions[0]
        behind = (common[0] - mine[0]) * 100 + common[1] - mine[1]
        if behind >= th.versions_behind:
            out.append(f"app version {mine[0]}.{mine[1]} is well behind most others "
                       f"({common[0]}.{common[1]}): update it")
    try:
        join_s = float(p.info.get("joinMeetingTime") or 0)
    except (TypeError, ValueError):
        join_s = 0.0
    if join_s > th.long_join_s:
        out.append(f"took {join_s:.0f} s to join")
    if regions and p.region and "/" not in p.region and _place(p.region) != regions[0]:
        out.append(f"connected through a media server in {p.region}, far from most others")
    return out


def assign_causes(people: list[ParticipantReport], th: Thresholds) -> list[ParticipantReport]:
    """The same participants (same order) with cause, tip and notes set."""
    blamed = _sender_blame(people, th)
    names = {p.key: p.name for p in people}
    senders = set(blamed.values())
    found = [v for o in people if (v := _version(str(o.info.get("clientVersion") or "")))]
    places = [_place(o.region) for o in people if o.region and "/" not in o.region]
    versions = _majority(found) if len(found) >= 3 else None
    regions = _majority(places) if len(places) >= 3 else None
    out = []
    for p in people:
        # A sender others blame had a bad upload, whatever they received themselves.
        sender = None if p.key in senders else names.get(blamed.get(p.key, ""))
        cause = cause_of(p, th, sender, p.key in senders)
        out.append(replace(p, cause=cause, tip=tip_for(cause) if cause else "",
                           notes=tuple(notes_for(p, th, versions, regions))))
    return out
