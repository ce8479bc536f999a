"""One metric over meeting time: limits, class bands with threshold lines, scales, and which
metric explains a participant's verdict. Shared by the line chart and the heatmap's multiples."""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes

from .chart_style import (
    BAND_TINT,
    CLASS_COLORS,
    TICK_PT,
    Chart,
    time_ticks,
    to_num,
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


def stream_panel(chart: Chart, ax: Axes, start: float, end: float, metric: str, top: float,
                 th: Thresholds, lines: list[tuple[StreamReport | None, str, object]], tz, *,
                 band_labels: bool, x_labels: bool) -> None:
    """One metric over meeting time: bands, threshold lines, data lines (NaN = gap), ticks."""
    spans = bands_for(metric, th, top)
    for name, lo, hi in spans:
        ax.axhspan(lo, hi, color=BAND_TINT[name], lw=0, zorder=0)
    fair, poor = limits(metric, th)
    for value, name in ((fair, "fair"), (poor, "poor")):
        if value < top:
            ax.axhline(value, color=CLASS_COLORS[name], lw=1.0, ls=(0, (4, 2)), zorder=1)
    for stream, color, dash in lines:
        if stream is not None and metric in stream.values:
            ax.plot(to_num(stream.times), stream.values[metric], color=color, ls=dash, lw=1.4,
                    zorder=3)
    ax.set_xlim(*to_num(np.array([start, end])))
    ax.set_ylim(0, top)
    ticks = [(float(to_num(np.array([t]))[0]), s) for t, s in time_ticks(start, end, tz, 4)]
    # White grid lines read as gaps in the coloured bands instead of adding clutter.
    chart.ticks(ax, x=ticks if x_labels else None, y=value_ticks(top, 3), grid_color="#FFFFFF")
    if not x_labels:
        ax.vlines([v for v, _ in ticks], 0, top, color="#FFFFFF", lw=0.6, zorder=0.5)
    if band_labels:
        to_px = ax.transData.transform
        for name, lo, hi in spans:
            if name != "good" and hi - lo > top * 0.12:
                px, py = to_px((ax.get_xlim()[1], (lo + hi) / 2))
                chart.text.add(px + 8, py, name, TICK_PT, CLASS_COLORS[name], weight="bold")
