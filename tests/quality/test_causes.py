"""Causes and tips (CONTRACT §11) from crafted meetings, one rule at a time, in order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.quality.analysis import analyze_meeting, report_rows
from bot.quality.causes import TIPS, tip_for

from .factory import T0, item, media, meeting


def by_name(report):
    return {p.name: p for p in report.participants}


def spell(lo: int, hi: int, bad: float, good: float = 0.0):
    return lambda i: bad if lo <= i < hi else good


def sender_meeting(receivers_hit: int):
    """Ana's upload breaks in minutes 10-20; `receivers_hit` of the three others hear it."""
    ana = item("Ana", minutes=30, network="ethernet", video=False,
               audio_out=media(minutes=30, loss=spell(10, 20, 12)))
    others = []
    for k, name in enumerate(("Bo", "Cy", "Di")):
        hit = k < receivers_hit
        others.append(item(name, minutes=30, network="ethernet", video=False,
                           audio_in=media(minutes=30, loss=spell(10, 20, 9) if hit else 0)))
    return analyze_meeting([ana, *others], meeting(30))


def test_sender_attribution_blames_the_sender_and_the_sender_gets_upload():
    people = by_name(sender_meeting(2))
    assert people["Bo"].cause == "from Ana" and people["Cy"].cause == "from Ana"
    assert people["Ana"].cause == "upload"
    assert "Ana" in people["Bo"].tip and "not yours" in people["Bo"].tip
    assert people["Di"].cause == "" and people["Di"].verdict == "good"


def test_one_receiver_alone_is_not_sender_attribution():
    people = by_name(sender_meeting(1))
    # Nobody else saw it: Bo's own download is the likeliest explanation.
    assert people["Bo"].cause == "loss (audio in)"
    assert people["Ana"].cause == "upload"  # only what Ana sent was poor (rule 4)


def test_receivers_bad_at_other_minutes_are_not_blamed_on_the_sender():
    ana = item("Ana", minutes=30, network="ethernet", video=False,
               audio_out=media(minutes=30, loss=spell(10, 20, 12)))
    late = [item(n, minutes=30, network="ethernet", video=False,
                 audio_in=media(minutes=30, loss=spell(22, 29, 9))) for n in ("Bo", "Cy")]
    people = by_name(analyze_meeting([ana, *late], meeting(30)))
    assert people["Bo"].cause == "loss (audio in)" and people["Cy"].cause == "loss (audio in)"


def test_tcp_comes_before_cpu_upload_and_network():
    tcp = item("Tia", minutes=20, network="wifi", transport="TCP", latency=450, cpu=99)
    udp = item("Uma", minutes=20, network="ethernet")
    people = by_name(analyze_meeting([tcp, udp], meeting(20)))
    assert people["Tia"].cause == "TCP" and people["Tia"].transport == "TCP"
    assert "firewall" in people["Tia"].tip
    assert people["Uma"].transport == "UDP" and people["Uma"].cause == ""


def test_cpu_needs_a_fifth_of_the_bad_minutes():
    busy = item("Cal", minutes=20, network="wifi", loss=8, cpu=lambda i: 95 if i < 4 else 40)
    idle = item("Dee", minutes=20, network="wifi", loss=8, cpu=lambda i: 95 if i < 3 else 40)
    people = by_name(analyze_meeting([busy, idle], meeting(20)))
    assert people["Cal"].cause == "CPU"  # 4 of 20 poor minutes = a fifth
    assert people["Dee"].cause == "Wi-Fi"  # 3 of 20 is not enough: falls through to the network
    assert "overloaded" in people["Cal"].tip


def test_upload_when_only_sent_streams_are_bad():
    up = item("Uli", minutes=20, network="wifi", video=False,
              audio_out=media(minutes=20, jitter=80))
    people = by_name(analyze_meeting([up], meeting(20)))
    assert people["Uli"].cause == "upload"  # before Wi-Fi in the order
    assert "upload" in people["Uli"].tip


