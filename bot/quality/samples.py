"""Turn raw Webex media sessions into classified sample arrays.

Classes are small ints so whole sessions can be judged with numpy at once:
NO_DATA < GOOD < FAIR < POOR, which makes "the worst" a plain maximum. ABSENT marks minutes in
which a participant was not in the meeting at all (used only by timelines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from .mos import mos_arrays
from .thresholds import Thresholds

ABSENT, NO_DATA, GOOD, FAIR, POOR = -1, 0, 1, 2, 3
CLASS_NAMES = {NO_DATA: "no data", GOOD: "good", FAIR: "fair", POOR: "poor"}
CLASS_RANK = {name: value for value, name in CLASS_NAMES.items()}

CHANNELS = ("audio", "video", "share")
DIRECTIONS = ("in", "out")
# Field name in a Webex item -> (channel, direction); "in" is what the participant received.
SESSION_FIELDS = {
    f"{channel}{direction.capitalize()}": (channel, direction)
    for channel in CHANNELS
    for direction in DIRECTIONS
}
METRICS = ("latency", "jitter", "loss", "frame rate", "MOS")
UNITS = {"latency": "ms", "jitter": "ms", "loss": "%", "frame rate": "fps", "MOS": ""}


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (with Z or an offset) or a datetime -> aware UTC datetime; None when unusable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def zone(tz: str | None) -> tzinfo:
    """An IANA zone by name; UTC when empty or unknown (never fail a reply over a zone)."""
    try:
        return ZoneInfo(tz) if tz else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _values(raw: Any, n: int) -> np.ndarray:
    """A Webex metric list as floats with NaN for -1, missing entries or junk."""
    out = np.full(n, np.nan)
    if isinstance(raw, list) and raw:
        try:
            arr = np.asarray(raw[:n], dtype=float)
        except (TypeError, ValueError):
            arr = np.array([_num(v) for v in raw[:n]], dtype=float)
        arr[arr < 0] = np.nan  # -1 is "no sample", never a value
        out[: len(arr)] = arr
    return out


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def _classify(values: np.ndarray, fair_from: float, poor_above: float) -> np.ndarray:
    cls = np.full(values.shape, NO_DATA, dtype=np.int8)
    present = ~np.isnan(values)
    cls[present & (values < fair_from)] = GOOD
    cls[present & (values >= fair_from) & (values <= poor_above)] = FAIR
    cls[present & (values > poor_above)] = POOR
    return cls


def _classify_low(values: np.ndarray, good_from: float, poor_below: float) -> np.ndarray:
    """For metrics where higher is better (MOS)."""
    cls = np.full(values.shape, NO_DATA, dtype=np.int8)
    present = ~np.isnan(values)
    cls[present & (values >= good_from)] = GOOD
    cls[present & (values < good_from) & (values >= poor_below)] = FAIR
    cls[present & (values < poor_below)] = POOR
    return cls


def _classify_fps(fps: np.ndarray, height: np.ndarray, th: Thresholds) -> np.ndarray:
    # A frame rate of 0 means nothing was sent (camera off): that is not bad video.
    sent = np.where(fps > 0, fps, np.nan)
    cls = _classify_low(sent, th.fps_good, th.fps_poor)
    small = ~np.isnan(height) & (height < th.fps_good_height)
    cls[(cls == GOOD) & small] = FAIR
    return cls


@dataclass(eq=False)
class Session:
    """One media session of one participant, classified sample by sample."""

    channel: str
    direction: str
    start: float  # epoch seconds
    end: float
    interval: float
    transport: str
    codec: str
    times: np.ndarray  # epoch seconds of each sample: start + i * interval
    values: dict[str, np.ndarray] = field(default_factory=dict)
    metric_classes: dict[str, np.ndarray] = field(default_factory=dict)
    classes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))


def build_session(raw: dict, channel: str, direction: str, th: Thresholds) -> Session | None:
    start = parse_time(raw.get("startTime"))
    if start is None:
        return None
    interval = _num(raw.get("samplingInterval"))
    if not interval or np.isnan(interval) or interval <= 0:
        interval = 60.0
    keys = ("latency", "jitter", "packetLoss", "frameRate", "resolutionHeight")
    n = max((len(raw.get(k) or []) for k in keys), default=0)
    end_dt = parse_time(raw.get("endTime"))
    t0 = start.timestamp()
    end = end_dt.timestamp() if end_dt else t0 + n * interval
    times = t0 + np.arange(n) * interval
    lat, jit = _values(raw.get("latency"), n), _values(raw.get("jitter"), n)
    loss = _values(raw.get("packetLoss"), n)
    values = {"latency": lat, "jitter": jit, "loss": loss}
    mc = {
        "latency": _classify(lat, th.latency_fair_ms, th.latency_poor_ms),
        "jitter": _classify(jit, th.jitter_fair_ms, th.jitter_poor_ms),
        "loss": _classify(loss, th.loss_fair_pct, th.loss_poor_pct),
    }
    if channel == "video":
        fps, height = _values(raw.get("frameRate"), n), _values(raw.get("resolutionHeight"), n)
        values["frame rate"] = fps
        mc["frame rate"] = _classify_fps(fps, height, th)
    if channel == "audio":
        _, mos = mos_arrays(lat, jit, loss)
        values["MOS"] = mos
        mc["MOS"] = _classify_low(mos, th.mos_good, th.mos_poor)
    classes = np.maximum.reduce(list(mc.values())) if n else np.zeros(0, np.int8)
    return Session(
        channel=channel,
        direction=direction,
        start=t0,
        end=max(end, t0),
        interval=float(interval),
        transport=str(raw.get("transportType") or "unknown"),
        codec=str(raw.get("codec") or ""),
        times=times,
        values=values,
        metric_classes=mc,
        classes=classes.astype(np.int8),
    )


def item_sessions(item: dict, th: Thresholds) -> list[Session]:
    sessions = []
    for key, (channel, direction) in SESSION_FIELDS.items():
        for raw in item.get(key) or []:
            if isinstance(raw, dict):
                session = build_session(raw, channel, direction, th)
                if session is not None:
                    sessions.append(session)
    return sessions
