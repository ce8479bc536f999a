"""Meeting quality charts as PNG bytes. Pure: report in, bytes out; no pyplot, no I/O.

Up to SMALL_MAX participants: latency / jitter / loss panels (received and sent side by side),
one line per participant over good/fair/poor bands. More: charts_heatmap.
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from .analysis import MeetingReport, StreamReport
from .chart_style import (
    CLASS_COLORS,
    LINE_STYLES,
    MUTED,
    TEXT,
    Chart,
    clean,
    time_ticks,
    title_block,
    to_num,
)
from .charts_daily import daily_chart
from .charts_heatmap import heatmap_chart
from .participants import compact_reasons
from .samples import zone
from .thresholds import Thresholds

__all__ = ["SMALL_MAX", "bands", "bands_for", "daily_chart", "quality_chart", "stream_panel"]

SMALL_MAX = 5
PANELS = (("latency", "Latency", "ms"), ("jitter", "Jitter", "ms"), ("loss", "Packet loss", "%"))


def quality_chart(report: MeetingReport, tz: str = "UTC") -> bytes:
    """The chart for one meeting, 1400 px wide, times in `tz`."""
    if len(report.participants) > SMALL_MAX:
        return heatmap_chart(report, tz)
    return _line_chart(report, tz)


def limits(metric: str, th: Thresholds) -> tuple[float, float]:
    """(fair from, poor beyond) for a metric; for MOS and frame rate higher is better."""
    return {
        "latency": (th.latency_fair_ms, th.latency_poor_ms),
        "jitter": (th.jitter_fair_ms, th.jitter_poor_ms),
        "loss": (th.loss_fair_pct, th.loss_poor_pct),
        "frame rate": (th.fps_good, th.fps_poor),
        "MOS": (th.mos_good, th.mos_poor),
    }[metric]


def bands_for(metric: str, th: Thresholds, top: float) -> list[tuple[str, float, float]]:
    """(class, low, high) spans from 0 to top."""
    fair, poor = limits(metric, th)
    if metric in ("MOS", "frame rate"):
        spans = [("poor", 0, poor), ("fair", poor, fair), ("good", fair, top)]
    else:
        spans = [("good", 0, fair), ("fair", fair, poor), ("poor", poor, top)]
    return [(n, lo, min(hi, top)) for n, lo, hi in spans if min(hi, top) > lo]


def bands(ax: Axes, metric: str, th: Thresholds, top: float) -> list[tuple[str, float, float]]:
    """Light good/fair/poor spans behind the data; returns them for labelling."""
    spans = bands_for(metric, th, top)
    for name, lo, hi in spans:
        ax.axhspan(lo, hi, color=CLASS_COLORS[name], alpha=0.13, lw=0, zorder=0)
    return spans


def top_for(metric: str, th: Thresholds, arrays: list[np.ndarray]) -> float:
    _, poor = limits(metric, th)
    data = np.concatenate(arrays) if arrays else np.zeros(0)
    data = data[~np.isnan(data)]
    peak = float(np.percentile(data, 99.5)) if data.size else 0.0
    if metric == "MOS":
        return 4.6
    if metric == "frame rate":
        return max(32.0, peak * 1.1)
    # Always show where "poor" starts, but let real spikes set the scale.
    return max(poor * 1.3, peak * 1.12)


def y_ticks(top: float) -> list[tuple[float, str]]:
    raw = top / 4
    mag = 10 ** np.floor(np.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [(v, f"{v:g}") for v in np.arange(0, top * 0.999, step)]


def stream_panel(chart: Chart, ax: Axes, report: MeetingReport, metric: str, top: float,
                 lines: list[tuple[StreamReport | None, str, object]], tz, *,
                 band_labels: bool, x_labels: bool, n_xticks: int = 9) -> None:
    """One metric over meeting time: bands, lines (NaN = gap), hand-drawn ticks."""
    spans = bands(ax, metric, report.thresholds, top)
    for stream, color, dash in lines:
        if stream is not None and metric in stream.values:
            ax.plot(to_num(stream.times), stream.values[metric], color=color, ls=dash, lw=1.5,
                    zorder=3)
    start = report.start.timestamp() if report.start else 0.0
    end = report.end.timestamp() if report.end else start + 60
    ax.set_xlim(*to_num(np.array([start, end])))
    ax.set_ylim(0, top)
    ticks = [(float(to_num(np.array([t]))[0]), s) for t, s in time_ticks(start, end, tz,
                                                                          n_xticks)]
    # White grid lines read as gaps in the coloured bands instead of adding clutter.
    chart.ticks(ax, x=ticks if x_labels else None, y=y_ticks(top), grid_color="#FFFFFF")
    if not x_labels:
        ax.vlines([v for v, _ in ticks], 0, top, color="#FFFFFF", lw=0.6, zorder=0.5)
    if band_labels:
        to_px = ax.transData.transform
        for name, lo, hi in spans:
            if hi - lo > top * 0.08:
                px, py = to_px((ax.get_xlim()[1], (lo + hi) / 2))
                chart.text.add(px + 5, py, name, 7.5, CLASS_COLORS[name], weight="bold")


def _line_chart(report: MeetingReport, tz_name: str) -> bytes:
    tz = zone(tz_name)
    th = report.thresholds
    people = report.participants
    legend_rows = (len(people) + 1) // 2
    top0 = 0.95 + legend_rows * 0.24
    panel_h, gap = 2.15, 0.32
    chart = Chart(top0 + 0.35 + 3 * panel_h + 2 * gap + 0.45 + 0.5)
    title_block(chart, report, tz, tz_name)
    for k, p in enumerate(people):
        color, dash = LINE_STYLES[k % len(LINE_STYLES)]
        x, y = 0.9 + (k % 2) * 6.5, 0.9 + (k // 2) * 0.24
        chart.line_key(x, y, color, dash)
        due = p.poor_due_to or p.fair_due_to
        text = f"{clean(p.label, 50)} — {p.verdict}" + (f": {compact_reasons(due)}" if due else "")
        chart.label(x + 0.5, y, chart.fit(text, 8.5, 5.9), 8.5, color=TEXT)
    if not people:
        chart.label(chart.w / 2, 3, "No quality samples for this meeting", 14, color=MUTED,
                    ha="center")
    left, width = 0.85, (chart.w - 0.85 - 0.75 - 0.5) / 2
    for c, text in enumerate(("Received by each participant (in)",
                              "Sent by each participant (out)")):
        chart.label(left + c * (width + 0.5), top0 + 0.12, text, 10, color=TEXT, weight="bold")
    for r, (metric, label, unit) in enumerate(PANELS):
        arrays = [st.values[metric] for p in people for d in ("in", "out")
                  if (st := p.streams.get(f"audio {d}")) is not None and metric in st.values]
        top = top_for(metric, th, arrays)
        y = top0 + 0.3 + r * (panel_h + gap)
        for c, direction in enumerate(("in", "out")):
            ax = chart.axes(left + c * (width + 0.5), y, width, panel_h)
            lines = [(p.streams.get(f"audio {direction}"), *LINE_STYLES[k % len(LINE_STYLES)])
                     for k, p in enumerate(people)]
            stream_panel(chart, ax, report, metric, top, lines, tz, band_labels=c == 1,
                         x_labels=r == 2)
        chart.label(0.3, y + panel_h / 2, f"{label} ({unit})", 8.5, color=MUTED, ha="center",
                    vertical=True)
    chart.label(left, top0 + 0.3 + 3 * panel_h + 2 * gap + 0.38,
                f"Local time ({tz_name})", 8, color=MUTED)
    chart.footer(th, "Lines: audio streams; gaps are missing samples (-1) or rejoins.")
    return chart.png()
