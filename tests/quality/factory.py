"""Synthetic Webex meeting-qualities items with controllable metrics."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)

Metric = float | Sequence[float] | Callable[[int], float]


def iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _series(value: Metric, n: int) -> list[float]:
    if callable(value):
        return [value(i) for i in range(n)]
    if isinstance(value, int | float):
        return [float(value)] * n
    return list(value)[:n] + [float(value[-1])] * max(0, n - len(value))


def media(
    start: datetime = T0,
    minutes: float = 30,
    *,
    interval: int = 60,
    latency: Metric = 40,
    jitter: Metric = 4,
    loss: Metric = 0,
    frame_rate: Metric | None = None,
    height: Metric | None = None,
    transport: str = "UDP",
    codec: str = "opus",
) -> dict[str, Any]:
    """One media session: n = minutes * 60 / interval samples."""
    n = int(minutes * 60 / interval)
    out: dict[str, Any] = {
        "samplingInterval": interval,
        "startTime": iso(start),
        "endTime": iso(start + timedelta(seconds=n * interval)),
        "latency": _series(latency, n),
        "jitter": _series(jitter, n),
        "packetLoss": _series(loss, n),
        "mediaBitRate": [64000.0] * n,
        "transportType": transport,
        "codec": codec,
    }
    if frame_rate is not None:
        out["frameRate"] = _series(frame_rate, n)
        out["resolutionHeight"] = _series(height if height is not None else 720, n)
    return out


def item(
    name: str = "Ana Lima",
    *,
    email: str | None = None,
    start: datetime = T0,
    minutes: float = 30,
    network: str = "wifi",
    client: str = "Webex Desktop",
    os: str = "Windows",
    region: str = "US East",
    video: bool = True,
    audio_in: dict | None = None,
    audio_out: dict | None = None,
    video_in: dict | None = None,
    video_out: dict | None = None,
    participant_id: str | None = None,
    session_id: str | None = None,
    version: str = "44.5",
    join_s: float | None = None,
    cpu: Metric | None = None,
    **metrics: Any,
) -> dict[str, Any]:
    """One participant item; `metrics` go to every audio/video session unless a ready session
    (from `media`) is given for that stream."""
    email = email if email is not None else name.lower().replace(" ", ".") + "@example.com"
    base = {"start": start, "minutes": minutes, **metrics}
    vid = {"frame_rate": 30, "height": 720, "codec": "H.264", **base}
    return {
        "meetingInstanceId": "m1_I_1",
        "participantId": participant_id or f"pid-{email or name}",
        "participantSessionId": session_id or f"ps-{name}-{iso(start)}",
        "webexUserName": name,
        "webexUserEmail": email,
        "joinTime": iso(start),
        "leaveTime": iso(start + timedelta(minutes=minutes)),
        "clientType": client,
        "clientVersion": version,
        **({"joinMeetingTime": f"{join_s:.1f}"} if join_s is not None else {}),
        "osType": os,
        "networkType": network,
        "serverRegion": region,
        "hardwareType": "laptop",
        "audioIn": [audio_in or media(**base)],
        "audioOut": [audio_out or media(**base)],
        "videoIn": [video_in or media(**vid)] if video else [],
        "videoOut": [video_out or media(**vid)] if video else [],
        "shareIn": [],
        "shareOut": [],
        "resources": [resources(start, minutes, cpu)] if cpu is not None else [],
    }


def resources(start: datetime, minutes: float, cpu: Metric) -> dict[str, Any]:
    """CPU telemetry: `cpu` is the system's max CPU %, the app's own max is half of it."""
    n = int(minutes)
    system = _series(cpu, n)
    return {"samplingInterval": 60, "startTime": iso(start),
            "endTime": iso(start + timedelta(minutes=n)),
            "systemMaxCPU": system, "processMaxCPU": [v / 2 for v in system]}


def meeting(minutes: float = 30, title: str = "Weekly sync", start: datetime = T0) -> dict:
    return {
        "id": "m1_I_1",
        "title": title,
        "start": iso(start),
        "end": iso(start + timedelta(minutes=minutes)),
        "timezone": "Europe/Berlin",
        "hostDisplayName": "Ana Lima",
    }


def crowd(n: int, minutes: int = 60, *, seed: int = 7, interval: int = 60) -> list[dict]:
    """n participants with a realistic mix: most fine, some bad spells, some late, some gaps."""
    rng = random.Random(seed)
    networks = ["wifi", "ethernet", "cellular", "wifi", "wifi", "unknown"]
    clients = ["Webex Desktop", "Webex Mobile", "Web Browser", "Webex Desktop"]
    items = []
    for k in range(n):
        late = rng.choice([0, 0, 0, 0, 3, 12])
        dur = minutes - late - rng.choice([0, 0, 0, 8])
        start = T0 + timedelta(minutes=late)
        bad = rng.random() < 0.25
        spell = (rng.randrange(dur), rng.randrange(3, 15)) if bad else (-1, 0)
        kind = rng.choice(["latency", "jitter", "loss"])
        per_min = 60 // interval or 1

        # Some people sit on a mediocre link all meeting (fair), a few lose telemetry for a
        # minute now and then (no data), as real meetings do.
        shaky = rng.random() < 0.15
        blackout = {rng.randrange(dur) for _ in range(rng.choice([0, 0, 0, 2]))}

        def metric(i: int, base: float, worse: float, which: str, _s=spell, _k=kind,
                   _pm=per_min, _shaky=shaky, _out=blackout) -> float:
            m = i // _pm
            if m in _out or rng.random() < 0.02:
                return -1.0
            if _s[0] <= m < _s[0] + _s[1] and which == _k:
                return worse * (0.8 + 0.6 * rng.random())
            if _shaky and which == "jitter":
                return 28 + 14 * rng.random()
            return base * (0.5 + rng.random())

        def gen(which: str, base: float, worse: float, _m=metric) -> Callable[[int], float]:
            return lambda i: _m(i, base, worse, which)

        items.append(item(
            f"Person {k:03d}",
            start=start,
            minutes=dur,
            network=rng.choice(networks),
            client=rng.choice(clients),
            video=rng.random() > 0.2,
            interval=interval,
            latency=gen("latency", 60, 520),
            jitter=gen("jitter", 6, 70),
            loss=gen("loss", 0.3, 9),
        ))
    return items
