"""The /trends chart: % poor participant-minutes per week, one line per network type and one for
all. A pure function of the weekly sums; drawn narrow and with large type, because Webex shows
images at about 500–600 px wide and nobody opens a trend to read it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from bot.quality.chart_style import GRID, MUTED, TEXT, WIDTH_IN, Chart

if TYPE_CHECKING:
    from storage.history import WeekNetwork

HEIGHT_IN = 3.9  # with the house width (6 in at 200 dpi, 1200 px): at ~560 px, type ≥ 10 px
EPOCH = date(1970, 1, 1)

# Network types as Webex names them, in legend order; Okabe–Ito colours plus a dash each, so
# the lines stay apart in grey scale and for colour-vision deficiencies.
NETWORKS = [
    ("wifi", "Wi-Fi", "#0072B2", (0, (6, 2))),
    ("ethernet", "Ethernet", "#009E73", (0, (1.5, 1.5))),
    ("cellular", "Mobile data", "#D55E00", (0, (6, 2, 1.5, 2))),
    ("other", "Other/unknown", "#999999", (0, (3, 1))),
]
ALL = ("all", "All networks", "#222222", "-")


def network_group(network: str) -> str:
    value = (network or "").strip().lower()
    return value if value in ("wifi", "ethernet", "cellular") else "other"


def _monday(day_number: int) -> date:
    return EPOCH + timedelta(days=day_number)


def weekly_shares(
    weekly: list[WeekNetwork], since: datetime, until: datetime
) -> tuple[list[date], dict[str, np.ndarray]]:
    """Every Monday from the period's first week to its last, and per network group the % poor
    minutes of each week (NaN when that group had no minutes that week)."""
    first = since.astimezone(UTC).date()
    last = (until.astimezone(UTC) - timedelta(microseconds=1)).date()
    monday = first - timedelta(days=first.weekday())
    weeks: list[date] = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    index = {w: k for k, w in enumerate(weeks)}
    sums = {key: np.zeros((len(weeks), 2)) for key, *_ in [*NETWORKS, ALL]}
    for w in weekly:
        k = index.get(_monday(w.monday))
        if k is None:
            continue
        for key in (network_group(w.network), "all"):
            sums[key][k] += (w.minutes, w.poor_minutes)
    shares = {}
    for key, arr in sums.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            shares[key] = np.where(arr[:, 0] > 0, 100 * arr[:, 1] / arr[:, 0], np.nan)
    return weeks, shares


def _step(top: float) -> float:
    raw = top / 4
    mag = 10 ** np.floor(np.log10(max(raw, 1e-9)))
    return float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))


def trends_chart(
    weekly: list[WeekNetwork],
    since: datetime,
    until: datetime,
    title: str,
    subtitle: str,
) -> bytes:
    weeks, shares = weekly_shares(weekly, since, until)
    chart = Chart(HEIGHT_IN, WIDTH_IN)
    chart.label(0.2, 0.38, chart.fit(title, 14, WIDTH_IN - 0.4, "bold"), 14, color=TEXT,
                weight="bold", va="baseline")
    chart.label(0.2, 0.66, chart.fit(subtitle, 10, WIDTH_IN - 0.4), 10, color=MUTED,
                va="baseline")
    shown = [s for s in [*NETWORKS, ALL] if not np.all(np.isnan(shares[s[0]]))]
    x, y = 0.2, 0.98
    for key, label, color, dash in shown:
        width = chart.width(label, 10) + 0.75
        if x + width > WIDTH_IN - 0.1:
            x, y = 0.2, y + 0.24
        chart.line_key(x, y, color, dash, w=0.36)
        chart.label(x + 0.44, y, label, 10, color=TEXT, va="center",
                    weight="bold" if key == "all" else "normal")
        x += width
    top_in = y + 0.32
    left, bottom = 0.75, 0.45
    ax = chart.axes(left, top_in, WIDTH_IN - left - 0.25, HEIGHT_IN - top_in - bottom)
    xs = np.arange(len(weeks), dtype=float)
    values = [shares[key] for key, *_ in shown]
    peak = max((float(np.nanmax(v)) for v in values), default=0.0)
    top = max(5.0, peak * 1.15)
    # A margin of a few weeks on long spans keeps the first date clear of the "0%" label.
    ax.set_xlim(-max(0.5, len(weeks) * 0.04), max(len(weeks) - 0.5, 0.5))
    ax.set_ylim(0, top)
    single = len(weeks) <= 1
    for key, _label, color, dash in shown:
        vals = shares[key]
        ax.plot(xs, vals, color=color, ls=dash, lw=3.0 if key == "all" else 2.0,
                marker="o" if single or len(weeks) <= 12 else None, ms=5, zorder=4 if
                key == "all" else 3)
    every = max(1, int(np.ceil(len(weeks) / 7)))
    step = _step(top)
    chart.ticks(ax, x=[(k, f"{w:%d %b}") for k, w in enumerate(weeks) if k % every == 0],
                y=[(v, f"{v:g}%") for v in np.arange(0, top * 0.999, step)], size=9.5,
                grid_color=GRID)
    if not shown:
        chart.label(left + 2.5, top_in + 1.2, "No minutes with data", 12, color=MUTED,
                    ha="center")
    chart.label(WIDTH_IN - 0.25, HEIGHT_IN - 0.1, "weeks start on Monday (UTC)", 8.5,
                color=MUTED, ha="right", va="baseline")
    return chart.png()
