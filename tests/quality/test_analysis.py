from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from bot.quality.analysis import analyze_meeting, estimate_mos, report_rows
from bot.quality.samples import FAIR, GOOD, NO_DATA, POOR, build_session
from bot.quality.thresholds import DEFAULT_THRESHOLDS, Thresholds

from .factory import T0, crowd, item, media, meeting


@pytest.mark.parametrize(
    ("latency", "jitter", "loss", "r", "mos"),
    [(50, 5, 0, 91.45, 4.37), (200, 30, 3, 70.7, 3.63), (300, 50, 5, 51.7, 2.66)],
)
def test_mos_vectors(latency, jitter, loss, r, mos):
    got_r, got_mos = estimate_mos(latency, jitter, loss)
    # The model doc prints R to one decimal (91.5); to two decimals it is 91.45.
    assert round(got_r, 2) == r
    assert round(got_mos, 2) == mos


def test_mos_clamps():
    assert estimate_mos(0, 0, 100)[1] == 1.0
    assert estimate_mos(5000, 500, 0)[1] == 1.0


def _classes(channel="audio", **kw):
    session = build_session(media(**kw), channel, "in", DEFAULT_THRESHOLDS)
    return session.metric_classes, session.classes


@pytest.mark.parametrize(
    ("metric", "values", "expected"),
    [
        ("latency", [149.9, 150, 400, 400.1], [GOOD, FAIR, FAIR, POOR]),
        ("jitter", [29.9, 30, 50, 50.1], [GOOD, FAIR, FAIR, POOR]),
        ("loss", [0.99, 1, 5, 5.01], [GOOD, FAIR, FAIR, POOR]),
    ],
)
def test_classification_edges(metric, values, expected):
    kw = {"latency": 10, "jitter": 1, "loss": 0, metric: values}
    mc, _ = _classes(channel="video", minutes=4, **kw)  # video: MOS does not interfere
    assert mc[metric].tolist() == expected


def test_frame_rate_edges():
    fps = [25, 24.9, 7, 6.9, 30, 0]
    height = [360, 720, 720, 720, 359, 720]
    mc, _ = _classes(channel="video", minutes=6, frame_rate=fps, height=height)
    # 0 fps means nothing sent (camera off), not bad video.
    assert mc["frame rate"].tolist() == [GOOD, FAIR, FAIR, POOR, FAIR, NO_DATA]


def test_mos_edges_classified_and_audio_only():
    mc, cls = _classes(minutes=3, latency=[50, 200, 300], jitter=[5, 30, 50], loss=[0, 3, 5])
    assert mc["MOS"].tolist() == [GOOD, FAIR, POOR]
    assert cls.tolist() == [GOOD, FAIR, POOR]  # combined degradation caught by MOS
    vmc, _ = _classes(channel="video", minutes=1)
    assert "MOS" not in vmc


def test_sample_is_its_worst_metric_and_minus_one_is_no_data():
    _, cls = _classes(minutes=4, latency=[500, -1, -1, 20], jitter=[1, -1, 60, 2],
                      loss=[0, -1, -1, 0])
    assert cls.tolist() == [POOR, NO_DATA, POOR, GOOD]


def test_thresholds_describe_mentions_values_and_assumption():
    text = DEFAULT_THRESHOLDS.describe()
    for part in ("400 ms", "50 ms", "5 %", "7 fps", "3.6", "round trip", "5%"):
        assert part in text


def test_one_bad_sample_never_flags_a_stream():
    lat = [40] * 60
    lat[10] = 900  # one poor sample in 60: 1.7 % < 5 %
    report = analyze_meeting([item("A", minutes=60, video=False, latency=lat)], meeting(60))
    p = report.participants[0]
    assert p.streams["audio in"].verdict == "good"
    assert p.verdict == "good" and p.poor_due_to == []
    assert report.verdict == "good"
    assert p.poor_minutes == 1  # still visible in the timeline


def test_stream_poor_just_over_the_bound():
    lat = [40] * 100
    for i in range(6):  # 6 % > 5 %
        lat[i] = 900
    report = analyze_meeting([item("A", minutes=100, video=False, latency=lat)])
    assert report.participants[0].verdict == "poor"
    exactly = [40] * 100
    for i in range(5):  # exactly 5 % is not "passing" the bound
        exactly[i] = 900
    report = analyze_meeting([item("A", minutes=100, video=False, latency=exactly)])
    assert report.participants[0].verdict == "good"


def test_worst_direction_gives_verdict_and_reasons():
    bad_in = media(minutes=30, loss=8)
    bad_out = media(minutes=30, latency=[450] * 20 + [40] * 10)
    good = item("Good", minutes=30)
    bad = item("Bad", minutes=30, audio_in=bad_in, audio_out=bad_out)
    fair = item("Fair", minutes=30, jitter=35)
    report = analyze_meeting([good, fair, bad], meeting(30))
    names = [p.name for p in report.participants]
    assert names == ["Bad", "Fair", "Good"]
    worst = report.participants[0]
    assert worst.verdict == "poor"
    assert worst.poor_due_to[:2] == ["loss (audio in)", "latency (audio out)"]
    assert worst.streams["audio in"].verdict == "poor"
    assert worst.streams["video in"].verdict == "good"
    assert report.participants[1].verdict == "fair"
    assert report.participants[1].fair_due_to[0].startswith("jitter")
    assert report.verdict == "poor"
    assert report.poor_minutes_share["audio in"] == pytest.approx(1 / 3)
    assert report.poor_minutes_share["video in"] == 0.0


