"""Worker warm-up: the first cold `/quality` after a worker starts, against later cold ones
of the same meeting (fetch + analyse + draw), end to end on the sandbox. Each round starts fresh
processes: one whose worker warms up at start as `quality-bot worker` does (bot/warmup.py), one
without, and one asking the meeting after three others; the asks come once the worker is up (and
its warm-up done).

    .venv/bin/python bench/worker_warmup.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from rounds import (  # noqa: E402
    alternate,
    bot_on_sandbox,
    ended_meetings,
    feed_next,
    ratios,
    replies_after,
    spread,
    table,
)

LATER = 3  # other cold asks before the same meeting is asked "later"


def child(warm: bool, rotate: int = 0) -> None:
    with bot_on_sandbox() as h:
        if warm:
            from bot import warmup

            warmup.start().join()
        h.connect(h.admin)
        room = h.room("direct", h.admin)["id"]
        meetings = ended_meetings(h.admin, since=timedelta(days=6), until=timedelta(hours=1))
        since = feed_next(h.sandbox.url)
        times = {}
        asked = meetings[: LATER + 1]
        for meeting in asked[rotate:] + asked[:rotate]:
            start = time.perf_counter()
            h.admin.say(room, f"/quality {meeting['id']}")
            done, since = replies_after(h.sandbox.url, since, h.bot["id"], 3)
            times[meeting["id"]] = (done - start) * 1000
    print(json.dumps({"order": list(times), "ms": list(times.values())}))


def ask_all(warm: bool, rotate: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", "on" if warm else "off", "--rotate", str(rotate)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return dict(zip(got["order"], got["ms"], strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=("on", "off"))
    parser.add_argument("--rotate", type=int, default=0)
    args = parser.parse_args()
    if args.child:
        child(args.child == "on", args.rotate)
        return
    # Meetings differ in size, so "first" and "later" are the same meeting: asked first in one
    # fresh worker, asked last (after LATER others) in another.
    def first(warm: bool) -> float:
        return next(iter(ask_all(warm, 0).values()))

    def later() -> float:
        return list(ask_all(True, 1).values())[-1]

    results = alternate(
        [("first, warm-up", lambda: first(True)), ("first, no warm-up", lambda: first(False)),
         ("later (same meeting)", later)],
        args.rounds,
    )
    print(f"Cold /quality (fetch + analyse + draw) of one meeting: asked first after a worker "
          f"starts, or after {LATER} other cold asks; end to end on the sandbox, "
          f"{max(args.rounds, 5)} alternating rounds, a fresh process per run; load generator: "
          "this script, one ask at a time")
    print(table(results, "ms"))
    for name in ("first, warm-up", "first, no warm-up"):
        print(f"  {name} ÷ later: {spread(ratios(results[name], results['later (same meeting)']))}"
              + ("  (goal ≤ 1.2)" if name == "first, warm-up" else ""))
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores shared)")


if __name__ == "__main__":
    main()
