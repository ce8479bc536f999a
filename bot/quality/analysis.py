"""Meeting quality analysis: pure functions from Webex qualities items to a MeetingReport."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .causes import assign_causes
from .mos import estimate_mos
from .participants import ParticipantReport, StreamReport, build_participant
from .samples import CHANNELS, CLASS_RANK, NO_DATA, POOR, Session, item_sessions, parse_time
from .thresholds import DEFAULT_THRESHOLDS, Thresholds

__all__ = [
    "MeetingReport",
    "ParticipantReport",
    "StreamReport",
    "analyze_meeting",
    "estimate_mos",
    "report_rows",
]

VERDICT_RANK = CLASS_RANK  # "no data" < "good" < "fair" < "poor"
BREAKDOWN_FIELDS = {
    "networkType": "network",
    "clientType": "client",
    "osType": "os",
    "serverRegion": "region",
}


@dataclass(frozen=True, eq=False)
class MeetingReport:
    meeting_id: str
    title: str
    start: datetime | None  # from the meeting when given, else the first sample
    end: datetime | None
    duration_minutes: float
    participants: list[ParticipantReport]  # worst first
    verdict: str  # good | fair | poor | no data
    poor_minutes_share: dict[str, float]  # "audio in" -> share of participant-minutes poor
    poor_stream_rate: float  # poor streams / streams with data
    mos_median: float | None  # estimated, audio only
    mos_p10: float | None
    coverage: float  # share of metric samples present (not -1)
    breakdowns: dict[str, dict[str, float]]  # "networkType" -> {"wifi": share of minutes poor}
    minutes_by_channel: dict[str, int]  # participant-minutes per channel
    thresholds: Thresholds
    timeline_start: datetime | None  # minute 0 of every participant's `minutes`
    n_minutes: int
    timezone: str | None = None  # the meeting's own zone when Webex gave one
    host: str = ""
    minutes_by_class: dict[str, int] = field(default_factory=dict)  # participant-minutes

    @property
    def participant_count(self) -> int:
        return len(self.participants)

    @property
    def poor_share(self) -> float | None:
        """Poor participant-minutes over participant-minutes with data (None: no data)."""
        with_data = sum(v for k, v in self.minutes_by_class.items() if k != "no data")
        return self.minutes_by_class.get("poor", 0) / with_data if with_data else None

    def worst(self, n: int = 5) -> list[ParticipantReport]:
        """The n worst participants that are not good (worst first)."""
        return [p for p in self.participants if p.verdict in ("poor", "fair")][:n]


def _group_items(items: list[dict]) -> list[tuple[str, list[dict]]]:
    """One group per person: items sharing an email or a participantId (rejoins, a second
    device) are merged, transitively, so an item linking two groups joins them."""
    parent: dict[str, str] = {}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    keyed: list[tuple[str, dict]] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        email = str(item.get("webexUserEmail") or "").strip().lower()
        pid = str(item.get("participantId") or "").strip()
        keys = [k for k in (f"email:{email}" if email else "", f"id:{pid}" if pid else "") if k]
        if not keys:
            fallback = item.get("participantSessionId") or item.get("webexUserName") or n
            keys = [f"other:{fallback}"]
        for k in keys:
            parent.setdefault(k, k)
        a, b = root(keys[0]), root(keys[-1])
        if a != b:
            parent[b] = a
        keyed.append((keys[0], item))
    groups: dict[str, tuple[str, list[dict]]] = {}
    for key, item in keyed:
        # Named by the first key seen in the group: stable in item order.
        groups.setdefault(root(key), (key.split(":", 1)[1], []))[1].append(item)
    return list(groups.values())


def _sort_key(p: ParticipantReport) -> tuple:
    return (
        -VERDICT_RANK[p.verdict],
        -p.poor_share,
        -(p.p95_loss or 0.0),
        -(p.p95_latency or 0.0),
        -(p.p95_jitter or 0.0),
        p.name.lower(),
    )


def analyze_meeting(
    items: list[dict],
    meeting: dict | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> MeetingReport:
    meeting = meeting or {}
    groups = _group_items(items or [])
    sessions = {key: [s for i in grp for s in item_sessions(i, thresholds)] for key, grp in groups}
    all_sessions = [s for ss in sessions.values() for s in ss]

    m_start, m_end = parse_time(meeting.get("start")), parse_time(meeting.get("end"))
    edges = [s.start for s in all_sessions] + [s.end for s in all_sessions]
    edges += [t.timestamp() for t in (m_start, m_end) if t]
    origin = min(edges) if edges else 0.0
    n_minutes = math.ceil((max(edges) - origin) / 60) if edges else 0

    participants: list[ParticipantReport] = []
    minute_arrays: dict[str, list[tuple[Session, np.ndarray]]] = {}
    for key, grp in groups:
        report, mins = build_participant(
            key, grp, sessions[key], origin, n_minutes, m_start, m_end, thresholds
        )
        participants.append(report)
        minute_arrays[key] = mins
    participants = assign_causes(participants, thresholds)
    participants.sort(key=_sort_key)

    start = m_start or (datetime.fromtimestamp(origin, UTC) if edges else None)
    end = m_end or (datetime.fromtimestamp(max(edges), UTC) if edges else None)
    duration = (end - start).total_seconds() / 60 if start and end else 0.0

    # Session minute arrays are merged per participant first, so overlapping rejoins are not
    # counted twice.
    stream_minutes: dict[str, list[np.ndarray]] = {}
    channel_minutes: dict[str, int] = dict.fromkeys(CHANNELS, 0)
    for mins in minute_arrays.values():
        merged = _merge(mins, lambda s: f"{s.channel} {s.direction}")
        for name, arr in merged.items():
            stream_minutes.setdefault(name, []).append(arr)
        for channel, arr in _merge(mins, lambda s: s.channel).items():
            channel_minutes[channel] += int(np.count_nonzero(arr >= NO_DATA))
    poor_minutes_share = {}
    for name in sorted(stream_minutes):
        arr = np.concatenate(stream_minutes[name])
        with_data = np.count_nonzero(arr > NO_DATA)
        poor_minutes_share[name] = (
            float(np.count_nonzero(arr == POOR) / with_data) if with_data else 0.0
        )

    streams = [st for p in participants for st in p.streams.values() if st.present]
    poor_stream_rate = (
        sum(st.verdict == "poor" for st in streams) / len(streams) if streams else 0.0
    )
    mos = np.concatenate([s.values["MOS"] for s in all_sessions if "MOS" in s.values] or
                         [np.zeros(0)])
    mos = mos[~np.isnan(mos)]
    core = [s.values[m] for s in all_sessions for m in ("latency", "jitter", "loss")]
    total = sum(v.size for v in core)
    present = sum(int(np.count_nonzero(~np.isnan(v))) for v in core)

    timelines = [p.minute_classes for p in participants]
    flat = np.concatenate(timelines) if timelines else np.zeros(0, np.int8)
    by_class = {name: int(np.count_nonzero(flat == code))
                for name, code in (("good", 1), ("fair", 2), ("poor", 3), ("no data", 0))}

    verdict = max((p.verdict for p in participants), key=VERDICT_RANK.__getitem__,
                  default="no data")
    return MeetingReport(
        meeting_id=str(meeting.get("id") or _first(items, "meetingInstanceId") or ""),
        title=str(meeting.get("title") or "Untitled meeting"),
        start=start,
        end=end,
        duration_minutes=round(duration, 1),
        participants=participants,
        verdict=verdict,
        poor_minutes_share=poor_minutes_share,
        poor_stream_rate=poor_stream_rate,
        mos_median=float(np.median(mos)) if mos.size else None,
        mos_p10=float(np.percentile(mos, 10)) if mos.size else None,
        coverage=present / total if total else 0.0,
        breakdowns=_breakdowns(participants, minute_arrays),
        minutes_by_channel=channel_minutes,
        thresholds=thresholds,
        timeline_start=datetime.fromtimestamp(origin, UTC) if edges else None,
        n_minutes=n_minutes,
        timezone=meeting.get("timezone") or None,
        host=str(meeting.get("hostDisplayName") or ""),
        minutes_by_class=by_class,
    )


def _merge(mins: list[tuple[Session, np.ndarray]], key: Any) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for s, arr in mins:
        name = key(s)
        out[name] = np.maximum(out[name], arr) if name in out else arr
    return out


def _share(arrs: list[np.ndarray]) -> float | None:
    flat = np.concatenate(arrs)
    with_data = np.count_nonzero(flat > NO_DATA)
    return float(np.count_nonzero(flat == POOR) / with_data) if with_data else None


def _breakdowns(
    participants: list[ParticipantReport],
    minute_arrays: dict[str, list[tuple[Session, np.ndarray]]],
) -> dict[str, dict[str, float]]:
    """Share of poor minutes per value of each attribute; values without data are left out."""
    out: dict[str, dict[str, float]] = {}
    for field_name, attr in BREAKDOWN_FIELDS.items():
        groups: dict[str, list[np.ndarray]] = {}
        for p in participants:
            value = getattr(p, attr) or "unknown"
            if attr == "client":
                value = str(p.info.get("clientType") or value.split(" ")[0] or "unknown")
            groups.setdefault(value, []).append(p.minute_classes)
        out[field_name] = _clean(groups)
    transports: dict[str, list[np.ndarray]] = {}
    for mins in minute_arrays.values():
        for s, arr in mins:
            transports.setdefault(s.transport, []).append(arr)
    out["transportType"] = _clean(transports)
    return out


def _clean(groups: dict[str, list[np.ndarray]]) -> dict[str, float]:
    shares = {k: _share(v) for k, v in sorted(groups.items())}
    return {k: v for k, v in shares.items() if v is not None}


def _first(items: list[dict], key: str) -> Any:
    return next((i.get(key) for i in items or [] if isinstance(i, dict) and i.get(key)), None)


def report_rows(report: MeetingReport) -> list[dict[str, Any]]:
    """One flat row per participant (worst first), for CSV export."""

    def num(v: float | None, digits: int = 1) -> float | None:
        return None if v is None else round(v, digits)

    rows = []
    for rank, p in enumerate(report.participants, 1):
        rows.append({
            "rank": rank,
            "name": p.name,
            "email": p.email,
            "verdict": p.verdict,
            "cause": p.cause,
            "tip": p.tip,
            "poor_due_to": "; ".join(p.poor_due_to),
            "fair_due_to": "; ".join(p.fair_due_to),
            "poor_minutes_pct": round(100 * p.poor_share, 1),
            "poor_minutes": p.poor_minutes,
            "minutes_with_data": p.data_minutes,
            "minutes_present": p.present_minutes,
            "p95_latency_ms": num(p.p95_latency),
            "p95_jitter_ms": num(p.p95_jitter),
            "p95_loss_pct": num(p.p95_loss, 2),
            "mos_median_estimated": num(p.mos_median, 2),
            "network": p.network,
            "client": p.client,
            "os": p.os,
            "region": p.region,
            "notes": "; ".join(p.notes),
            "transport": p.transport,
            "audio_only": p.audio_only,
            "joined_late_min": round(p.joined_late_minutes, 1),
            "left_early_min": round(p.left_early_minutes, 1),
            "coverage_pct": round(100 * p.coverage, 1),
            "join": p.join.isoformat() if p.join else "",
            "leave": p.leave.isoformat() if p.leave else "",
        })
    return rows
