"""Render benchmark for the meeting quality chart (bot.quality.charts.quality_chart).

    .venv/bin/python bench/charts_render.py [--rounds 7] [--examples]

Synthetic meetings of 5, 50 and 300 participants × 60 minutes, plus the goal case 50 × 90
(≤ 250 ms, ≤ 300 KB). The cases run in alternating rounds (A B C D A B C D …) so a busy machine
slows them all alike; each prints the median and min–max over the rounds. Also measured the same
way: the PNG encode with the buffer converted to RGB before quantizing against slicing the RGBA
array (and whether both give the same bytes), and a naive matplotlib render of the heatmap.
--examples writes the docs/ examples: seeded sandbox meetings and a crafted one with every cause.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402
from rounds import MIN_ROUNDS, alternate, ratios, spread  # noqa: E402

from bot.quality.analysis import MeetingReport, analyze_meeting  # noqa: E402
from bot.quality.charts import daily_chart, quality_chart, quality_figure  # noqa: E402
from bot.quality.daily import summarize_day  # noqa: E402
from tests.quality.factory import T0, crowd, item, media, meeting  # noqa: E402

GOAL_MS, GOAL_KB = 250, 300
CASES = [(5, 60), (50, 60), (300, 60), (50, 90)]


def naive_heatmap(report: MeetingReport) -> bytes:
    """The obvious implementation of the same picture, as a baseline."""
    people = report.participants[:24]
    fig = Figure(figsize=(6, 10.7), dpi=200)
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(4, 3, height_ratios=[6, 1, 1, 0.2], width_ratios=[1, 1, 0.6])
    heat = fig.add_subplot(grid[0, :2])
    rows = [list(p.minute_classes) for p in people]
    heat.imshow([[c + 1 for c in r] for r in rows], aspect="auto", interpolation="nearest",
                cmap=ListedColormap(["white", "#999999", "#009E73", "#E69F00", "#D55E00"]),
                vmin=-0.5, vmax=4.5)
    heat.set_yticks(range(len(people)), [p.name for p in people], fontsize=8)
    bar = fig.add_subplot(grid[0, 2], sharey=heat)
    bar.barh(range(len(people)), [100 * p.poor_share for p in people], color="#D55E00")
    for k, p in enumerate(people):
        bar.text(100 * p.poor_share, k, f" {p.poor_share:.0%} {p.cause}", va="center", fontsize=8)
    fig.suptitle(report.title)
    for k, p in enumerate(people[:4]):
        ax = fig.add_subplot(grid[1 + k // 2, k % 2])
        stream = p.streams.get("audio in")
        if stream is not None:
            ax.plot(stream.times, stream.values["latency"])
        ax.set_title(p.name, fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def encoders(report: MeetingReport) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    """The PNG encode of one drawn chart, RGB first and by slicing the RGBA array."""
    chart = quality_figure(report, "Europe/Berlin")
    chart.text.finish()
    chart.fig.canvas.draw()
    canvas = chart.fig.canvas

    def save(image: Image.Image) -> bytes:
        image = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=6)
        return buf.getvalue()

    def rgb_first() -> bytes:
        return save(Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                     "raw", "RGBA", 0, 1).convert("RGB"))

    def sliced() -> bytes:
        return save(Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3]))

    return rgb_first, sliced


def timer(fn: Callable[[], object], sizes: dict[str, int] | None = None,
          name: str = "") -> Callable[[], float]:
    def run() -> float:
        start = time.perf_counter()
        out = fn()
        if sizes is not None and isinstance(out, bytes):
            sizes[name] = len(out)
        return (time.perf_counter() - start) * 1000
    return run


def bench(rounds: int) -> None:
    reports = {f"{n} × {m}": analyze_meeting(crowd(n, m), meeting(m, f"{n} people"))
               for n, m in CASES}
    goal = reports["50 × 90"]
    rgb_first, sliced = encoders(goal)
    sizes: dict[str, int] = {}
    candidates = [(name, timer(lambda r=r: quality_chart(r, "Europe/Berlin"), sizes, name))
                  for name, r in reports.items()]
    candidates += [("naive 50 × 90", timer(lambda: naive_heatmap(goal))),
                   ("encode RGB first", timer(rgb_first)),
                   ("encode RGBA slice", timer(sliced))]
    for _, run in candidates:  # warm caches (glyphs, fonts, imports)
        run()
    results = alternate(candidates, rounds)
    print(f"{max(rounds, MIN_ROUNDS)} alternating rounds; median (min–max)")
    print(f"{'participants × min':>19} | {'render ms':>16} | {'PNG KB':>6} | goal")
    print("-" * 70)
    for name in reports:
        ok = ""
        if name == "50 × 90":
            met = statistics.median(results[name]) <= GOAL_MS and sizes[name] / 1024 <= GOAL_KB
            ok = f"{'met' if met else 'MISSED'} (≤ {GOAL_MS} ms, ≤ {GOAL_KB} KB)"
        print(f"{name:>19} | {spread(results[name], '{:.0f}'):>16} | "
              f"{sizes[name] / 1024:>6.0f} | {ok}")
    naive = ratios(results["50 × 90"], results["naive 50 × 90"])
    print(f"naive matplotlib heatmap, 50 × 90: {spread(results['naive 50 × 90'], '{:.0f}')} ms;"
          f" ours ÷ naive per round {spread(naive)}")
    enc = ratios(results["encode RGB first"], results["encode RGBA slice"])
    print(f"PNG encode, 50 × 90: RGB first {spread(results['encode RGB first'], '{:.0f}')} ms, "
          f"RGBA slice {spread(results['encode RGBA slice'], '{:.0f}')} ms, ratio {spread(enc)};"
          f" identical bytes: {rgb_first() == sliced()}")


def seeded_meetings() -> list[tuple[dict, list[dict]]]:
    """The sandbox's seeded week (seed 1): meeting dicts and their qualities items."""
    from sandbox.qualities import meeting_items
    from sandbox.seed import seed_world
    from sandbox.world import World, iso

    world = World(seed=1)
    seed_world(world)
    out = []
    for m in sorted(world.meetings.values(), key=lambda m: m.start):
        title = world.series[m.series_id].title
        out.append(({"id": m.id, "title": title, "start": iso(m.start, ms=False),
                     "end": iso(m.end, ms=False)}, meeting_items(1, m)))
    return out


