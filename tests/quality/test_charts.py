from __future__ import annotations

import struct
import subprocess
import sys
import warnings
from datetime import date, timedelta

import pytest

from bot.quality.analysis import analyze_meeting
from bot.quality.charts import daily_chart, quality_chart
from bot.quality.daily import summarize_day

from .factory import T0, crowd, item, meeting

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def small_report():
    items = [
        item("Ana Lima", minutes=30),
        item("Bo $ Chen", minutes=30, loss=lambda i: 9 if 5 <= i < 12 else -1 if i == 20 else 0),
        item("Late Phone", start=T0 + timedelta(minutes=10), minutes=15, video=False),
    ]
    return analyze_meeting(items, meeting(30, "Budget $ review"))


def test_small_chart_is_a_png_of_the_right_width():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. font search or glyph warnings
        png = quality_chart(small_report(), "America/New_York")
    width, height = png_size(png)
    assert 1200 <= width <= 1600 and 600 <= height <= 1600
    assert len(png) < 300_000


def test_chart_is_deterministic():
    report = small_report()
    assert quality_chart(report, "UTC") == quality_chart(report, "UTC")


def test_heatmap_for_fifty_participants_stays_small():
    report = analyze_meeting(crowd(50, 90), meeting(90))
    png = quality_chart(report, "Europe/Berlin")
    width, _ = png_size(png)
    assert 1200 <= width <= 1600
    assert len(png) < 300_000


def test_three_hundred_participants_render():
    report = analyze_meeting(crowd(300, 60, seed=3), meeting(60, "Town hall"))
    png = quality_chart(report, "Asia/Kolkata")
    width, height = png_size(png)
    assert 1200 <= width <= 1600 and height < 2500  # rows are capped
    assert len(png) < 300_000


def test_odd_inputs_still_render():
    empty = analyze_meeting([], {"title": "Nothing"})
    assert png_size(quality_chart(empty, "UTC"))[0] == 1400
    blank = analyze_meeting([item(f"P{k}", minutes=5, latency=-1, jitter=-1, loss=-1)
                             for k in range(8)])
    assert png_size(quality_chart(blank, "Not/AZone"))[0] == 1400
    cjk = analyze_meeting([item("山田 太郎 🎉", minutes=5)], meeting(5, "週次 ✓"))
    assert png_size(quality_chart(cjk, "Asia/Tokyo"))[0] == 1400


def test_daily_chart():
    report = analyze_meeting(crowd(12, 45), meeting(45))
    history = [(date(2024, 5, d), 0.02 * (d % 3)) for d in range(1, 6)]
    summary = summarize_day(date(2024, 5, 6), "Europe/Berlin", [report, small_report()],
                            history)
    png = daily_chart(summary, "Europe/Berlin")
    assert png_size(png)[0] == 1400 and len(png) < 300_000
    none = summarize_day(date(2024, 5, 6), "UTC", [], [])
    assert png_size(daily_chart(none, "UTC"))[0] == 1400


@pytest.mark.parametrize("module", ["bot.quality.charts", "bot.quality.cards"])
def test_no_pyplot(module):
    code = (f"import sys, {module}; "
            "bad = [m for m in sys.modules if m.startswith('matplotlib.pyplot')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
