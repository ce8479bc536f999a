"""Shared chart machinery: palette, layout in inches, hand-drawn ticks and text, PNG output.

Object-oriented matplotlib on Agg only. Text and tick labels go through pathtext.TextLayer and
axes get no matplotlib ticks at all: see pathtext for why (render time).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import IdentityTransform
from PIL import Image

from .pathtext import TextLayer, fit, text_width
from .samples import zone
from .thresholds import Thresholds

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
CLASS_COLORS = {
    "absent": "#FFFFFF",
    "no data": "#999999",
    "good": "#009E73",
    "fair": "#E69F00",
    "poor": "#D55E00",
}
# The second cue beside colour: hatching over fair and poor cells, bars and legend patches.
CLASS_HATCH = {"poor": "////", "fair": "..", "no data": "", "good": ""}
HATCH_COLOR = "#3A1A00"
# Lines per participant: the Okabe–Ito colours not used for classes, plus a dash pattern each.
LINE_STYLES = [
    ("#0072B2", "-"),
    ("#CC79A7", (0, (6, 2))),
    ("#000000", (0, (1.5, 1.5))),
    ("#56B4E9", (0, (6, 2, 1.5, 2))),
    ("#7F4F00", (0, (3, 1))),
]
# Behind lines: the three classes must differ at a glance, so the alphas climb steeply, and a
# threshold line marks where each starts.
BAND_ALPHA = {"good": 0.10, "fair": 0.26, "poor": 0.42}


def tint(color: str, alpha: float) -> tuple[float, float, float, float]:
    """`color` at `alpha` over white, as an opaque colour: opaque fills draw much faster."""
    r, g, b, _ = to_rgba(color)
    return (1 - alpha + alpha * r, 1 - alpha + alpha * g, 1 - alpha + alpha * b, 1.0)


BAND_TINT = {name: tint(CLASS_COLORS[name], a) for name, a in BAND_ALPHA.items()}
TEXT = "#222222"
MUTED = "#5A5A5A"
GRID = "#E3E3E3"
# Webex shows an image about 500-600 px wide in the conversation. Charts are laid out for a
# 6-inch page, where 9 pt text is 1/48 of the width (about 11 px at chat size), and rendered at
# 200 dpi so the opened image stays sharp.
DPI = 200
WIDTH_IN = 6.0  # 1200 px

TITLE_PT, HEAD_PT, BODY_PT, TICK_PT, FOOT_PT = 13.0, 10.5, 9.0, 8.0, 6.5

# Only what our few native artists read; no font lookups happen for text (pathtext).
RC: dict[Any, Any] = {"font.family": "DejaVu Sans", "hatch.linewidth": 0.6, "path.simplify": True,
      "axes.edgecolor": "#BBBBBB", "axes.linewidth": 0.8}


def clean(text: object, limit: int | None = None) -> str:
    text = " ".join(str(text).split())
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def nice_step(top: float, most: int = 5) -> float:
    """A 1-2-2.5-5 step giving at most `most` intervals from 0 to top."""
    raw = max(top, 1e-9) / most
    mag = 10 ** np.floor(np.log10(raw))
    return float(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))


def value_ticks(top: float, most: int = 4, suffix: str = "") -> list[tuple[float, str]]:
    step = nice_step(top, most)
    return [(float(v), f"{v:g}{suffix}") for v in np.arange(0, top * 0.999, step)]


def time_ticks(start: float, end: float, tz: tzinfo, most: int = 6) -> list[tuple[float, str]]:
    """(epoch seconds, "HH:MM") at round local times between start and end."""
    span = max(end - start, 60.0) / 60
    step = next((s for s in (5, 10, 15, 30, 60, 120, 240, 480) if span / s <= most), 720)
    local = datetime.fromtimestamp(start, tz)
    base = local.replace(second=0, microsecond=0, minute=0)
    t = base
    out = []
    while t.timestamp() <= end + 1:
        if t.timestamp() >= start - 1:
            out.append((t.timestamp(), f"{t:%H:%M}"))
        t = (t.astimezone(UTC) + timedelta(minutes=step)).astimezone(tz)
    return out


def wrap(text: str, size: float, max_in: float) -> list[str]:
    """Greedy word wrap to lines at most max_in inches wide."""
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if line and text_width(trial, size, "normal", DPI) / DPI > max_in:
            lines.append(line)
            line = word
        else:
            line = trial
    return [*lines, line] if line else lines


class Chart:
    """A figure laid out in inches from the top-left corner, with a text layer."""

    def __init__(self, height_in: float, width_in: float = WIDTH_IN) -> None:
        self.w, self.h = width_in, height_in
        with matplotlib.rc_context(RC):
            self.fig = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
        FigureCanvasAgg(self.fig)
        self.text = TextLayer(self.fig)
        self._overlay: Axes | None = None

    def axes(self, left: float, top: float, width: float, height: float) -> Axes:
        with matplotlib.rc_context(RC):
            ax = self.fig.add_axes((left / self.w, 1 - (top + height) / self.h,
                                    width / self.w, height / self.h))
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return ax

    def overlay(self) -> Axes:
        """One invisible axes over the whole figure whose data units are inches from the
        top-left: shapes drawn here cost no axes of their own (each costs ~10 ms to set up)."""
        if self._overlay is None:
            ax = self.axes(0, 0, self.w, self.h)
            ax.set_xlim(0, self.w)
            ax.set_ylim(self.h, 0)
            ax.set_axis_off()
            self._overlay = ax
        return self._overlay

    def label(self, x: float, y: float, text: str, size: float = 8, **kw) -> float:
        """Text at (x, y) inches from the top-left; returns its width in inches."""
        return self.text.add(x * DPI, (self.h - y) * DPI, text, size, **kw) / DPI

    def width(self, text: str, size: float, weight: str = "normal") -> float:
        return text_width(text, size, weight, DPI) / DPI

    def fit(self, text: str, size: float, max_in: float, weight: str = "normal") -> str:
        return fit(text, size, max_in * DPI, weight, DPI)

    def wrap(self, text: str, size: float, max_in: float) -> list[str]:
        return wrap(text, size, max_in)

    def swatch(self, x: float, y: float, cls: str, w: float = 0.26, h: float = 0.14) -> None:
        self.fig.add_artist(Rectangle(
            (x * DPI, (self.h - y - h / 2) * DPI), w * DPI, h * DPI,
            transform=IdentityTransform(), facecolor=CLASS_COLORS[cls],
            hatch=CLASS_HATCH.get(cls) or None, hatchcolor=HATCH_COLOR, edgecolor="none",
            linewidth=0))

    def line_key(self, x: float, y: float, color: str, dash, w: float = 0.4) -> None:
        yy = (self.h - y) * DPI
        self.fig.add_artist(Line2D([x * DPI, (x + w) * DPI], [yy, yy], color=color, ls=dash,
                                   lw=2, transform=IdentityTransform()))

    def class_legend(self, x: float, y: float, classes: list[str], size: float = 8.5) -> float:
        for cls in classes:
            self.swatch(x, y, cls, 0.22, 0.13)
            x += 0.27 + self.label(x + 0.27, y, cls, size) + 0.18
        return x

    def footer(self, th: Thresholds, extra: str = "") -> None:
        lines = self.wrap(th.short() + (" " + extra if extra else ""), FOOT_PT, self.w - 0.3)
        for k, line in enumerate(reversed(lines)):
            self.label(0.15, self.h - 0.1 - k * 0.13, line, FOOT_PT, color=MUTED, va="baseline")

    @staticmethod
    def footer_height(th: Thresholds, extra: str = "", width_in: float = WIDTH_IN) -> float:
        """Inches the footer needs, known before the figure exists."""
        text = th.short() + (" " + extra if extra else "")
        return 0.14 + 0.13 * len(wrap(text, FOOT_PT, width_in - 0.3))

    def ticks(self, ax: Axes, x: list[tuple[float, str]] | None = None,
              y: list[tuple[float, str]] | None = None, size: float = TICK_PT,
              grid: bool = True, grid_color: str = GRID) -> None:
        """Tick labels (and light grid lines) for an axes whose limits are final."""
        to_px = ax.transData.transform
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        if x:
            for v, text in x:
                px, py = to_px((v, y0))
                self.text.add(px, py - 5, text, size, MUTED, ha="center", va="top")
            if grid:
                ax.vlines([v for v, _ in x], y0, y1, color=grid_color, lw=0.6, zorder=0.5)
        if y:
            for v, text in y:
                px, py = to_px((x0, v))
                self.text.add(px - 4, py, text, size, MUTED, ha="right", va="center")
            if grid:
                ax.hlines([v for v, _ in y], x0, x1, color=grid_color, lw=0.6, zorder=0.5)

    def png(self) -> bytes:
        """Render and encode as a 256-colour PNG.

        Charts use a few flat colours plus antialiasing, so an undithered palette is visually
        identical to RGBA, about a third of the size and much faster to compress.
        """
        self.text.finish()
        with matplotlib.rc_context(RC):
            self.fig.canvas.draw()
        canvas = self.fig.canvas
        assert isinstance(canvas, FigureCanvasAgg)  # attached in __init__
        # RGB before quantizing: the alpha channel is all opaque, and dropping it first makes
        # the palette search cheaper for a byte-identical PNG.
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                 "raw", "RGBA", 0, 1).convert("RGB")
        image = image.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        buf = io.BytesIO()
        image.save(buf, format="PNG", compress_level=6)
        return buf.getvalue()


def zone_name(tz_name: str | None) -> str:
    """The zone the chart really uses: the name asked for, or UTC when it is unknown."""
    tz = zone(tz_name)
    return str(getattr(tz, "key", "UTC"))


def meeting_when(start: datetime | None, end: datetime | None, tz: tzinfo, name: str) -> str:
    if start is None:
        return f"time unknown ({name})"
    s = start.astimezone(tz)
    text = f"{s:%a %d %b %Y, %H:%M}"
    if end is not None:
        text += f"–{end.astimezone(tz):%H:%M}"
    return f"{text} ({name})"


def title_block(chart: Chart, report, tz: tzinfo, tz_name: str) -> float:
    """Meeting title, then date, zone and size; returns the y (inches) below it."""
    chart.label(0.15, 0.3, chart.fit(clean(report.title), TITLE_PT, chart.w - 0.3, "bold"),
                TITLE_PT, color=TEXT, weight="bold", va="baseline")
    n = report.participant_count
    parts = [meeting_when(report.start, report.end, tz, tz_name),
             f"{n} participant{'s' * (n != 1)}"]
    chart.label(0.15, 0.52, chart.fit("  ·  ".join(parts), BODY_PT, chart.w - 0.3), BODY_PT,
                color=MUTED, va="baseline")
    return 0.62
