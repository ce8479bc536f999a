"""Fast chart text: labels drawn as cached glyph outlines in one PathCollection per style.

Why: with matplotlib's own text stack every Text costs about a millisecond plus a tenth of a
millisecond per glyph on a small server (and every axis tick is two Texts and two Lines), which
alone blows the 250 ms render budget of a 50-participant chart. Glyph outlines are computed once
per process, so a label costs a few numpy operations and all labels are filled in one Agg call.
Kerning is ignored; at chart sizes that is invisible. DejaVu Sans (bundled) only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.path import Path
from matplotlib.textpath import TextPath
from matplotlib.transforms import IdentityTransform

_REF = 100.0  # glyphs are cached at 100 pt and scaled: outlines are vectors, scaling is exact
CAP_HEIGHT = 0.729  # of the em, DejaVu Sans "H"
_lock = threading.RLock()
_glyphs: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, float]] = {}


def _glyph(ch: str, weight: str) -> tuple[np.ndarray, np.ndarray, float]:
    key = (ch, weight)
    hit = _glyphs.get(key)
    if hit is not None:
        return hit
    with _lock:  # the FT2Font objects are shared and stateful
        prop = FontProperties(family="DejaVu Sans", weight=weight)
        font = get_font(findfont(prop, fallback_to_default=True))
        font.set_size(_REF, 72)
        if font.get_char_index(ord(ch)) == 0:
            # Not in the bundled font (CJK, emoji): a visible placeholder beats a warning.
            hit = _glyph("?" if ch == "□" else "□", weight)
            _glyphs[key] = hit
            return hit
        advance = font.load_char(ord(ch), flags=LoadFlags.NO_HINTING).linearHoriAdvance / 65536
        if ch.isspace():
            verts, codes = np.zeros((0, 2)), np.zeros(0, np.uint8)
        else:
            path = TextPath((0, 0), ch, size=_REF, prop=prop)
            verts, codes = path.vertices / _REF, path.codes
        hit = (verts, codes, advance / _REF)
        _glyphs[key] = hit
    return hit


def text_width(text: str, size: float, weight: str = "normal", dpi: float = 100) -> float:
    """Advance width in pixels."""
    return sum(_glyph(c, weight)[2] for c in text) * size * dpi / 72


def fit(text: str, size: float, max_px: float, weight: str = "normal", dpi: float = 100) -> str:
    """Cut text with an ellipsis so it fits max_px."""
    if text_width(text, size, weight, dpi) <= max_px:
        return text
    while text and text_width(text + "…", size, weight, dpi) > max_px:
        text = text[:-1]
    return text.rstrip() + "…"


@dataclass
class TextLayer:
    """Collects labels (pixel positions, origin bottom-left) and adds them to the figure."""

    fig: Figure
    _paths: dict[tuple[str, str], list[Path]] = field(default_factory=dict)
    strings: list[str] = field(default_factory=list)  # every label drawn, for tests and alt text

    def add(
        self,
        x: float,
        y: float,
        text: str,
        size: float = 8,
        color: str = "#222222",
        weight: str = "normal",
        ha: str = "left",
        va: str = "center",
        vertical: bool = False,
    ) -> float:
        """Add one line of text (read bottom to top when vertical); returns its width in px."""
        text = " ".join(str(text).split())
        if not text:
            return 0.0
        self.strings.append(text)
        scale = size * self.fig.dpi / 72
        parts, codes, pen = [], [], 0.0
        for ch in text:
            verts, cds, advance = _glyph(ch, weight)
            if len(verts):
                parts.append(verts + np.array((pen, 0.0)))
                codes.append(cds)
            pen += advance
        width = pen * scale
        if not parts:
            return width
        dx = {"left": 0.0, "center": -width / 2, "right": -width}[ha]
        dy = {"baseline": 0.0, "center": -CAP_HEIGHT * scale / 2, "top": -CAP_HEIGHT * scale,
              "bottom": 0.22 * scale}[va]
        verts = np.concatenate(parts) * scale + (dx, dy)
        if vertical:
            verts = np.column_stack((-verts[:, 1], verts[:, 0]))
        verts += (x, y)
        self._paths.setdefault((color, weight), []).append(Path(verts, np.concatenate(codes)))
        return width

    def finish(self) -> None:
        for (color, _), paths in self._paths.items():
            self.fig.add_artist(PathCollection(
                paths, facecolors=color, edgecolors="none", linewidths=0,
                transform=IdentityTransform(), zorder=10,
            ))
        self._paths.clear()
