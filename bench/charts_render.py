"""Render benchmark for the meeting quality chart (bot.quality.charts.quality_chart).

    .venv/bin/python bench/charts_render.py [--runs 7] [--examples]

Synthetic meetings of 5, 50 and 300 participants × 60 minutes (plus the goal case, 50 × 90).
For each: median and p95 render time and PNG size, next to a naive render of the same heatmap
(plain matplotlib text, ticks and one axes per small multiple, default RGBA PNG) and the goals
(250 ms, 300 KB for 50 participants). --examples also writes docs/example-small.png and
docs/example-large.png.
"""

from __future__ import annotations

import argparse
import io
import math
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bot.quality.analysis import MeetingReport, analyze_meeting  # noqa: E402
from bot.quality.charts import quality_chart  # noqa: E402
from tests.quality.factory import T0, crowd, item, media, meeting  # noqa: E402

GOAL_MS, GOAL_KB = 250, 300


def naive_heatmap(report: MeetingReport) -> bytes:
    """The obvious implementation of the same picture, as a baseline."""
    people = report.participants[:40]
    fig = Figure(figsize=(14, 15), dpi=100)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(4, 5, height_ratios=[6, 1, 1, 0.2], width_ratios=[1, 1, 1, 1, 0.8])
    heat = fig.add_subplot(grid[0, :4])
    rows = [list(p.minute_classes) for p in people]
    heat.imshow([[c + 1 for c in r] for r in rows], aspect="auto", interpolation="nearest",
                cmap=ListedColormap(["white", "#999999", "#009E73", "#E69F00", "#D55E00"]),
                vmin=-0.5, vmax=4.5)
    heat.set_yticks(range(len(people)), [p.label for p in people], fontsize=8)
    bar = fig.add_subplot(grid[0, 4], sharey=heat)
    bar.barh(range(len(people)), [100 * p.poor_share for p in people], color="#D55E00")
    for k, p in enumerate(people):
        bar.text(100 * p.poor_share, k, f" {p.poor_share:.0%}", va="center", fontsize=7)
    fig.suptitle(report.title)
    for k, p in enumerate(people[:8]):
        ax = fig.add_subplot(grid[1 + k // 4, k % 4])
        stream = p.streams.get("audio in")
        if stream is not None:
            ax.plot(stream.times, stream.values["latency"])
        ax.set_title(p.name, fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def timed(fn, runs: int) -> tuple[float, float, int]:
    fn()  # warm caches (glyphs, fonts, imports)
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        png = fn()
        times.append((time.perf_counter() - start) * 1000)
        size = len(png)
    times.sort()
    p95 = times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]
    return statistics.median(times), p95, size


def example_small() -> MeetingReport:
    rng = random.Random(11)

    def noisy(base: float, spread: float, spike=None):
        def f(i: int) -> float:
            if spike and spike[0] <= i < spike[1]:
                return spike[2] * (0.85 + 0.3 * rng.random())
            return max(0.0, base + spread * (rng.random() - 0.5))
        return f

    items = [
        item("Ana Lima", minutes=60, network="ethernet", latency=noisy(45, 20),
             jitter=noisy(4, 3), loss=noisy(0.1, 0.2)),
        item("Bruno Costa", minutes=60, latency=noisy(70, 30), jitter=noisy(8, 6),
             audio_in=media(minutes=60, latency=noisy(75, 30), jitter=noisy(9, 6),
                            loss=lambda i: -1 if i in (40, 41) else
                            noisy(0.3, 0.4, (20, 32, 9))(i))),
        item("Chen Wei", start=T0 + timedelta(minutes=12), minutes=40, network="cellular",
             client="Webex Mobile", video=False,
             latency=lambda i: 190 + 80 * math.sin(i / 4) + 25 * rng.random(),
             jitter=noisy(14, 8), loss=noisy(0.6, 0.8)),
        item("Dana Okafor", minutes=60, latency=noisy(60, 25), loss=noisy(0.2, 0.3),
             jitter=noisy(12, 6, (35, 45, 58))),
    ]
    return analyze_meeting(items, meeting(60, "Quarterly planning — EMEA"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--examples", action="store_true", help="write docs/example-*.png")
    args = parser.parse_args()
    cases = [(5, 60), (50, 60), (300, 60), (50, 90)]
    print(f"{'participants × min':>19} | {'median ms':>9} | {'p95 ms':>7} | {'PNG KB':>6} | "
          f"{'naive ms':>8} | {'naive KB':>8} | goal (50 × 90)")
    print("-" * 95)
    for n, minutes in cases:
        report = analyze_meeting(crowd(n, minutes), meeting(minutes, f"{n} people"))
        med, p95, size = timed(lambda r=report: quality_chart(r, "Europe/Berlin"), args.runs)
        if n > 5:
            nmed, _, nsize = timed(lambda r=report: naive_heatmap(r), max(3, args.runs // 2))
            naive = f"{nmed:>8.0f} | {nsize / 1024:>8.0f}"
        else:
            naive = f"{'-':>8} | {'-':>8}"
        goal = ""
        if (n, minutes) == (50, 90):
            ok = med <= GOAL_MS and size / 1024 <= GOAL_KB
            goal = f"{'met' if ok else 'MISSED'} (≤ {GOAL_MS} ms, ≤ {GOAL_KB} KB)"
        print(f"{n:>12} × {minutes:<4} | {med:>9.0f} | {p95:>7.0f} | {size / 1024:>6.0f} | "
              f"{naive} | {goal}")
    if args.examples:
        docs = ROOT / "docs"
        (docs / "example-small.png").write_bytes(quality_chart(example_small(), "Europe/Berlin"))
        large = analyze_meeting(crowd(50, 60), meeting(60, "All-hands — product update"))
        (docs / "example-large.png").write_bytes(quality_chart(large, "Europe/Berlin"))
        print(f"wrote {docs / 'example-small.png'} and {docs / 'example-large.png'}")


if __name__ == "__main__":
    main()
