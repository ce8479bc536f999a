from __future__ import annotations

import struct
import subprocess
import sys
import warnings
from datetime import date, timedelta

import pytest

from bot.quality.analysis import analyze_meeting
from bot.quality.chart_metric import focus
from bot.quality.charts import daily_chart, quality_chart, quality_figure
from bot.quality.charts_daily import daily_figure
from bot.quality.charts_heatmap import MAX_ROWS, heat_grid
from bot.quality.daily import summarize_day
from bot.quality.samples import NO_DATA

from .factory import T0, crowd, iso, item, media, meeting

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
    assert width == 1200 and 600 <= height <= 1600
    assert len(png) < 300_000


def test_chart_is_deterministic():
    report = small_report()
    assert quality_chart(report, "UTC") == quality_chart(report, "UTC")


def test_heatmap_for_fifty_participants_stays_small():
    report = analyze_meeting(crowd(50, 90), meeting(90))
    png = quality_chart(report, "Europe/Berlin")
    width, _ = png_size(png)
    assert width == 1200
    assert len(png) < 300_000


def test_three_hundred_participants_render():
    report = analyze_meeting(crowd(300, 60, seed=3), meeting(60, "Town hall"))
    png = quality_chart(report, "Asia/Kolkata")
    width, height = png_size(png)
    assert width == 1200 and height < 2500  # rows are capped
    assert len(png) < 300_000


def test_odd_inputs_still_render():
    empty = analyze_meeting([], {"title": "Nothing"})
    assert png_size(quality_chart(empty, "UTC"))[0] == 1200
    blank = analyze_meeting([item(f"P{k}", minutes=5, latency=-1, jitter=-1, loss=-1)
                             for k in range(8)])
    assert png_size(quality_chart(blank, "Not/AZone"))[0] == 1200
    cjk = analyze_meeting([item("山田 太郎 🎉", minutes=5)], meeting(5, "週次 ✓"))
    assert png_size(quality_chart(cjk, "Asia/Tokyo"))[0] == 1200


def test_daily_chart():
    report = analyze_meeting(crowd(12, 45), meeting(45))
    history = [(date(2024, 5, d), 0.02 * (d % 3)) for d in range(1, 6)]
    summary = summarize_day(date(2024, 5, 6), "Europe/Berlin", [report, small_report()],
                            history)
    png = daily_chart(summary, "Europe/Berlin")
    assert png_size(png)[0] == 1200 and len(png) < 300_000
    none = summarize_day(date(2024, 5, 6), "UTC", [], [])
    assert png_size(daily_chart(none, "UTC"))[0] == 1200


