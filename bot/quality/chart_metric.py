"""One metric over meeting time: limits, class bands with threshold lines, scales, and which
metric explains a participant's verdict. Shared by the line chart and the heatmap's multiples."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.collections import LineCollection, PolyCollection

from .chart_style import (
    BAND_TINT,
    CLASS_COLORS,
    MUTED,
    TICK_PT,
    Chart,
    time_ticks,
    value_ticks,
)
from .participants import ParticipantReport, StreamReport
from .samples import UNITS
from .thresholds import Thresholds

HIGHER_IS_BETTER = ("MOS", "frame rate")


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
    if metric in HIGHER_IS_BETTER:
        spans = [("poor", 0, poor), ("fair", poor, fair), ("good", fair, top)]
    else:
        spans = [("good", 0, fair), ("fair", fair, poor), ("poor", poor, top)]
    return [(n, lo, min(hi, top)) for n, lo, hi in spans if min(hi, top) > lo]


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


def metric_label(channel: str, metric: str, directions: str = "in/out") -> str:
    name = "est. MOS" if metric == "MOS" else metric
    unit = f" ({UNITS[metric]})" if UNITS.get(metric) else ""
    return f"{channel} {directions} · {name}{unit}"


def focus(p: ParticipantReport) -> tuple[str, str]:
    """(channel, metric) behind the participant's verdict: among the streams as bad as the
    verdict, the metric most often at that level. A stream poor 15 % of the time outranks one
    fair all the time, and a participant poor by estimated MOS is shown MOS."""
    best: tuple[int, float, str, str] | None = None
    for st in p.streams.values():
        for level, reasons in ((3, st.poor_due_to), (2, st.fair_due_to)):
            for metric, share in reasons:
                key = (level, share, st.channel, metric)
                if best is None or key[:2] > best[:2]:
                    best = key
    return (best[2], best[3]) if best else ("audio", "latency")


Line = tuple[StreamReport | None, str, Any]  # stream, colour, dash


class Panels:
    """Metric-over-time panels drawn in the chart's inch overlay and batched: every panel's
    bands, grid, threshold lines and data lines go into a handful of collections, because one
    matplotlib axes per panel costs more than everything drawn in it."""

    def __init__(self, chart: Chart, th: Thresholds, start: float, end: float, tz) -> None:
        self.chart, self.th, self.tz = chart, th, tz
        self.t0, self.span = start, max(end - start, 60.0)
        self.ticks = time_ticks(start, start + self.span, tz, 4)
        self.rects: list[list[tuple[float, float]]] = []
        self.colors: list[tuple[float, float, float, float]] = []
        self.grid: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.limits: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.limit_colors: list[str] = []
        self.frame: list[tuple[tuple[float, float], tuple[float, float]]] = []
        self.lines: dict[tuple[str, object], tuple[list[np.ndarray], list[np.ndarray]]] = {}

    def add(self, left: float, y: float, w: float, h: float, metric: str, top: float,
            lines: list[Line], *, x_labels: bool, band_labels: bool = False,
            n_ticks: int | None = None) -> None:
        """One panel with its top-left corner at (left, y) inches."""
        chart, bottom = self.chart, y + h

        def ypos(v: float) -> float:
            return float(bottom - min(max(v, 0.0), top) / top * h)

        def ypos_all(v: np.ndarray) -> np.ndarray:
            return bottom - np.clip(v, 0, top) / top * h

        for name, lo, hi in bands_for(metric, self.th, top):
            self.rects.append([(left, ypos(hi)), (left + w, ypos(hi)), (left + w, ypos(lo)),
                               (left, ypos(lo))])
            self.colors.append(BAND_TINT[name])
            if band_labels and name != "good" and hi - lo > top * 0.12:
                chart.label(left + w + 0.06, ypos((lo + hi) / 2), name, TICK_PT,
                            color=CLASS_COLORS[name], weight="bold")
        for value, name in zip(limits(metric, self.th), ("fair", "poor"), strict=True):
            if value < top:
                self.limits.append(((left, ypos(value)), (left + w, ypos(value))))
                self.limit_colors.append(CLASS_COLORS[name])
        for stream, color, dash in lines:
            if stream is None or metric not in stream.values:
                continue
            xs, ys = self.lines.setdefault((color, dash), ([], []))
            xs += [left + (stream.times - self.t0) / self.span * w, np.array([np.nan])]
            ys += [ypos_all(stream.values[metric]), np.array([np.nan])]
        # White grid lines read as gaps in the coloured bands instead of adding clutter.
        for v, text in value_ticks(top, 3):
            self.grid.append(((left, ypos(v)), (left + w, ypos(v))))
            chart.label(left - 0.05, ypos(v), text, TICK_PT, color=MUTED, ha="right")
        ticks = self.ticks if n_ticks is None else time_ticks(self.t0, self.t0 + self.span,
                                                              self.tz, n_ticks)
        for t, text in ticks:
            xx = left + (t - self.t0) / self.span * w
            self.grid.append(((xx, y), (xx, bottom)))
            if x_labels:
                chart.label(xx, bottom + 0.1, text, TICK_PT, color=MUTED, ha="center")
        self.frame += [((left, y), (left, bottom)), ((left, bottom), (left + w, bottom))]

    def draw(self) -> None:
        ax = self.chart.overlay()
        ax.add_collection(PolyCollection(self.rects, facecolors=self.colors, linewidths=0,
                                         zorder=0))
        ax.add_collection(LineCollection(self.grid, colors="#FFFFFF", linewidths=0.7,
                                         zorder=0.5))
        ax.add_collection(LineCollection(self.limits, colors=self.limit_colors, linewidths=0.9,
                                         linestyles=(0, (4, 2)), zorder=1))
        ax.add_collection(LineCollection(self.frame, colors="#BBBBBB", linewidths=0.8,
                                         zorder=1.5))
        for (color, dash), (xs, ys) in self.lines.items():
            ax.plot(np.concatenate(xs), np.concatenate(ys), color=color, ls=dash, lw=1.3,
                    zorder=3)
