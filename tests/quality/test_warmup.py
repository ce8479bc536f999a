"""The worker's warm-up draws a made-up meeting that exercises the chart's parts."""

from bot import warmup
from bot.quality.analysis import analyze_meeting


def test_the_sample_has_a_fine_and_a_poor_participant():
    report = analyze_meeting(*warmup.sample_meeting())
    assert sorted(p.verdict for p in report.participants) == ["good", "poor"]


def test_warm_up_runs_on_its_own_thread_and_finishes():
    thread = warmup.start()
    thread.join(60)
    assert not thread.is_alive() and thread.name == "warm-up"
    assert warmup.warm() >= 0