@pytest.mark.parametrize("module", ["bot.quality.charts", "bot.quality.cards", "bot.history.chart"])
def test_no_pyplot(module):
    code = (f"import sys, {module}; "
            "bad = [m for m in sys.modules if m.startswith('matplotlib.pyplot')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def texts(chart) -> str:
    return "\n".join(chart.text.strings)


@pytest.mark.parametrize("many", [False, True])
def test_time_axis_is_in_the_zone_asked(many):
    report = analyze_meeting(crowd(12, 30) if many else [item("A", minutes=30)], meeting(30))
    drawn = texts(quality_figure(report, "Europe/Berlin"))
    assert "Time (Europe/Berlin)" in drawn and "(UTC)" not in drawn
    assert "11:00" in drawn  # 09:00 UTC on 6 May is 11:00 in Berlin
    # An unknown zone is drawn in UTC, and the label says so instead of the bad name.
    drawn = texts(quality_figure(report, "Not/AZone"))
    assert "Time (UTC)" in drawn and "Not/AZone" not in drawn


def test_the_answer_comes_first_with_cause_and_when():
    people = [item("Cleo", minutes=30, network="cellular",
                   loss=lambda i: 9 if 10 <= i < 20 else 0)]
    people += [item(f"Ok {k}", minutes=30, network="ethernet") for k in range(7)]
    chart = quality_figure(analyze_meeting(people, meeting(30)), "UTC")
    lines = chart.text.strings
    head = lines.index("1 of 8 had poor quality")
    assert lines[head + 1] == "Cleo — mobile data — 09:10–09:20"
    assert "mobile data" in lines[head + 2:]  # and again in Cleo's heatmap row


def tcp_user(name: str = "Tom") -> dict:
    # The sandbox's TCP profile: latency always fair, jitter near the fair line: poor only by
    # estimated MOS, and only some of the time.
    lat = [230 if i % 3 else 330 for i in range(30)]
    return item(name, minutes=30, network="ethernet", transport="TCP", latency=lat, jitter=40,
                video_in=media(minutes=30, latency=230, jitter=26, frame_rate=30, height=720))


def test_focus_shows_the_metric_of_the_verdict():
    report = analyze_meeting([tcp_user()], meeting(30))
    p = report.participants[0]
    assert p.verdict == "poor" and p.cause == "TCP"
    assert p.streams["video in"].verdict == "fair"  # latency fair all the time
    assert focus(p) == ("audio", "MOS")
    # A stream poor 15 % of the time outranks one fair all of the time.
    spiky = item("Sia", minutes=40, video=False,
                 audio_in=media(minutes=40, loss=lambda i: 9 if i < 6 else 0),
                 audio_out=media(minutes=40, jitter=40))
    p = analyze_meeting([spiky]).participants[0]
    assert focus(p) == ("audio", "loss")


def test_small_multiples_say_the_verdict_metric():
    people = [tcp_user()] + [item(f"Ok {k}", minutes=30, network="ethernet") for k in range(6)]
    drawn = texts(quality_figure(analyze_meeting(people, meeting(30)), "UTC"))
    assert "Tom — TCP" in drawn
    assert "audio in/out · est. MOS" in drawn


def test_no_false_no_data_tail_in_the_heatmap():
    people = []
    for k in range(8):
        raw = media(T0 + timedelta(seconds=20 + k), minutes=30)
        raw["endTime"] = iso(T0 + timedelta(minutes=30, seconds=40))
        people.append(item(f"P{k}", minutes=30, video=False, audio_in=raw, audio_out=raw))
    report = analyze_meeting(people, meeting(30))
    grid = heat_grid(report, report.participants)
    assert not (grid == NO_DATA).any()
    assert quality_chart(report, "UTC")


def test_three_hundred_rows_are_capped_and_counted():
    report = analyze_meeting(crowd(300, 60, seed=3), meeting(60, "Town hall"))
    drawn = quality_figure(report, "UTC").text.strings
    assert any(s.startswith(f"+{300 - MAX_ROWS} more not shown") for s in drawn)


def test_daily_chart_says_what_the_card_says():
    tiny = analyze_meeting(
        [item("A", minutes=200, video=False, latency=lambda i: 900 if i == 0 else 40)]
        + [item(f"B{k}", minutes=200, video=False) for k in range(3)], meeting(200))
    summary = summarize_day(date(2024, 5, 6), "UTC", [tiny], [])
    assert 0 < summary.poor_share < 0.01
    drawn = daily_figure(summary, "UTC").text.strings
    assert "<1%" in drawn and "1%" not in drawn
    assert any("<1% poor minutes" in s for s in drawn)


def test_quality_package_stands_alone():
    # Pure analysis and drawing: nothing else of the bot, no web, no storage.
    code = ("import sys, pkgutil, importlib, bot.quality as q\n"
            "for m in pkgutil.iter_modules(q.__path__):\n"
            "    importlib.import_module('bot.quality.' + m.name)\n"
            "bad = sorted(m for m in sys.modules if (m.startswith('bot.') and not "
            "m.startswith('bot.quality')) or m.split('.')[0] in ('flask', 'requests', 'storage', "
            "'handlers', 'peewee'))\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_small_chart_adds_the_panel_of_a_verdict_audio_metrics_miss():
    report = analyze_meeting([tcp_user(), item("Ok", minutes=30, network="ethernet")],
                             meeting(30))
    drawn = quality_figure(report, "UTC").text.strings
    assert "Audio est. MOS" in drawn and "Latency (ms)" in drawn
    plain = analyze_meeting([item("Ok", minutes=30)], meeting(30))
    assert "Audio est. MOS" not in quality_figure(plain, "UTC").text.strings
