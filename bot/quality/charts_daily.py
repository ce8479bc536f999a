"""The daily summary chart: per-meeting stacked minutes by class, and the 8-day poor trend."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from .chart_style import (
    BODY_PT,
    CLASS_COLORS,
    CLASS_HATCH,
    HATCH_COLOR,
    HEAD_PT,
    MUTED,
    TEXT,
    TICK_PT,
    TITLE_PT,
    Chart,
    clean,
    value_ticks,
    zone_name,
)
from .daily import DaySummary
from .samples import zone
from .words import pct

MAX_MEETINGS = 12  # legible rows at chat size; the card lists them all
ORDER = ("poor", "fair", "good", "no data")  # poor next to the labels, where the eye starts
BAR_L, BAR_R, TREND_L = 1.75, 5.2, 0.6


def daily_chart(summary: DaySummary, tz: str) -> bytes:
    return daily_figure(summary, tz).png()


def daily_figure(summary: DaySummary, tz: str) -> Chart:
    zinfo = zone(tz)
    meetings = sorted(summary.meetings, key=lambda m: -(m.poor_share or 0.0))[:MAX_MEETINGS]
    rows = max(len(meetings), 1)
    plot_top, row_h = 1.35, 0.24
    trend_top = plot_top + rows * row_h + 0.75
    chart = Chart(trend_top + 1.35 + 0.45)
    chart.label(0.15, 0.3, f"Meeting quality — {summary.day:%a %d %b %Y}", TITLE_PT, color=TEXT,
                weight="bold", va="baseline")
    share = "no data" if summary.poor_share is None else pct(summary.poor_share)
    chart.label(0.15, 0.52, f"{summary.meeting_count} meetings · {summary.participants} people · "
                f"{share} poor minutes · times in {zone_name(tz)}", BODY_PT, color=MUTED,
                va="baseline")
    trend = f"Trend vs the previous 7 days: {summary.trend}"
    chart.label(0.15, 0.78, trend, HEAD_PT, color=TEXT, weight="bold")
    chart.class_legend(BAR_L, 1.02, list(ORDER), TICK_PT)
    chart.label(0.15, plot_top - 0.12, "Participant-minutes per meeting, worst first", BODY_PT,
                color=TEXT, weight="bold")

    ax = chart.axes(BAR_L, plot_top, BAR_R - BAR_L, rows * row_h)
    ys = np.arange(len(meetings)) + 0.5
    left = np.zeros(len(meetings))
    for name in ORDER:
        vals = np.array([m.minutes_by_class.get(name, 0) for m in meetings], float)
        if vals.any():
            ax.barh(ys, vals, left=left, height=0.7, color=CLASS_COLORS[name],
                    hatch=CLASS_HATCH[name] or None, hatchcolor=HATCH_COLOR, edgecolor="none",
                    linewidth=0, zorder=2)
        left += vals
    top = float(left.max()) * 1.25 if len(left) and left.max() > 0 else 10.0
    ax.set_xlim(0, top)
    ax.set_ylim(rows, 0)
    ax.spines["left"].set_visible(False)
    chart.ticks(ax, x=value_ticks(top, 4))
    to_px = ax.transData.transform
    for r, (m, total) in enumerate(zip(meetings, left, strict=True)):
        when = f"{m.start.astimezone(zinfo):%H:%M}" if m.start else "--:--"
        chart.label(BAR_L - 0.08, plot_top + (r + 0.5) * row_h,
                    chart.fit(f"{when} {clean(m.title)}", TICK_PT, BAR_L - 0.2), TICK_PT,
                    color=TEXT, ha="right")
        if m.poor_share is not None:
            px, py = to_px((total, r + 0.5))
            chart.text.add(px + 8, py, f"{pct(m.poor_share)} poor", TICK_PT, TEXT)
    if not meetings:
        chart.label((BAR_L + BAR_R) / 2, plot_top + 0.12, "No meetings", BODY_PT, color=MUTED,
                    ha="center")
    if len(summary.meetings) > len(meetings):
        chart.label(BAR_L, plot_top + rows * row_h + 0.38,
                    f"+{len(summary.meetings) - len(meetings)} more meetings in the card",
                    TICK_PT, color=MUTED)

    chart.label(0.15, trend_top - 0.15, "% poor minutes, last 8 days", BODY_PT, color=TEXT,
                weight="bold")
    _trend(chart, chart.axes(TREND_L, trend_top, chart.w - TREND_L - 0.5, 1.2), summary)
    return chart


def _trend(chart: Chart, ax, summary: DaySummary) -> None:
    days = [summary.day - timedelta(days=k) for k in range(7, 0, -1)] + [summary.day]
    known = dict(summary.history)
    known[summary.day] = summary.poor_share
    vals = np.array([np.nan if (v := known.get(d)) is None else 100 * v for d in days])
    xs = np.arange(len(days), dtype=float)
    peak = float(np.nanmax(vals)) if not np.all(np.isnan(vals)) else 0.0
    top = max(10.0, peak * 1.3)
    ax.set_xlim(-0.5, len(days) - 0.5)
    ax.set_ylim(0, top)
    ax.plot(xs[:-1], vals[:-1], color=MUTED, lw=1.5, marker="o", ms=4, zorder=3)
    ax.plot(xs[-2:], vals[-2:], color=MUTED, lw=1.5, ls=":", zorder=3)
    if summary.baseline is not None:
        ax.axhline(100 * summary.baseline, color=CLASS_COLORS["good"], lw=1.2, ls="--", zorder=2)
    chart.ticks(ax, x=[(x, f"{d:%a %d}") for x, d in zip(xs, days, strict=True)],
                y=value_ticks(top, 3, "%"))
    to_px = ax.transData.transform
    if not np.isnan(vals[-1]):
        ax.plot(xs[-1:], vals[-1:], marker="D", ms=7, color=CLASS_COLORS["poor"], zorder=4)
        px, py = to_px((xs[-1], vals[-1]))
        # The same words as the card: "<1%" for a sliver, never a rounded "1%".
        chart.text.add(px, py + 24, pct(summary.poor_share), BODY_PT, TEXT, weight="bold",
                       ha="center")
    if summary.baseline is not None:
        px, py = to_px((-0.4, 100 * summary.baseline))
        chart.text.add(px, py + 14, "previous 7-day mean", TICK_PT, CLASS_COLORS["good"])