def every_cause() -> MeetingReport:
    """A crafted meeting where each §11 cause appears once."""
    rng = random.Random(5)

    def noisy(base: float, spell: tuple[int, int, float] | None = None):
        def f(i: int) -> float:
            if spell and spell[0] <= i < spell[1]:
                return spell[2] * (0.85 + 0.3 * rng.random())
            return base * (0.6 + 0.8 * rng.random())
        return f

    m = 45
    people = [
        item("Ana Lima", minutes=m, network="ethernet", video=False,
             audio_out=media(minutes=m, loss=noisy(0.2, (12, 24, 11)))),
        *[item(n, minutes=m, network="ethernet", video=False,
               audio_in=media(minutes=m, loss=noisy(0.2, (12, 24, 9)), latency=noisy(50)))
          for n in ("Bruno Costa", "Chen Wei")],
        item("Dana Okafor", minutes=m, network="ethernet", transport="TCP",
             latency=lambda i: 250 if i % 3 else 340, jitter=noisy(40)),
        item("Emeka Ito", minutes=m, network="wifi", loss=noisy(0.3, (30, 38, 8)),
             cpu=lambda i: 97 if 29 <= i < 39 else 40),
        item("Fatima Silva", minutes=m, network="wifi", jitter=noisy(8, (5, 11, 75))),
        item("Giulia Rossi", minutes=m, network="cellular", client="Webex Mobile",
             latency=noisy(300, (20, 27, 520)), version="43.9"),
        item("Hiro Tanaka", minutes=m, network="ethernet", latency=noisy(45)),
        item("Ines Berg", start=T0 + timedelta(minutes=10), minutes=m - 10, network="unknown",
             client="Phone", video=False, latency=noisy(110)),
    ]
    return analyze_meeting(people, meeting(m, "Causes, one of each"))


def examples() -> None:
    docs = ROOT / "docs"
    seeded = seeded_meetings()
    reports = [analyze_meeting(items, mt) for mt, items in seeded]
    small = next(r for r in reports if r.participant_count <= 5 and r.verdict == "poor")
    # The biggest meeting that went wrong: the chart is there to explain something.
    large = max((r for r in reports if r.participant_count > 5),
                key=lambda r: (r.verdict == "poor", r.participant_count))
    (docs / "example-small.png").write_bytes(quality_chart(small, "Europe/Berlin"))
    (docs / "example-large.png").write_bytes(quality_chart(large, "Europe/Berlin"))
    (docs / "example-causes.png").write_bytes(quality_chart(every_cause(), "Europe/Berlin"))
    last = max(r.start for r in reports if r.start).date() - timedelta(days=1)
    day = [r for r in reports if r.start and r.start.date() == last] or reports[-3:]
    history = [(last - timedelta(days=k), 0.01 * k) for k in range(1, 8)]
    summary = summarize_day(last, "Europe/Berlin", day, history)
    (docs / "example-daily.png").write_bytes(daily_chart(summary, "Europe/Berlin"))
    print(f"wrote {docs}/example-small.png ({small.title}, {small.participant_count} people), "
          f"example-large.png ({large.title}, {large.participant_count}), example-causes.png, "
          f"example-daily.png ({date.isoformat(last)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--examples", action="store_true", help="write docs/example-*.png")
    args = parser.parse_args()
    bench(max(1, args.rounds))
    if args.examples:
        examples()


if __name__ == "__main__":
    main()
