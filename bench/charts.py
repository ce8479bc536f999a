"""Charts and /quality, measured: render time and PNG size in alternating rounds
(bench/charts_render.py: median and min–max), then the
end-to-end latency of `/quality` on the sandbox, from the person's message to both replies
posted, for a cold fetch and for cached data.

    .venv/bin/python bench/charts.py [--asks 10]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]


def replies_after(sandbox_url: str, since: int, bot_id: str, want: int) -> tuple[float, int]:
    """Wait on the sandbox's event feed until the bot has posted `want` messages; returns when."""
    seen = 0
    while True:
        feed = requests.get(f"{sandbox_url}/_sandbox/events",
                            params={"since": since, "wait": 10}, timeout=15).json()
        now = time.perf_counter()
        for event in feed["items"]:
            if event["type"] == "message" and event["data"].get("personId") == bot_id:
                seen += 1
        since = feed["next"]
        if seen >= want:
            return now, since


def quality_latency(asks: int) -> list[tuple[str, float, float]]:
    from sandbox.server import start_in_thread
    from storage.db import database
    from tests.e2e.harness import Harness

    sandbox = start_in_thread(seed=1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        h = Harness(sandbox, Path(tmp))
        try:
            h.connect(h.admin)
            room = h.room("direct", h.admin)["id"]
            now = datetime.now(UTC)
            params = {"meetingType": "meeting", "state": "ended", "max": 100,
                      "from": (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      "to": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
            meetings = [m for m in h.admin.call("GET", "/meetings", params=params).json()["items"]
                        if datetime.fromisoformat(m["start"].replace("Z", "+00:00"))
                        < now - timedelta(minutes=10)]
            since = requests.get(f"{sandbox.url}/_sandbox/events", timeout=5).json()["next"]
            cold, cached = [], []
            for meeting in meetings[:asks]:
                for bucket, want in ((cold, 3), (cached, 2)):  # cold: "fetching" + chart + card
                    start = time.perf_counter()
                    h.admin.say(room, f"/quality {meeting['id']}")
                    done, since = replies_after(sandbox.url, since, h.bot["id"], want)
                    bucket.append((done - start) * 1000)
            for name, values in (("cold (fetch + analyse + render)", cold),
                                 ("cached (same meeting again)", cached)):
                rows.append((name, statistics.median(values), min(values), max(values)))
        finally:
            h.stop()
            database.close()
            sandbox.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asks", type=int, default=8)
    parser.add_argument("--skip-render", action="store_true")
    args = parser.parse_args()
    if not args.skip_render:
        import charts_render

        sys.argv = [sys.argv[0]]
        charts_render.main()
        print()
    rows = quality_latency(args.asks)
    print(f"/quality end to end on the sandbox (message posted -> replies posted), "
          f"{args.asks} meetings")
    print(f"{'path (cold and cached alternate)':<34}{'median ms':>10}{'min–max ms':>14}")
    for name, median, best, worst in rows:
        print(f"{name:<34}{median:>10.0f}{f'{best:.0f}–{worst:.0f}':>14}")
    ratio = rows[0][1] / rows[1][1]
    print(f"cached is {ratio:.1f}x faster than cold (goal: cached <= 150 ms)")


if __name__ == "__main__":
    main()
