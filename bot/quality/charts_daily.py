"""The daily summary chart: per-meeting stacked minutes by class, and the 8-day poor trend."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from .chart_style import (
    CLASS_COLORS,
    CLASS_HATCH,
    HATCH_COLOR,
    MUTED,
    TEXT,
    Chart,
    clean,
)
from .daily import DaySummary
from .samples import zone

MAX_MEETINGS = 25
ORDER = ("poor", "fair", "good", "no data")  # poor next to the labels, where the eye starts
BAR_L, BAR_W, TREND_L, TREND_W = 3.4, 5.6, 10.1, 3.5


def daily_chart(summary: DaySummary, tz: str) -> bytes:
    zinfo = zone(tz)
    meetings = sorted(summary.meetings, key=lambda m: -(m.poor_share or 0.0))[:MAX_MEETINGS]
    rows = max(len(meetings), 1)
    # Few meetings get thicker bars so both panels share one height.
    plot_top, row_h = 1.45, min(0.55, max(0.32, 2.6 / rows))
    plot_h = max(2.6, rows * row_h)
    chart = Chart(plot_top + plot_h + 0.75)
    chart.label(0.15, 0.3, f"Meeting quality — {summary.day:%A %d %B %Y}", 15, color=TEXT,
                weight="bold", va="baseline")
    share = "no data" if summary.poor_share is None else f"{summary.poor_share:.0%}"
    chart.label(0.15, 0.56, f"{summary.meeting_count} meetings  ·  {summary.participants} "
                f"participants  ·  {share} poor participant-minutes  ·  trend vs previous 7 days: "
                f"{summary.trend}  ·  times in {tz}", 9.5, color=MUTED, va="baseline")
    chart.class_legend(BAR_L, 0.9, list(ORDER))
    chart.label(BAR_L, plot_top - 0.15, "Participant-minutes per meeting (worst first)", 10,
                color=TEXT, weight="bold")

    ax = chart.axes(BAR_L, plot_top, BAR_W, rows * row_h)
    ys = np.arange(len(meetings)) + 0.5
    left = np.zeros(len(meetings))
    bar_h = 0.68 if row_h < 0.5 else 0.55
    for name in ORDER:
        vals = np.array([m.minutes_by_class.get(name, 0) for m in meetings], float)
        if vals.any():
            ax.barh(ys, vals, left=left, height=bar_h, color=CLASS_COLORS[name],
                    hatch=CLASS_HATCH[name] or None, hatchcolor=HATCH_COLOR, edgecolor="none",
                    linewidth=0, zorder=2)
        left += vals
    top = float(left.max()) * 1.22 if len(left) and left.max() > 0 else 10.0
    ax.set_xlim(0, top)
    ax.set_ylim(rows, 0)
    ax.spines["left"].set_visible(False)
    step = _step(top)
    chart.ticks(ax, x=[(v, f"{v:g}") for v in np.arange(0, top * 0.95, step)])
    to_px = ax.transData.transform
    for r, (m, total) in enumerate(zip(meetings, left, strict=True)):
        when = f"{m.start.astimezone(zinfo):%H:%M}" if m.start else "--:--"
        chart.label(BAR_L - 0.1, plot_top + (r + 0.5) * row_h,
                    chart.fit(f"{when}  {clean(m.title)}", 8.5, BAR_L - 0.25), 8.5, color=TEXT,
                    ha="right")
        if m.poor_share is not None:
            px, py = to_px((total, r + 0.5))
            chart.text.add(px + 5, py, f"{m.poor_share:.0%} poor", 7.5, TEXT)
    if not meetings:
        chart.label(BAR_L + BAR_W / 2, plot_top + 1, "No meetings", 12, color=MUTED,
                    ha="center")

    chart.label(TREND_L, plot_top - 0.15, "% poor minutes, last 8 days", 10, color=TEXT,
                weight="bold")
    _trend(chart, chart.axes(TREND_L, plot_top, TREND_W, min(plot_h, 3.2) - 0.1), summary)
    return chart.png()


def _step(top: float) -> float:
    raw = top / 5
    mag = 10 ** np.floor(np.log10(max(raw, 1e-9)))
    return float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))


def _trend(chart: Chart, ax, summary: DaySummary) -> None:
    days = [summary.day - timedelta(days=k) for k in range(7, 0, -1)] + [summary.day]
    known = dict(summary.history)
    known[summary.day] = summary.poor_share
    vals = np.array([np.nan if known.get(d) is None else 100 * known[d] for d in days])
    xs = np.arange(len(days), dtype=float)
    peak = float(np.nanmax(vals)) if not np.all(np.isnan(vals)) else 0.0
    top = max(10.0, peak * 1.3)
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_ylim(0, top)
    ax.plot(xs[:-1], vals[:-1], color=MUTED, lw=1.5, marker="o", ms=4, zorder=3)
    ax.plot(xs[-2:], vals[-2:], color=MUTED, lw=1.5, ls=":", zorder=3)
    if summary.baseline is not None:
        ax.axhline(100 * summary.baseline, color=CLASS_COLORS["good"], lw=1.2, ls="--", zorder=2)
    step = _step(top)
    chart.ticks(ax, x=[(x, f"{d:%a %d}") for x, d in zip(xs, days, strict=True)],
                y=[(v, f"{v:g}%") for v in np.arange(0, top * 0.95, step)], size=7)
    to_px = ax.transData.transform
    if not np.isnan(vals[-1]):
        ax.plot(xs[-1:], vals[-1:], marker="D", ms=8, color=CLASS_COLORS["poor"], zorder=4)
        px, py = to_px((xs[-1], vals[-1]))
        chart.text.add(px, py + 12, f"{vals[-1]:.0f}%", 8.5, TEXT, weight="bold", ha="center")
    if summary.baseline is not None:
        px, py = to_px((-0.4, 100 * summary.baseline))
        chart.text.add(px, py + 7, "previous 7-day mean", 7.5, CLASS_COLORS["good"])