@pytest.mark.parametrize(("network", "cause"), [("wifi", "Wi-Fi"), ("cellular", "mobile data")])
def test_network_causes(network, cause):
    p = analyze_meeting([item("Net", minutes=20, network=network, loss=7)]).participants[0]
    assert p.cause == cause and p.tip == TIPS[cause]


def test_otherwise_metric_and_direction():
    p = analyze_meeting([item("Eth", minutes=20, network="ethernet", video=False,
                              audio_in=media(minutes=20, loss=8))]).participants[0]
    assert p.cause == "loss (audio in)"
    assert p.tip == TIPS["loss"]


def test_fair_participants_get_a_cause_and_good_ones_none():
    fair = item("Fay", minutes=20, network="ethernet", video=False, jitter=35)
    good = item("Gus", minutes=20, network="wifi")
    people = by_name(analyze_meeting([fair, good], meeting(20)))
    assert people["Fay"].verdict == "fair"
    assert people["Fay"].cause == "jitter (audio in)" and people["Fay"].tip
    assert people["Gus"].cause == "" and people["Gus"].tip == ""


def test_every_cause_has_a_plain_tip():
    for cause in ("from Ana", "upload", "TCP", "CPU", "Wi-Fi", "mobile data", "loss (audio in)",
                  "latency (video out)", "jitter (share in)", "estimated MOS (audio in)",
                  "frame rate (video in)"):
        tip = tip_for(cause)
        assert tip and tip.endswith(".") and tip.count(". ") == 0, cause


def test_rejoin_and_two_devices_are_one_participant():
    first = item("Ana", minutes=10, participant_id="p1", session_id="s1", loss=8)
    rejoin = item("Ana", start=T0 + timedelta(minutes=15), minutes=10, participant_id="p1",
                  session_id="s2", loss=8)
    phone = item("Ana (phone)", email="", minutes=25, participant_id="p1", session_id="s3",
                 video=False, network="cellular")
    other = item("Bo", minutes=25, participant_id="p9")
    report = analyze_meeting([first, rejoin, phone, other], meeting(25))
    assert report.participant_count == 2
    ana = next(p for p in report.participants if p.key == "ana@example.com")
    assert ana.cause == "mobile data"  # one cause for the person, from both devices' data
    assert ana.active_minutes == 25


def test_an_item_linking_two_groups_joins_them():
    by_mail = item("Ana", minutes=10, participant_id="p1")
    by_pid = item("Ana phone", email="", start=T0 + timedelta(minutes=10), minutes=10,
                  participant_id="p2")
    link = item("Ana", start=T0 + timedelta(minutes=20), minutes=10, participant_id="p2")
    report = analyze_meeting([by_mail, by_pid, link], meeting(30))
    assert report.participant_count == 1
    assert report.participants[0].present_minutes == 30


def test_minutes_by_channel_and_active_minutes():
    p = analyze_meeting([item("A", minutes=20, video_in=media(minutes=20, frame_rate=3,
                                                              height=720))]).participants[0]
    assert p.poor_minutes_by_channel == {"audio": 0.0, "video": 20.0, "share": 0.0}
    assert p.active_minutes == 20.0
    assert p.cause == "Wi-Fi"


def test_notes_old_client_slow_join_far_region():
    people = [item(f"P{k}", minutes=10, version="44.6.0.1", region="Frankfurt, Germany")
              for k in range(4)]
    odd = item("Old", minutes=10, version="43.11.0.5", join_s=31, region="San Jose, USA",
               loss=8)
    p = by_name(analyze_meeting([*people, odd], meeting(10)))["Old"]
    assert any("44.6" in n and "43.11" in n for n in p.notes)
    assert any("31 s to join" in n for n in p.notes)
    assert any("San Jose" in n for n in p.notes)
    assert p.cause == "Wi-Fi"  # notes never replace the cause


