"""Per-participant judgement: merge rejoins, judge streams, build minute timelines."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .samples import (
    ABSENT,
    CHANNELS,
    CLASS_NAMES,
    CLASS_RANK,
    FAIR,
    NO_DATA,
    POOR,
    Session,
    parse_time,
)
from .thresholds import Thresholds

LATE_MINUTES = 5.0  # joining/leaving within this of the meeting edges counts as on time


@dataclass(frozen=True, eq=False)
class StreamReport:
    """One channel and direction of one participant, all its sessions (rejoins) merged."""

    channel: str  # audio | video | share
    direction: str  # in (received by the participant) | out (sent)
    verdict: str  # good | fair | poor | no data
    samples: int
    present: int  # samples with at least one metric
    poor_share: float  # of present samples
    fair_share: float  # fair or worse, of present samples
    poor_due_to: tuple[tuple[str, float], ...]  # (metric, share of samples poor by it)
    fair_due_to: tuple[tuple[str, float], ...]
    transports: tuple[str, ...]
    codecs: tuple[str, ...]
    times: np.ndarray  # epoch seconds, sorted; NaN values are gaps
    values: dict[str, np.ndarray]

    @property
    def name(self) -> str:
        return f"{self.channel} {self.direction}"


def judge_stream(sessions: list[Session], th: Thresholds) -> StreamReport:
    sessions = sorted(sessions, key=lambda s: s.start)
    classes = np.concatenate([s.classes for s in sessions])
    metrics = sorted({m for s in sessions for m in s.metric_classes})
    present = int(np.count_nonzero(classes > NO_DATA))
    poor = int(np.count_nonzero(classes == POOR))
    fair = int(np.count_nonzero(classes >= FAIR))
    poor_share = poor / present if present else 0.0
    fair_share = fair / present if present else 0.0
    if not present:
        verdict = "no data"
    elif poor_share > th.stream_share:
        verdict = "poor"
    elif fair_share > th.stream_share:
        verdict = "fair"
    else:
        verdict = "good"

    def reasons(level: int) -> tuple[tuple[str, float], ...]:
        if not present:
            return ()
        counts = {}
        for metric in metrics:
            cls = np.concatenate(
                [s.metric_classes.get(metric, np.zeros(len(s.classes), np.int8)) for s in sessions]
            )
            counts[metric] = np.count_nonzero(cls >= level) / present
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        over = [(m, float(v)) for m, v in ranked if v > th.stream_share]
        # MOS is derived from latency, jitter and loss: name it only when none of them explains
        # the verdict alone (several small degradations adding up).
        raw = [r for r in over if r[0] != "MOS"]
        if raw or over:
            return tuple(raw or over)
        if ranked and ranked[0][1] > 0:
            return ((ranked[0][0], float(ranked[0][1])),)
        return ()

    values: dict[str, np.ndarray] = {}
    times_parts: list[np.ndarray] = []
    for i, s in enumerate(sessions):
        times_parts.append(s.times)
        if i < len(sessions) - 1:
            times_parts.append(np.array([s.end]))  # NaN point between sessions: a gap in lines
    times = np.concatenate(times_parts) if times_parts else np.zeros(0)
    for metric in metrics:
        parts = []
        for i, s in enumerate(sessions):
            parts.append(s.values.get(metric, np.full(len(s.times), np.nan)))
            if i < len(sessions) - 1:
                parts.append(np.array([np.nan]))
        values[metric] = np.concatenate(parts)
    return StreamReport(
        channel=sessions[0].channel,
        direction=sessions[0].direction,
        verdict=verdict,
        samples=len(classes),
        present=present,
        poor_share=poor_share,
        fair_share=fair_share,
        poor_due_to=reasons(POOR) if verdict == "poor" else (),
        fair_due_to=reasons(FAIR) if verdict == "fair" else (),
        transports=tuple(sorted({s.transport for s in sessions})),
        codecs=tuple(sorted({s.codec for s in sessions if s.codec})),
        times=times,
        values=values,
    )


def minute_classes(session: Session, origin: float, n_minutes: int) -> np.ndarray:
    """Worst class per meeting minute for one session; ABSENT outside the session.

    A session's last partial minute without a sample of its own is not "no data": Webex ends a
    session a few seconds after its last sample, which would otherwise paint a false grey tail.
    """
    out = np.full(n_minutes, ABSENT, dtype=np.int8)
    first = max(0, math.floor((session.start - origin) / 60))
    last = min(n_minutes, math.ceil((session.end - origin) / 60))
    if len(session.times):
        covered = session.times[-1] + session.interval
        if session.end - covered < 60:  # the tail after the last sample is under a minute
            last = min(last, math.floor((session.times[-1] - origin) / 60) + 1)
    out[first:last] = NO_DATA
    if len(session.times):
        idx = np.floor((session.times - origin) / 60).astype(int)
        ok = (idx >= 0) & (idx < n_minutes)
        np.maximum.at(out, idx[ok], session.classes[ok])
    return out


def cpu_minutes(items: list[dict], origin: float, n_minutes: int) -> np.ndarray:
    """Per meeting minute, the highest processMaxCPU or systemMaxCPU reported (NaN: none)."""
    out = np.full(n_minutes, np.nan)
    for item in items:
        for res in item.get("resources") or []:
            if not isinstance(res, dict) or (start := parse_time(res.get("startTime"))) is None:
                continue
            interval = _number(res.get("samplingInterval")) or 60.0
            for key in ("processMaxCPU", "systemMaxCPU"):
                raw = res.get(key)
                if not isinstance(raw, list) or not raw:
                    continue
                vals = np.array([_number(v) if _number(v) >= 0 else np.nan for v in raw])
                idx = np.floor((start.timestamp() + np.arange(len(vals)) * interval - origin)
                               / 60).astype(int)
                ok = (idx >= 0) & (idx < n_minutes) & ~np.isnan(vals)
                np.fmax.at(out, idx[ok], vals[ok])
    return out


def _number(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return -1.0
    return v if math.isfinite(v) else -1.0


@dataclass(frozen=True, eq=False)
class ParticipantReport:
    key: str
    name: str
    email: str
    network: str
    client: str  # clientType plus version when known
    os: str
    region: str
    verdict: str  # good | fair | poor | no data: the worst of its streams
    poor_due_to: list[str]  # e.g. "loss (audio in)"; empty unless verdict is poor
    fair_due_to: list[str]  # same, when the verdict is fair
    poor_share: float  # share of minutes with data whose worst class is poor
    poor_minutes: int
    data_minutes: int
    present_minutes: int
    p95_latency: float | None
    p95_jitter: float | None
    p95_loss: float | None
    mos_median: float | None
    minutes: tuple[str | None, ...]  # per meeting minute: class name, None = not in the meeting
    minute_classes: np.ndarray  # the same as ints (samples.ABSENT..POOR), for charts
    streams: dict[str, StreamReport]  # keyed "audio in", "video out", ...
    audio_only: bool
    join: datetime | None
    leave: datetime | None
    joined_late_minutes: float  # 0 when on time or unknown
    left_early_minutes: float
    coverage: float  # share of metric samples present
    info: dict[str, Any] = field(default_factory=dict)  # raw metadata (clientVersion, ...)
    # CONTRACT §11 and the shared interface other modules read (set by causes.assign_causes).
    cause: str = ""  # "from NAME", TCP, CPU, upload, Wi-Fi, mobile data, "loss (audio in)"
    tip: str = ""  # one plain-words sentence; "" when there is no cause
    notes: tuple[str, ...] = ()  # extra hints: old client, slow join, far server region
    transport: str = ""  # "TCP" when any media ran over TCP, else "UDP", "" when unknown
    active_minutes: float = 0.0  # minutes with data
    poor_minutes_by_channel: dict[str, float] = field(default_factory=dict)  # audio/video/share
    stream_minutes: dict[str, np.ndarray] = field(default_factory=dict)  # "audio in" -> classes
    cpu_max: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per minute, NaN = none

    @property
    def joined_late(self) -> bool:
        return self.joined_late_minutes > LATE_MINUTES

    @property
    def left_early(self) -> bool:
        return self.left_early_minutes > LATE_MINUTES

    @property
    def label(self) -> str:
        return " · ".join(p for p in (self.name, self.network, self.client) if p)

    @property
    def series(self) -> dict[str, dict[str, list[tuple[datetime, float | None]]]]:
        """Audio metrics for line charts: metric -> direction -> [(time, value or None)]."""
        out: dict[str, dict[str, list[tuple[datetime, float | None]]]] = {}
        for metric in ("latency", "jitter", "loss"):
            out[metric] = {}
            for direction in ("in", "out"):
                stream = self.streams.get(f"audio {direction}")
                if stream is None:
                    continue
                vals = stream.values.get(metric, np.full(len(stream.times), np.nan))
                out[metric][direction] = [
                    (datetime.fromtimestamp(t, UTC), None if np.isnan(v) else float(v))
                    for t, v in zip(stream.times, vals, strict=True)
                ]
        return out


def compact_reasons(labels: list[str], limit: int = 3) -> str:
    """["latency (audio in)", "latency (audio out)", "loss (video in)"] ->
    "latency (audio in/out), loss (video in)": the same metric named once."""
    grouped: dict[str, dict[str, list[str]]] = {}
    for label in labels:
        metric, _, where = label.rpartition(" (")
        channel, _, direction = where.rstrip(")").partition(" ")
        grouped.setdefault(metric or label, {}).setdefault(channel, []).append(direction)
    parts = []
    for metric, channels in list(grouped.items())[:limit]:
        inner = ", ".join(f"{c} {'/'.join(sorted(d for d in ds if d))}".strip()
                          for c, ds in channels.items())
        parts.append(f"{metric} ({inner})" if inner else metric)
    return ", ".join(parts)


def _p(values: list[np.ndarray], q: float) -> float | None:
    arr = np.concatenate(values) if values else np.zeros(0)
    arr = arr[~np.isnan(arr)]
    return float(np.percentile(arr, q)) if arr.size else None


def _join(values: list[Any]) -> str:
    seen: list[str] = []
    for v in values:
        if v and str(v) not in seen:
            seen.append(str(v))
    return "/".join(seen)


def build_participant(
    key: str,
    items: list[dict],
    sessions: list[Session],
    origin: float,
    n_minutes: int,
    meeting_start: datetime | None,
    meeting_end: datetime | None,
    th: Thresholds,
) -> tuple[ParticipantReport, list[tuple[Session, np.ndarray]]]:
    by_stream: dict[str, list[Session]] = {}
    for s in sessions:
        by_stream.setdefault(f"{s.channel} {s.direction}", []).append(s)
    streams = {name: judge_stream(group, th) for name, group in sorted(by_stream.items())}
    per_session = [(s, minute_classes(s, origin, n_minutes)) for s in sessions]
    timeline = np.full(n_minutes, ABSENT, dtype=np.int8)
    for _, mins in per_session:
        np.maximum(timeline, mins, out=timeline)

    verdict = max((st.verdict for st in streams.values()), key=CLASS_RANK.__getitem__,
                  default="no data")
    stream_minutes: dict[str, np.ndarray] = {}
    for s, mins in per_session:
        name = f"{s.channel} {s.direction}"
        stream_minutes[name] = (np.maximum(stream_minutes[name], mins) if name in stream_minutes
                                else mins)
    by_channel = {c: float(np.count_nonzero(np.maximum.reduce(
        [m for n, m in stream_minutes.items() if n.startswith(c + " ")]) == POOR))
        if any(n.startswith(c + " ") for n in stream_minutes) else 0.0 for c in CHANNELS}
    transports = {s.transport.upper() for s in sessions}
    transport = "TCP" if "TCP" in transports else "UDP" if "UDP" in transports else ""

    def labels(attr: str) -> list[str]:
        found = [
            (share, f"{'estimated MOS' if metric == 'MOS' else metric} ({st.name})")
            for st in streams.values()
            for metric, share in getattr(st, attr)
        ]
        return [label for _, label in sorted(found, key=lambda x: -x[0])]

    data_minutes = int(np.count_nonzero(timeline > NO_DATA))
    poor_minutes = int(np.count_nonzero(timeline == POOR))
    metric_values = {m: [s.values[m] for s in sessions if m in s.values]
                     for m in ("latency", "jitter", "loss")}
    core = [v for vs in metric_values.values() for v in vs]
    total = sum(v.size for v in core)
    present = sum(int(np.count_nonzero(~np.isnan(v))) for v in core)
    mos = [s.values["MOS"] for s in sessions if "MOS" in s.values]

    joins = [parse_time(i.get("joinTime")) for i in items] + [
        datetime.fromtimestamp(s.start, UTC) for s in sessions]
    leaves = [parse_time(i.get("leaveTime")) for i in items] + [
        datetime.fromtimestamp(s.end, UTC) for s in sessions]
    join = min((t for t in joins if t), default=None)
    leave = max((t for t in leaves if t), default=None)
    late = (join - meeting_start).total_seconds() / 60 if join and meeting_start else 0.0
    early = (meeting_end - leave).total_seconds() / 60 if leave and meeting_end else 0.0
    video_data = any(
        st.present for st in streams.values() if st.channel == "video"
    )
    first = items[0]
    client = _join([i.get("clientType") for i in items])
    version = _join([i.get("clientVersion") for i in items])
    report = ParticipantReport(
        key=key,
        name=_join([i.get("webexUserName") for i in items]) or first.get("webexUserEmail") or key,
        email=_join([i.get("webexUserEmail") for i in items]),
        network=_join([i.get("networkType") for i in items]) or "unknown",
        client=f"{client} {version}".strip() if client else version,
        os=_join([i.get("osType") for i in items]),
        region=_join([i.get("serverRegion") for i in items]),
        verdict=verdict,
        poor_due_to=labels("poor_due_to"),
        fair_due_to=labels("fair_due_to"),
        poor_share=poor_minutes / data_minutes if data_minutes else 0.0,
        poor_minutes=poor_minutes,
        data_minutes=data_minutes,
        present_minutes=int(np.count_nonzero(timeline >= NO_DATA)),
        p95_latency=_p(metric_values["latency"], 95),
        p95_jitter=_p(metric_values["jitter"], 95),
        p95_loss=_p(metric_values["loss"], 95),
        mos_median=_p(mos, 50),
        minutes=tuple(CLASS_NAMES.get(int(c)) for c in timeline),
        minute_classes=timeline,
        streams=streams,
        audio_only=bool(any(s.channel == "audio" for s in sessions) and not video_data),
        join=join,
        leave=leave,
        joined_late_minutes=max(0.0, late),
        left_early_minutes=max(0.0, early),
        coverage=present / total if total else 0.0,
        info={k: v for k, v in first.items() if not isinstance(v, list | dict)},
        transport=transport,
        active_minutes=float(data_minutes),
        poor_minutes_by_channel=by_channel,
        stream_minutes=stream_minutes,
        cpu_max=cpu_minutes(items, origin, n_minutes),
    )
    return report, per_session