def test_minus_one_gaps_coverage_and_no_data():
    lat = [40, -1, -1, 40] * 5
    jit = [4 if v > 0 else -1 for v in lat]
    loss = [0 if v > 0 else -1 for v in lat]
    report = analyze_meeting([item("A", minutes=20, video=False, latency=lat, jitter=jit,
                                   loss=loss)])
    p = report.participants[0]
    assert p.coverage == pytest.approx(0.5)
    assert report.coverage == pytest.approx(0.5)
    assert p.minutes.count("no data") == 10 and p.minutes.count("good") == 10
    series = p.series["latency"]["in"]
    assert [v for _, v in series[:4]] == [40.0, None, None, 40.0]
    # Sample times are startTime + i * samplingInterval.
    assert series[3][0] == T0 + timedelta(minutes=3)


def test_all_missing_participant_is_no_data():
    blank = item("Blank", minutes=10, video=False, latency=-1, jitter=-1, loss=-1)
    report = analyze_meeting([blank])
    p = report.participants[0]
    assert p.verdict == "no data" and report.verdict == "no data"
    assert p.coverage == 0.0 and p.mos_median is None and p.p95_latency is None
    assert set(p.minutes) == {"no data"}


def test_audio_only_participant():
    phone = item("Phone", minutes=30, video=False, client="Phone")
    laptop = item("Laptop", minutes=30)
    report = analyze_meeting([laptop, phone], meeting(30))
    by = {p.name: p for p in report.participants}
    assert by["Phone"].audio_only and not by["Laptop"].audio_only
    assert by["Phone"].verdict == "good"
    assert "video in" not in by["Phone"].streams
    assert report.minutes_by_channel == {"audio": 60, "video": 30, "share": 0}


def test_late_joiner_timeline_aligned_to_meeting_minutes():
    early = item("Early", minutes=60)
    late = item("Late", start=T0 + timedelta(minutes=20), minutes=30, latency=[900] * 30)
    report = analyze_meeting([early, late], meeting(60))
    assert report.n_minutes == 60 and report.timeline_start == T0
    p = next(p for p in report.participants if p.name == "Late")
    assert p.minutes[:20] == (None,) * 20
    assert p.minutes[20:50] == ("poor",) * 30
    assert p.minutes[50:] == (None,) * 10
    assert p.joined_late and p.joined_late_minutes == pytest.approx(20)
    assert p.left_early and p.left_early_minutes == pytest.approx(10)
    assert p.present_minutes == 30 and p.poor_share == 1.0


def test_rejoins_are_merged_by_email_or_participant_id():
    first = item("Ana", minutes=10, participant_id="p1")
    second = item("Ana", start=T0 + timedelta(minutes=20), minutes=10, participant_id="p2",
                  network="cellular")
    by_pid = item("Ana (phone)", email="", minutes=5, participant_id="p2", video=False)
    report = analyze_meeting([first, second, by_pid], meeting(30))
    assert report.participant_count == 1
    p = report.participants[0]
    assert p.network == "wifi/cellular"
    assert p.minutes[10:20] == (None,) * 10
    assert p.present_minutes == 20
    # The gap between sessions stays a gap in line series.
    values = [v for _, v in p.series["latency"]["in"]]
    assert None in values


def test_sample_times_use_sampling_interval():
    it = item("A", minutes=10, interval=30, video=False)
    report = analyze_meeting([it])
    series = report.participants[0].series["jitter"]["out"]
    assert len(series) == 20
    assert series[1][0] - series[0][0] == timedelta(seconds=30)


def test_custom_thresholds_and_breakdowns():
    a = item("A", minutes=20, network="cellular", latency=300)
    b = item("B", minutes=20, network="ethernet")
    strict = Thresholds(latency_poor_ms=250)
    report = analyze_meeting([a, b], meeting(20), strict)
    assert report.thresholds is strict
    assert report.breakdowns["networkType"] == {"cellular": 1.0, "ethernet": 0.0}
    assert report.breakdowns["transportType"]["UDP"] == pytest.approx(0.5)
    assert report.poor_stream_rate == pytest.approx(4 / 8)  # all of A's streams, none of B's


def test_mos_kpis_and_rows():
    report = analyze_meeting([item("A", minutes=10, latency=50, jitter=5)], meeting(10))
    assert report.mos_median == pytest.approx(4.37, abs=0.01)
    assert report.mos_p10 == pytest.approx(4.37, abs=0.01)
    rows = report_rows(report)
    assert rows[0]["name"] == "A" and rows[0]["verdict"] == "good"
    assert rows[0]["mos_median_estimated"] == pytest.approx(4.37, abs=0.01)
    assert set(rows[0]) >= {"p95_latency_ms", "p95_loss_pct", "network", "client"}


def test_empty_and_junk_input():
    report = analyze_meeting([], None)
    assert report.verdict == "no data" and report.participants == []
    assert report.start is None and report.n_minutes == 0
    odd = item("Odd", minutes=3)
    odd["audioIn"][0]["latency"] = [None, "x", 20]
    odd["videoIn"][0]["startTime"] = "not a time"
    report = analyze_meeting([odd, "junk"])  # type: ignore[list-item]
    assert report.participant_count == 1


def test_three_hundred_participants():
    report = analyze_meeting(crowd(300, 60), meeting(60))
    assert report.participant_count == 300
    shares = [p.poor_share for p in report.participants if p.verdict == "poor"]
    assert shares == sorted(shares, reverse=True)
    assert all(len(p.minutes) == report.n_minutes for p in report.participants)
    assert 0.9 < report.coverage < 1.0
    assert np.isfinite(report.mos_median)


def test_combined_degradation_is_poor_due_to_estimated_mos():
    report = analyze_meeting([item("A", minutes=10, video=False, latency=300, jitter=50, loss=5)])
    p = report.participants[0]
    assert p.verdict == "poor"
    assert p.poor_due_to == ["estimated MOS (audio in)", "estimated MOS (audio out)"]