def test_csv_rows_carry_cause_and_transport():
    rows = report_rows(analyze_meeting([
        item("Bad", minutes=20, network="cellular", loss=8),
        item("Fair", minutes=20, network="ethernet", video=False, jitter=35),
        item("Good", minutes=20, transport="TCP"),
    ], meeting(20)))
    by = {r["name"]: r for r in rows}
    assert by["Bad"]["cause"] == "mobile data" and by["Bad"]["transport"] == "UDP"
    assert by["Good"]["cause"] == "" and by["Good"]["transport"] == "TCP"
    assert by["Fair"]["cause"] == "jitter (audio in)"
    assert by["Fair"]["poor_due_to"] == "" and by["Fair"]["fair_due_to"].startswith("jitter")
    assert by["Bad"]["poor_due_to"].startswith("loss")


def test_no_false_no_data_tail():
    # Webex sessions start and end off the minute; the end lies seconds after the last sample.
    raw = media(T0 + timedelta(seconds=30), minutes=10)
    raw["endTime"] = (T0 + timedelta(minutes=10, seconds=50)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    it = item("A", minutes=10, video=False, audio_in=raw, audio_out=raw)
    p = analyze_meeting([it], meeting(11)).participants[0]
    assert "no data" not in p.minutes
    assert p.minutes[:10] == ("good",) * 10
    # A real gap at the end (telemetry stopped minutes before the session ended) stays no data.
    raw["endTime"] = (T0 + timedelta(minutes=14)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    it = item("A", minutes=10, video=False, audio_in=raw, audio_out=raw)
    p = analyze_meeting([it], meeting(15)).participants[0]
    assert p.minutes.count("no data") >= 3


def test_a_receiver_bad_both_ways_is_not_blamed_on_a_sender():
    ana = item("Ana", minutes=30, network="ethernet", video=False,
               audio_out=media(minutes=30, loss=spell(10, 20, 12)))
    both = [item(n, minutes=30, network="wifi", video=False, loss=spell(10, 20, 9))
            for n in ("Bo", "Cy")]
    people = by_name(analyze_meeting([ana, *both], meeting(30)))
    assert people["Bo"].cause == "Wi-Fi" and people["Cy"].cause == "Wi-Fi"


def test_cpu_by_chance_is_not_the_cause():
    # CPU peaks now and then all meeting long; one of them lands in the only bad minutes.
    noisy = item("Ned", minutes=30, network="ethernet", video=False,
                 audio_in=media(minutes=30, loss=spell(10, 12, 9)),
                 cpu=lambda i: 95 if i % 9 == 1 else 50)
    sustained = item("Sam", minutes=30, network="ethernet", video=False,
                     audio_in=media(minutes=30, loss=spell(10, 14, 9)), cpu=96)
    people = by_name(analyze_meeting([noisy, sustained], meeting(30)))
    assert people["Ned"].cause == "loss (audio in)"
    assert people["Sam"].cause == "CPU"  # pegged all along: still the cause


def test_a_sender_bad_all_along_is_not_blamed_for_brief_dips():
    ana = item("Ana", minutes=30, network="ethernet", video=False,
               audio_out=media(minutes=30, loss=12))
    dips = [item(n, minutes=30, network="ethernet", video=False,
                 audio_in=media(minutes=30, loss=spell(5, 9, 9))) for n in ("Bo", "Cy")]
    people = by_name(analyze_meeting([ana, *dips], meeting(30)))
    assert people["Bo"].cause == "loss (audio in)" and people["Ana"].cause == "upload"
    # Receivers that suffered all along with her are hers, though.
    hit = [item(n, minutes=30, network="ethernet", video=False,
                audio_in=media(minutes=30, loss=9)) for n in ("Bo", "Cy")]
    people = by_name(analyze_meeting([ana, *hit], meeting(30)))
    assert people["Bo"].cause == "from Ana"
