"""The many-participant chart: participant × minute heatmap, % poor bar, worst small multiples."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import ListedColormap

from .analysis import MeetingReport, ParticipantReport
from .chart_style import (
    CLASS_COLORS,
    CLASS_HATCH,
    HATCH_COLOR,
    LINE_STYLES,
    MUTED,
    TEXT,
    Chart,
    clean,
    time_ticks,
    title_block,
)
from .samples import ABSENT, FAIR, POOR, zone

MAX_ROWS = 40
MULTIPLES = 8  # worst participants drawn as small line charts
_CMAP = ListedColormap([CLASS_COLORS[c] for c in ("absent", "no data", "good", "fair", "poor")])
UNITS = {"latency": "ms", "jitter": "ms", "loss": "%", "frame rate": "fps", "MOS": ""}

LABEL_W, HEAT_L, HEAT_R, BAR_L, BAR_R = 3.1, 3.3, 11.15, 11.55, 13.45  # inches


def heatmap_chart(report: MeetingReport, tz_name: str) -> bytes:
    tz = zone(tz_name)
    people = report.participants[:MAX_ROWS]
    hidden = report.participants[MAX_ROWS:]
    worst = [p for p in report.participants if p.verdict in ("poor", "fair")][:MULTIPLES]
    rows = len(people)
    row_h = 0.2 if rows > 20 else 0.26
    heat_top = 1.3
    heat_bottom = heat_top + rows * row_h
    note_y = heat_bottom + 0.62
    multi_top = note_y + (0.4 if hidden else 0.05)
    multi_rows = math.ceil(len(worst) / 4)
    height = multi_top + (0.45 + multi_rows * 1.75 if worst else 0) + 0.55
    chart = Chart(height)
    title_block(chart, report, tz, tz_name)
    x = chart.class_legend(HEAT_L, 0.9, ["good", "fair", "poor", "no data"])
    chart.label(x + 0.2, 0.9, "one cell = one minute, worst metric of any stream · white = not in "
                "the meeting · worst participants first", 8, color=MUTED)

    heat = chart.axes(HEAT_L, heat_top, HEAT_R - HEAT_L, rows * row_h)
    _heatmap(chart, heat, report, people, tz)
    bar = chart.axes(BAR_L, heat_top, BAR_R - BAR_L, rows * row_h)
    _bars(chart, bar, people)
    chart.label(BAR_L, heat_top - 0.14, "% poor minutes", 9, color=TEXT, weight="bold")
    for r, p in enumerate(people):
        chart.label(LABEL_W + 0.1, heat_top + (r + 0.5) * row_h,
                    chart.fit(clean(p.label), 8, LABEL_W - 0.1), 8, color=TEXT, ha="right")
    chart.label(HEAT_L, heat_bottom + 0.36, f"Local time ({tz_name})", 8, color=MUTED)
    if hidden:
        poor_hidden = sum(p.verdict == "poor" for p in hidden)
        fair_hidden = sum(p.verdict == "fair" for p in hidden)
        chart.label(HEAT_L, note_y,
                    f"{len(hidden)} more participants not shown ({poor_hidden} poor, "
                    f"{fair_hidden} fair, the rest good or without data).", 9, color=TEXT,
                    weight="bold")
    if worst:
        _multiples(chart, report, worst, tz, multi_top)
    chart.footer(report.thresholds, f"Rows capped at {MAX_ROWS}. MOS is an estimate, audio only.")
    return chart.png()


def _box(x: float, y: float, w: float, h: float) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _runs(row: np.ndarray, cls: int) -> list[tuple[int, int]]:
    """(start, length) of consecutive minutes of one class, so hatching is a few big patches."""
    hit = np.concatenate(([0], (row == cls).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(hit))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _heatmap(chart: Chart, ax, report: MeetingReport, people: list[ParticipantReport],
             tz) -> None:
    n, rows = max(report.n_minutes, 1), len(people)
    grid = np.full((rows, n), ABSENT, dtype=np.int8)
    for r, p in enumerate(people):
        grid[r, : len(p.minute_classes)] = p.minute_classes[:n]
    ax.imshow(grid + 1, cmap=_CMAP, vmin=-0.5, vmax=4.5, aspect="auto",
              interpolation="nearest", extent=(0, n, rows, 0))
    for cls, name in ((POOR, "poor"), (FAIR, "fair")):
        rects = [_box(a, r, length, 1) for r in range(rows) for a, length in _runs(grid[r], cls)]
        if rects:
            ax.add_collection(PolyCollection(
                rects, facecolors="none", edgecolors="none", linewidths=0,
                hatch=CLASS_HATCH[name], hatchcolor=HATCH_COLOR, alpha=0.5))
    ax.hlines(np.arange(1, rows), 0, n, color="white", lw=1.0)
    ax.set_xlim(0, n)
    ax.set_ylim(rows, 0)
    ax.spines["left"].set_visible(False)
    if report.timeline_start is not None:
        t0 = report.timeline_start.timestamp()
        ticks = [((t - t0) / 60, s) for t, s in time_ticks(t0, t0 + n * 60, tz, 12)]
        chart.ticks(ax, x=ticks, grid=False)


def _bars(chart: Chart, ax, people: list[ParticipantReport]) -> None:
    shares = np.array([100 * p.poor_share for p in people])
    ys = np.arange(len(people)) + 0.5
    top = max(10.0, math.ceil(shares.max() * 1.3 / 10) * 10) if len(shares) else 10.0
    ax.set_xlim(0, top)
    ax.set_ylim(len(people), 0)
    # One collection instead of barh's patch per row: every artist costs transform set-up.
    ax.add_collection(PolyCollection(
        [_box(0, y - 0.33, v, 0.66) for y, v in zip(ys, shares, strict=True) if v > 0],
        facecolors=CLASS_COLORS["poor"], hatch="////", hatchcolor=HATCH_COLOR,
        edgecolors="none", linewidths=0, zorder=2))
    step = next(s for s in (5, 10, 20, 25, 50) if top / s <= 5)
    chart.ticks(ax, x=[(v, f"{v:g}") for v in np.arange(0, top + 0.1, step)])
    to_px = ax.transData.transform
    for yv, v in zip(ys, shares, strict=True):
        px, py = to_px((v, yv))
        chart.text.add(px + 4, py, f"{v:.0f}%", 7.5, TEXT if v else MUTED)
    ax.spines["left"].set_visible(False)


def focus(p: ParticipantReport) -> tuple[str, str]:
    """(channel, metric) that best explains a participant's verdict."""
    best: tuple[str, str, float] | None = None
    for st in p.streams.values():
        for metric, share in st.poor_due_to or st.fair_due_to:
            if best is None or share > best[2]:
                best = (st.channel, metric, share)
    return (best[0], best[1]) if best else ("audio", "latency")


