"""Worker warm-up: the first chart after a start pays for importing matplotlib, loading its fonts
and building the glyph paths (730–900 ms measured), which would fall on someone's first
`/quality`. A worker draws one tiny made-up meeting on a background thread as it starts, so that
cost is paid off the request path. Nothing is stored, sent or recorded."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)

_T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _session(latency: float, loss: float, video: bool = False) -> dict:
    n = 10
    out: dict = {
        "samplingInterval": 60,
        "startTime": _iso(_T0),
        "endTime": _iso(_T0 + timedelta(minutes=n)),
        "latency": [latency] * n,
        "jitter": [4.0] * n,
        "packetLoss": [loss] * n,
        "mediaBitRate": [64000.0] * n,
        "transportType": "UDP",
    }
    if video:
        out.update(frameRate=[30.0] * n, resolutionHeight=[720.0] * n)
    return out


def sample_meeting() -> tuple[list[dict], dict]:
    """Two made-up participants, one fine and one poor, so every part of the chart is drawn."""
    items = []
    for n, (name, loss) in enumerate((("Warm Up", 0.0), ("Cold Start", 12.0))):
        items.append(
            {
                "participantId": f"warm-{n}",
                "participantSessionId": f"warm-{n}",
                "webexUserName": name,
                "webexUserEmail": f"warm{n}@example.invalid",
                "joinTime": _iso(_T0),
                "leaveTime": _iso(_T0 + timedelta(minutes=10)),
                "clientType": "Webex Desktop",
                "networkType": "wifi",
                "audioIn": [_session(40, loss)],
                "audioOut": [_session(40, loss)],
                "videoIn": [_session(40, loss, video=True)],
                "videoOut": [_session(40, loss, video=True)],
                "shareIn": [],
                "shareOut": [],
            }
        )
    meeting = {
        "id": "warm-up",
        "title": "Warm-up",
        "start": _iso(_T0),
        "end": _iso(_T0 + timedelta(minutes=10)),
    }
    return items, meeting


def warm() -> float:
    """Analyse and draw the sample once; returns the seconds it took."""
    started = time.perf_counter()
    from bot.quality.analysis import analyze_meeting
    from bot.quality.cards import quality_card
    from bot.quality.charts import quality_chart

    items, meeting = sample_meeting()
    report = analyze_meeting(items, meeting)
    quality_card(report, fetched_at=_T0, tz="UTC")
    quality_chart(report, "UTC")
    return time.perf_counter() - started


def start() -> threading.Thread:
    """Warm up on a daemon thread: the worker takes tasks meanwhile (a `/quality` arriving now
    waits only for what is left of the import, which it would have paid in full)."""

    def run() -> None:
        try:
            log.info("worker warm-up: first chart drawn in %.0f ms", warm() * 1000)
        except Exception:  # a failed warm-up costs only the first ask its speed
            log.exception("worker warm-up failed")

    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread
