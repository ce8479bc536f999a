"""Cached `/quality` at any size: the latency of a cached ask (message posted -> chart and card
posted) for meetings of 5, 50, 300 and 1,000 participants, end to end on the sandbox with the
real app and worker. The sandbox caps a meeting at 500 people, so each meeting's stored data is
the sandbox's own items for it repeated under new names (the bot stores what Webex returned;
size is what matters here). Sizes alternate within every round (bench/rounds.py).

    .venv/bin/python bench/quality_cached.py [--rounds 7] [--sizes 5,50,300,1000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(os.environ.get("QB_BENCH_ROOT") or Path(__file__).resolve().parents[1])
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from rounds import (  # noqa: E402
    alternate,
    bot_on_sandbox,
    ended_meetings,
    feed_next,
    replies_after,
    table,
)


def grown(items: list[dict], size: int) -> list[dict]:
    """`size` participants: the meeting's own items, repeated under new names and emails."""
    people: dict[str, list[dict]] = {}
    for item in items:
        people.setdefault(str(item.get("webexUserEmail") or item.get("participantId")), []).append(
            item
        )
    sessions = list(people.values())
    out = []
    for n in range(size):
        for item in sessions[n % len(sessions)]:
            out.append(
                {
                    **item,
                    "webexUserName": f"Person {n}",
                    "webexUserEmail": f"person{n}@example.com" if n else item["webexUserEmail"],
                    "participantId": f"{item.get('participantId')}-{n}",
                    "participantSessionId": f"{item.get('participantSessionId')}-{n}",
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", default="5,50,300,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from storage.db import to_utc_naive
    from storage.models import QualityCache

    with bot_on_sandbox() as h:
        h.connect(h.admin)
        room = h.room("direct", h.admin)["id"]
        meetings = ended_meetings(h.admin, since=timedelta(days=6), until=timedelta(hours=1))
        chosen = {}
        for size, meeting in zip(sizes, meetings, strict=False):
            raw = h.runtime.accounts.client_for(h.admin.id).qualities(meeting["id"])
            items = grown(raw, size)
            stamp = to_utc_naive(datetime.now(UTC))
            QualityCache.insert(
                meeting_id=meeting["id"], items=json.dumps(items), meeting=json.dumps(meeting),
                fetched_at=stamp, last_attempt_at=stamp, last_status=200,
            ).on_conflict_replace().execute()
            chosen[size] = (meeting["id"], len(json.dumps(items)) / 1e6)
        since = feed_next(h.sandbox.url)

        def ask(meeting_id: str) -> float:
            nonlocal since
            start = time.perf_counter()
            h.admin.say(room, f"/quality {meeting_id}")
            done, since = replies_after(h.sandbox.url, since, h.bot["id"], 2)
            return (done - start) * 1000

        first = {size: ask(mid) for size, (mid, _) in chosen.items()}  # draws and stores
        results = alternate(
            [(f"{size} participants ({mb:.1f} MB raw)", lambda m=mid: ask(m))
             for size, (mid, mb) in chosen.items()],
            args.rounds,
        )
    print(
        f"Cached /quality end to end on the sandbox (message posted -> chart and card posted), "
        f"{max(args.rounds, 5)} alternating rounds; load generator: this script, one ask at a "
        f"time; app: werkzeug threaded + in-process huey consumer (2 workers), SQLite"
    )
    print(table(results, "ms"))
    print("first ask (analyse + draw + store): "
          + ", ".join(f"{s}: {v:.0f} ms" for s, v in first.items()))
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores shared)")


if __name__ == "__main__":
    main()
