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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from rounds import bot_on_sandbox, ended_meetings, feed_next, replies_after  # noqa: E402


def quality_latency(asks: int) -> list[tuple[str, float, float]]:
    rows = []
    with bot_on_sandbox() as h:
        h.connect(h.admin)
        room = h.room("direct", h.admin)["id"]
        started_before = datetime.now(UTC) - timedelta(minutes=10)
        meetings = [m for m in ended_meetings(h.admin, since=timedelta(days=7))
                    if datetime.fromisoformat(m["start"].replace("Z", "+00:00")) < started_before]
        since = feed_next(h.sandbox.url)
        cold, cached = [], []
        for meeting in meetings[:asks]:
            for bucket, want in ((cold, 3), (cached, 2)):  # cold: "fetching" + chart + card
                start = time.perf_counter()
                h.admin.say(room, f"/quality {meeting['id']}")
                done, since = replies_after(h.sandbox.url, since, h.bot["id"], want)
                bucket.append((done - start) * 1000)
        for name, values in (("cold (fetch + analyse + render)", cold),
                             ("cached (same meeting again)", cached)):
            rows.append((name, statistics.median(values), min(values), max(values)))
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