def _multiples(chart: Chart, report: MeetingReport, worst: list[ParticipantReport], tz,
               top: float) -> None:
    """Small line charts of the worst participants, all drawn in one full-width axes whose
    data units are inches (y downwards): one axes per chart would cost more than the rest."""
    from .charts import bands_for, top_for, y_ticks

    chart.label(0.15, top + 0.2, "Worst participants: the metric behind their verdict", 11,
                color=TEXT, weight="bold")
    x = 5.3
    for (color, dash), text in zip(LINE_STYLES[:2], ("received (in)", "sent (out)"),
                                   strict=True):
        chart.line_key(x, top + 0.2, color, dash)
        x += 0.5 + chart.label(x + 0.5, top + 0.2, text, 8.5) + 0.3
    area_h = chart.h - top
    ax = chart.axes(0, top, chart.w, area_h)
    ax.set_xlim(0, chart.w)
    ax.set_ylim(area_h, 0)
    ax.set_axis_off()
    t0 = report.start.timestamp() if report.start else 0.0
    t1 = report.end.timestamp() if report.end else t0 + 60
    span = max(t1 - t0, 60.0)
    cell_w, w, h = (chart.w - 0.6) / 4, (chart.w - 0.6) / 4 - 0.6, 1.05
    rects, colors = [], []
    lines = {0: ([], []), 1: ([], [])}
    grid, frame = [], []
    for k, p in enumerate(worst):
        r, c = divmod(k, 4)
        left, y = 0.6 + c * cell_w, 0.75 + r * 1.75  # y: top of the plot, inside the area
        bottom = y + h
        channel, metric = focus(p)
        streams = [p.streams.get(f"{channel} {d}") for d in ("in", "out")]
        arrays = [s.values[metric] for s in streams if s is not None and metric in s.values]
        peak = top_for(metric, report.thresholds, arrays)
        for name, lo, hi in bands_for(metric, report.thresholds, peak):
            rects.append(_box(left, bottom - hi / peak * h, w, (hi - lo) / peak * h))
            colors.append(CLASS_COLORS[name])
        for i, s in enumerate(streams):
            if s is None or metric not in s.values:
                continue
            xs, ys = lines[i]
            xs.append(left + (s.times - t0) / span * w)
            ys.append(bottom - np.clip(s.values[metric], 0, peak) / peak * h)
            xs.append(np.array([np.nan]))
            ys.append(np.array([np.nan]))
        for v, text in y_ticks(peak):
            yy = bottom - v / peak * h
            grid.append(((left, yy), (left + w, yy)))
            chart.label(left - 0.05, top + yy, text, 7, color=MUTED, ha="right")
        for t, text in time_ticks(t0, t1, tz, 4):
            xx = left + (t - t0) / span * w
            grid.append(((xx, y), (xx, bottom)))
            chart.label(xx, top + bottom + 0.12, text, 7, color=MUTED, ha="center")
        frame += [((left, y), (left, bottom)), ((left, bottom), (left + w, bottom))]
        name = "est. MOS" if metric == "MOS" else metric
        unit = f" ({UNITS[metric]})" if UNITS[metric] else ""
        head = f"{clean(p.name)} · {p.verdict} · {p.poor_share:.0%} poor minutes"
        chart.label(left - 0.45, top + y - 0.22, chart.fit(head, 8.5, cell_w - 0.2, "bold"), 8.5,
                    color=TEXT, weight="bold")
        chart.label(left - 0.45, top + y - 0.08, f"{channel} {name}{unit}", 7.5, color=MUTED)
    ax.add_collection(PolyCollection(rects, facecolors=colors, alpha=0.13, linewidths=0))
    ax.add_collection(LineCollection(grid, colors="#FFFFFF", linewidths=0.7))
    ax.add_collection(LineCollection(frame, colors="#BBBBBB", linewidths=0.8))
    for i, (xs, ys) in lines.items():
        if xs:
            color, dash = LINE_STYLES[i]
            ax.plot(np.concatenate(xs), np.concatenate(ys), color=color, ls=dash, lw=1.3)
