"""Meeting quality charts as PNG bytes. Pure: report in, bytes out; no pyplot, no I/O.

Up to SMALL_MAX participants: latency / jitter / loss panels (received and sent side by side),
one line per participant over good/fair/poor bands. More: charts_heatmap. Both open with the
answer (who, why, when) and are laid out for the width Webex shows an image at.
"""

from __future__ import annotations

from .analysis import MeetingReport
from .chart_metric import Panels, focus, top_for
from .chart_style import (
    BODY_PT,
    CLASS_COLORS,
    HEAD_PT,
    LINE_STYLES,
    MUTED,
    TEXT,
    TICK_PT,
    Chart,
    clean,
    title_block,
    zone_name,
)
from .charts_daily import daily_chart
from .charts_heatmap import heatmap_figure
from .samples import UNITS, zone
from .words import cause_text, headline, pct, when_bad

__all__ = ["SMALL_MAX", "daily_chart", "quality_chart", "quality_figure"]

SMALL_MAX = 5
PANELS = (("audio", "latency"), ("audio", "jitter"), ("audio", "loss"))
EXTRA_PANELS = 2  # rows added for verdicts the audio network metrics do not show


def panels(report: MeetingReport) -> list[tuple[str, str]]:
    """Audio latency, jitter and loss, plus the metric behind any fair or poor verdict that
    those three do not show (estimated MOS, video frame rate, video or share loss…), so a
    participant called poor is always drawn being poor."""
    rows = list(PANELS)
    for p in report.worst(SMALL_MAX):
        key = focus(p)
        if key not in rows and len(rows) < len(PANELS) + EXTRA_PANELS:
            rows.append(key)
    return rows


def panel_label(channel: str, metric: str) -> str:
    """"Latency (ms)" for audio's own three, "Video frame rate (fps)", "Audio est. MOS"."""
    name = "est. MOS" if metric == "MOS" else metric
    text = f"{channel} {name}" if channel != "audio" or metric == "MOS" else name
    unit = f" ({UNITS[metric]})" if UNITS.get(metric) else ""
    return f"{text[0].upper()}{text[1:]}{unit}"


def quality_chart(report: MeetingReport, tz: str = "UTC") -> bytes:
    """The chart for one meeting, 1200 px wide, times in `tz`."""
    return quality_figure(report, tz).png()


def quality_figure(report: MeetingReport, tz: str = "UTC") -> Chart:
    """The chart before encoding (tests read its text)."""
    if len(report.participants) > SMALL_MAX:
        return heatmap_figure(report, tz)
    return _line_chart(report, tz)


def _line_chart(report: MeetingReport, tz_name: str) -> Chart:
    tz, name = zone(tz_name), zone_name(tz_name)
    th = report.thresholds
    people = report.participants
    panel_h, gap = 1.0, 0.22
    keys_top = 0.62 + 0.38
    top0 = keys_top + max(len(people), 1) * 0.21 + 0.05
    extra = "Gaps are missing samples or rejoins."
    rows = panels(report)
    n = len(rows)
    chart = Chart(top0 + 0.3 + n * panel_h + (n - 1) * gap + 0.5
                  + Chart.footer_height(th, extra))
    title_block(chart, report, tz, name)
    head, cls = headline(people, report.verdict)
    chart.label(0.15, 0.74, head, HEAD_PT, color=MUTED if cls == "no data" else CLASS_COLORS[cls],
                weight="bold")
    for k, p in enumerate(people):
        color, dash = LINE_STYLES[k % len(LINE_STYLES)]
        y = keys_top + k * 0.21
        chart.line_key(0.15, y, color, dash, 0.32)
        parts = [clean(p.name, 40), cause_text(p) if p.cause else p.verdict]
        if p.verdict in ("poor", "fair"):
            parts.append(f"{pct(p.poor_share)} poor" if p.verdict == "poor" else "fair")
            parts.append(when_bad(p, report.timeline_start, tz))
        chart.label(0.55, y, chart.fit(" — ".join(x for x in parts if x), BODY_PT,
                                       chart.w - 0.7), BODY_PT, color=TEXT)
    left, right, between = 0.62, 0.42, 0.42
    width = (chart.w - left - right - between) / 2
    for c, text in enumerate(("Received (in)", "Sent (out)")):
        chart.label(left + c * (width + between), top0 + 0.12, text, BODY_PT, color=TEXT,
                    weight="bold")
    start = report.start.timestamp() if report.start else 0.0
    end = report.end.timestamp() if report.end else start + 60
    batch = Panels(chart, th, start, end, tz)
    for r, (channel, metric) in enumerate(rows):
        arrays = [st.values[metric] for p in people for d in ("in", "out")
                  if (st := p.streams.get(f"{channel} {d}")) is not None and metric in st.values]
        top = top_for(metric, th, arrays)
        y = top0 + 0.3 + r * (panel_h + gap)
        for c, direction in enumerate(("in", "out")):
            lines = [(p.streams.get(f"{channel} {direction}"),
                      *LINE_STYLES[k % len(LINE_STYLES)]) for k, p in enumerate(people)]
            batch.add(left + c * (width + between), y, width, panel_h, metric, top, lines,
                      x_labels=r == n - 1, band_labels=c == 1)
        chart.label(0.12, y + panel_h / 2, panel_label(channel, metric), TICK_PT, color=MUTED,
                    ha="center", vertical=True)
    chart.label(left, top0 + 0.3 + n * panel_h + (n - 1) * gap + 0.33, f"Time ({name})",
                TICK_PT, color=MUTED)
    batch.draw()
    chart.footer(th, extra)
    return chart
