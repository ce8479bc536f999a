"""The many-participant chart, for the chat preview: the answer first (who, why, when), then a
participant × minute heatmap with % poor and cause per row, then the worst participants' metric
behind their verdict."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import ListedColormap

from .analysis import MeetingReport
from .chart_metric import Panels, focus, metric_label, top_for
from .chart_style import (
    BODY_PT,
    CLASS_COLORS,
    CLASS_HATCH,
    HATCH_COLOR,
    HEAD_PT,
    LINE_STYLES,
    MUTED,
    TEXT,
    TICK_PT,
    Chart,
    clean,
    time_ticks,
    title_block,
    zone_name,
)
from .participants import ParticipantReport
from .samples import ABSENT, FAIR, POOR, zone
from .words import cause_text, headline, pct, share_words, when_bad

MAX_ROWS = 24  # more rows would not be legible at chat size; the rest are counted
MULTIPLES = 4  # worst participants drawn as small line charts (two by two)
ANSWERS = 3  # worst participants named in the headline
_CMAP = ListedColormap([CLASS_COLORS[c] for c in ("absent", "no data", "good", "fair", "poor")])

NAME_R, HEAT_L, HEAT_R, BAR_L, BAR_W, PCT_L, CAUSE_L = 1.35, 1.45, 3.95, 4.03, 0.32, 4.4, 4.8


def answer_block(chart: Chart, report: MeetingReport, tz, y: float) -> float:
    """The headline and who/why/when of the worst few; returns the y below it."""
    head, cls = headline(report.participants, report.verdict)
    color = MUTED if cls == "no data" else CLASS_COLORS[cls]
    chart.label(0.15, y + 0.12, head, HEAD_PT, color=color, weight="bold")
    y += 0.33
    for p in report.worst(ANSWERS):
        spell = when_bad(p, report.timeline_start, tz)
        line = " — ".join(x for x in (clean(p.name, 40), cause_text(p), spell) if x)
        chart.swatch(0.15, y, p.verdict, 0.14, 0.12)
        chart.label(0.36, y, chart.fit(line, BODY_PT, chart.w - 0.5), BODY_PT, color=TEXT)
        y += 0.2
    return y + 0.05


def heatmap_chart(report: MeetingReport, tz_name: str) -> bytes:
    return heatmap_figure(report, tz_name).png()


def heatmap_figure(report: MeetingReport, tz_name: str) -> Chart:
    tz = zone(tz_name)
    people = report.participants[:MAX_ROWS]
    hidden = report.participants[MAX_ROWS:]
    worst = report.worst(MULTIPLES)
    rows = len(people)
    row_h = 0.17 if rows > 12 else 0.21
    answers = min(ANSWERS, len(report.worst(ANSWERS)))
    heat_top = 0.62 + 0.38 + answers * 0.2 + 0.55
    heat_bottom = heat_top + max(rows, 1) * row_h
    multi_top = heat_bottom + 0.5 + (0.22 if hidden else 0)
    multi_rows = math.ceil(len(worst) / 2)
    extra = "MOS is an estimate, audio only."
    height = (multi_top + (0.5 + multi_rows * 1.45 if worst else 0)
              + Chart.footer_height(report.thresholds, extra))
    chart = Chart(height)
    y = title_block(chart, report, tz, zone_name(tz_name))
    answer_block(chart, report, tz, y)
    chart.class_legend(HEAT_L, heat_top - 0.33, ["good", "fair", "poor", "no data"], TICK_PT)
    chart.label(BAR_L, heat_top - 0.12, "% poor · cause", TICK_PT, color=TEXT, weight="bold")

    if rows:
        _heatmap(chart, report, people, tz, heat_top, row_h)
        _row_labels(chart, people, heat_top, row_h)
        chart.label(HEAT_L, heat_bottom + 0.33,
                    f"Time ({zone_name(tz_name)}) · one cell = one minute",
                    TICK_PT, color=MUTED)
    if hidden:
        counts = {v: sum(p.verdict == v for p in hidden) for v in ("poor", "fair")}
        chart.label(0.15, heat_bottom + 0.55,
                    f"+{len(hidden)} more not shown: {counts['poor']} poor, {counts['fair']} "
                    f"fair, the rest good or without data", BODY_PT, color=TEXT, weight="bold")
    if worst:
        _multiples(chart, report, worst, tz, multi_top)
    chart.footer(report.thresholds, extra)
    return chart


def _box(x: float, y: float, w: float, h: float) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _runs(row: np.ndarray, cls: int) -> list[tuple[int, int]]:
    """(start, length) of consecutive minutes of one class, so hatching is a few big patches."""
    hit = np.concatenate(([0], (row == cls).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(hit))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def heat_grid(report: MeetingReport, people: list[ParticipantReport]) -> np.ndarray:
    """Rows of minute classes (samples.ABSENT..POOR), as drawn."""
    n = max(report.n_minutes, 1)
    grid = np.full((len(people), n), ABSENT, dtype=np.int8)
    for r, p in enumerate(people):
        grid[r, : len(p.minute_classes)] = p.minute_classes[:n]
    return grid


def _heatmap(chart: Chart, report: MeetingReport, people: list[ParticipantReport], tz,
             top: float, row_h: float) -> None:
    """The grid, drawn in the overlay in inches: one cell = one minute."""
    ax = chart.overlay()
    grid = heat_grid(report, people)
    rows, n = grid.shape
    bottom, cell = top + rows * row_h, (HEAT_R - HEAT_L) / n
    ax.imshow(grid + 1, cmap=_CMAP, vmin=-0.5, vmax=4.5, aspect="auto",
              interpolation="nearest", extent=(HEAT_L, HEAT_R, bottom, top))
    for cls, name in ((POOR, "poor"), (FAIR, "fair")):
        rects = [_box(HEAT_L + a * cell, top + r * row_h, length * cell, row_h)
                 for r in range(rows) for a, length in _runs(grid[r], cls)]
        if rects:
            ax.add_collection(PolyCollection(
                rects, facecolors="none", edgecolors="none", linewidths=0,
                hatch=CLASS_HATCH[name], hatchcolor=HATCH_COLOR, alpha=0.5))
    ax.hlines(top + np.arange(1, rows) * row_h, HEAT_L, HEAT_R, color="white", lw=0.8)
    ax.hlines([bottom], HEAT_L, HEAT_R, color="#BBBBBB", lw=0.8)
    ax.set_xlim(0, chart.w)  # imshow resets the limits to its extent
    ax.set_ylim(chart.h, 0)
    if report.timeline_start is not None:
        t0 = report.timeline_start.timestamp()
        for t, text in time_ticks(t0, t0 + n * 60, tz, 5):
            chart.label(HEAT_L + (t - t0) / 60 * cell, bottom + 0.1, text, TICK_PT, color=MUTED,
                        ha="center")


def _row_labels(chart: Chart, people: list[ParticipantReport], top: float, row_h: float) -> None:
    """Name left; a % poor bar, the figure and the cause right: who and why on one row."""
    size = TICK_PT if row_h < 0.2 else BODY_PT
    bars = []
    most = max((p.poor_share for p in people), default=0.0) or 1.0
    for r, p in enumerate(people):
        y = top + (r + 0.5) * row_h
        chart.label(NAME_R, y, chart.fit(clean(p.name), size, NAME_R - 0.1), size, color=TEXT,
                    ha="right")
        if p.poor_share > 0:
            bars.append(_box(BAR_L, y - row_h * 0.3, max(0.02, BAR_W * p.poor_share / most),
                             row_h * 0.6))
        bad = p.verdict in ("poor", "fair")
        share = ("fair" if p.verdict == "fair" and not p.poor_share else pct(p.poor_share)
                 if p.data_minutes else "–")
        chart.label(PCT_L, y, share, size,
                    color=TEXT if bad else MUTED, weight="bold" if p.verdict == "poor" else
                    "normal")
        if p.cause:
            chart.label(CAUSE_L, y, chart.fit(cause_text(p), size, chart.w - CAUSE_L - 0.1),
                        size, color=TEXT)
    if bars:
        chart.overlay().add_collection(PolyCollection(
            bars, facecolors=CLASS_COLORS["poor"], hatch="////", hatchcolor=HATCH_COLOR,
            edgecolors="none", linewidths=0))


def _multiples(chart: Chart, report: MeetingReport, worst: list[ParticipantReport], tz,
               top: float) -> None:
    """Small line charts of the worst participants: the metric behind each one's verdict."""
    th = report.thresholds
    chart.label(0.15, top + 0.1, "Worst participants: the metric behind their verdict", HEAD_PT,
                color=TEXT, weight="bold")
    x = 0.2
    for (color, dash), text in zip(LINE_STYLES[:2], ("received (in)", "sent (out)"),
                                   strict=True):
        chart.line_key(x, top + 0.32, color, dash, 0.3)
        x += 0.38 + chart.label(x + 0.38, top + 0.32, text, TICK_PT, color=TEXT) + 0.25
    t0 = report.start.timestamp() if report.start else 0.0
    t1 = report.end.timestamp() if report.end else t0 + 60
    batch = Panels(chart, th, t0, t1, tz)
    cell_w, w, h = (chart.w - 0.2) / 2, (chart.w - 0.2) / 2 - 0.55, 0.8
    for k, p in enumerate(worst):
        r, c = divmod(k, 2)
        left, y = 0.5 + c * cell_w, top + 0.9 + r * 1.45  # y: top of the plot
        channel, metric = focus(p)
        streams = [p.streams.get(f"{channel} {d}") for d in ("in", "out")]
        arrays = [s.values[metric] for s in streams if s is not None and metric in s.values]
        batch.add(left, y, w, h, metric, top_for(metric, th, arrays),
                  [(s, *style) for s, style in zip(streams, LINE_STYLES[:2], strict=True)],
                  x_labels=True, n_ticks=3)
        head = " — ".join(x for x in (clean(p.name), cause_text(p)) if x)
        chart.label(left - 0.35, y - 0.25, chart.fit(head, BODY_PT, cell_w - 0.15, "bold"),
                    BODY_PT, color=TEXT, weight="bold")
        chart.label(left - 0.35, y - 0.09,
                    chart.fit(f"{metric_label(channel, metric)} · {share_words(p)}",
                              TICK_PT, cell_w - 0.15), TICK_PT, color=MUTED)
    batch.draw()
