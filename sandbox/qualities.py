"""Realistic Meeting Qualities items, generated on demand from a meeting's participant skeleton.

Shapes follow the Webex analytics API: one item per participant session, media sessions per
direction with per-interval arrays, `-1` where a sample is missing. Each participant gets its own
RNG seeded from (world seed, meeting, index) so the data is reproducible and independent of the
order in which meetings are first requested.
"""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sandbox.world import Meeting, Participant, iso

INTERVAL = 60  # seconds; the typical Webex samplingInterval


@dataclass(frozen=True)
class Profile:
    network: str
    latency: float  # ms, mean
    jitter: float  # ms, mean
    loss: float  # percent, mean of an exponential
    client: str = "Webex Desktop"
    transport: str = "UDP"
    bursts: bool = False  # bad patches covering 15-30 % of the minutes (at least 3)
    gaps: bool = False
    audio_only: bool = False
    bad_directions: tuple[str, ...] = ("in", "out")  # which streams the bad patches hit
    cpu_spikes: bool = False  # max CPU >= 90 % in the bad patches (and only there)
    burst_loss: bool = True  # False: TCP retransmits, so bad patches add delay, not loss

    @property
    def uploads_badly(self) -> bool:
        """Only what this participant sends is hurt: the others receive it hurt too."""
        return self.bursts and self.bad_directions == ("out",)


# The profiles of `POST /_sandbox/meetings` (good, wifi, cellular, tcp, cpu, upload) each make
# one cause of CONTRACT §11 the clear answer; the others add variety to the seeded history.
PROFILES: dict[str, Profile] = {
    "good": Profile("ethernet", 36, 3, 0.04),
    "wifi": Profile("wifi", 60, 8, 0.3, bursts=True),
    "cellular": Profile("cellular", 470, 48, 2.2, client="Webex Mobile (Android)"),
    "tcp": Profile("ethernet", 240, 28, 0.3, transport="TCP", bursts=True, burst_loss=False),
    "cpu": Profile("ethernet", 40, 4, 0.05, bursts=True, cpu_spikes=True),
    "upload": Profile("ethernet", 45, 5, 0.1, bursts=True, bad_directions=("out",)),
    "desktop": Profile("ethernet", 38, 3, 0.05),
    "wifi_ok": Profile("wifi", 55, 7, 0.2),
    "mobile_ok": Profile("wifi", 75, 9, 0.3, client="Webex Mobile (iOS)"),
    "wifi_bursts": Profile("wifi", 60, 8, 0.3, bursts=True),
    "phone": Profile("unknown", 120, 9, 0.4, client="Phone", audio_only=True),
    "gappy": Profile("wifi", 50, 6, 0.1, gaps=True),
}
MEETING_PROFILES = ("good", "wifi", "cellular", "tcp", "cpu", "upload")

OS_FOR_CLIENT = {
    "Webex Desktop": [("Windows", "10.0.22631"), ("Mac", "14.4.1"), ("Windows", "10.0.19045")],
    "Webex Mobile (iOS)": [("iOS", "17.4")],
    "Webex Mobile (Android)": [("Android", "14")],
    "Phone": [("unknown", "")],
}
HARDWARE = {"Windows": "Dell Latitude 7440", "Mac": "MacBookPro18,3", "iOS": "iPhone15,2",
            "Android": "Pixel 8", "unknown": ""}
REGIONS = ["San Jose, USA", "San Jose, USA", "Frankfurt, Germany", "Amsterdam, Netherlands"]


def meeting_items(seed: int, meeting: Meeting) -> list[dict[str, Any]]:
    share = _share_window(meeting)
    # One entry per media session: a rejoin is several sessions of one participant (same
    # participantId, new participantSessionId), all on that participant's RNG.
    entries: list[tuple[int, random.Random, Participant, str | None]] = []
    for i, p in enumerate(meeting.participants):
        rng = random.Random(f"{seed}:{meeting.id}:{i}")
        if not p.sessions:
            entries.append((i, rng, p, None))
            continue
        participant_id = uuid.UUID(int=rng.getrandbits(128)).hex
        entries += [(i, rng, replace(p, join=join, leave=leave), participant_id)
                    for join, leave in p.sessions]
    plans = [_plan(rng, p) for _, rng, p, _ in entries]
    uploads = [(i, p.join, plan.bad) for (i, _, p, _), plan in zip(entries, plans, strict=True)
               if PROFILES[p.profile].uploads_badly]
    return [
        _item(rng, meeting, p, share, plan,
              _received_bad(p.join, plan.n, [(j, b) for k, j, b in uploads if k != i]), pid)
        for (i, rng, p, pid), plan in zip(entries, plans, strict=True)
    ]


@dataclass
class _Plan:
    n: int  # samples
    missing: list[bool]
    bad: list[bool]  # the participant's own bad patches


def _plan(rng: random.Random, p: Participant) -> _Plan:
    prof = PROFILES[p.profile]
    n = int((p.leave - p.join).total_seconds() // INTERVAL)
    missing = _missing(rng, n, prof.gaps)
    bad = _burst_mask(rng, n) if prof.bursts else [False] * n
    # A bad patch is one that was measured: gaps never hide it, so a profile always yields the
    # poor minutes it promises (at least 3, ALERT_MIN_POOR_MINUTES' default).
    return _Plan(n, [m and not b for m, b in zip(missing, bad, strict=True)], bad)


def _received_bad(join: datetime, n: int, uploads: list[tuple[datetime, list[bool]]]) -> list[bool]:
    """A receiver's minutes that overlap a bad upload minute of someone else by at least half."""
    bad = [False] * n
    for up_join, up_bad in uploads:
        for i in range(n):
            lag = (join - up_join).total_seconds() + i * INTERVAL
            j = round(lag / INTERVAL)
            if 0 <= j < len(up_bad) and up_bad[j] and abs(lag - j * INTERVAL) <= INTERVAL / 2:
                bad[i] = True
    return bad


def _share_window(meeting: Meeting) -> tuple[datetime, datetime]:
    span = meeting.end - meeting.start
    return meeting.start + span * 0.2, meeting.start + span * 0.6


def _item(rng: random.Random, meeting: Meeting, p: Participant,
          share: tuple[datetime, datetime], plan: _Plan, received: list[bool],
          participant_id: str | None = None) -> dict[str, Any]:
    prof = PROFILES[p.profile]
    os_type, os_version = rng.choice(OS_FOR_CLIENT[prof.client])
    n, missing = plan.n, plan.missing
    own = {d: plan.bad if d in prof.bad_directions else [False] * n for d in ("in", "out")}
    bad = {"out": own["out"], "in": [a or b for a, b in zip(own["in"], received, strict=True)]}

    def stream(kind: str, direction: str, start: datetime, count: int, offset: int = 0):
        return _session(rng, prof, kind, direction, start, count,
                        missing[offset:offset + count], bad[direction][offset:offset + count])

    audio_in = [stream("audio", "in", p.join, n)]
    audio_out = [stream("audio", "out", p.join, n)]
    video_in, video_out, share_in, share_out, resources = [], [], [], [], []
    if not prof.audio_only:
        video_in = [stream("video", "in", p.join, n)]
        # Some people keep their camera off; someone whose upload is the story keeps it on.
        if prof.uploads_badly or rng.random() < 0.85:
            video_out = [stream("video", "out", p.join, n)]
        # The share session starts on the participant's own sample grid, so its minute i is
        # the same minute as their audio's and everyone's minutes line up.
        offset = max(0, math.ceil((share[0] - p.join).total_seconds() / INTERVAL))
        s0, s1 = p.join + timedelta(seconds=offset * INTERVAL), min(share[1], p.leave)
        if s1 - s0 >= timedelta(seconds=INTERVAL):
            count = min(int((s1 - s0).total_seconds() // INTERVAL), n - offset)
            target = share_out if p.presenter else share_in
            target.append(stream("share", "out" if p.presenter else "in", s0, count, offset))
        spikes = plan.bad if prof.cpu_spikes else [False] * n
        resources = [_resources(rng, p.join, n, missing, spikes)]
    version = f"44.{rng.randint(2, 6)}.0.{rng.randint(1000, 30000)}"
    local = f"192.168.{rng.randint(0, 20)}.{rng.randint(2, 250)}"
    public = f"203.0.113.{rng.randint(2, 250)}"
    return {
        "meetingInstanceId": meeting.id,
        "webexUserName": p.name,
        "webexUserEmail": p.email,
        "joinTime": iso(p.join),
        "leaveTime": iso(p.leave),
        "joinMeetingTime": f"{rng.uniform(1.2, 6.5):.1f}",
        "clientType": prof.client,
        "clientVersion": "" if prof.audio_only else version,
        "osType": os_type,
        "osVersion": os_version,
        "hardwareType": HARDWARE[os_type],
        "speakerName": "" if prof.audio_only else "Speakers (Realtek(R) Audio)",
        "networkType": prof.network,
        "localIP": "" if prof.audio_only else local,
        "publicIP": public,
        "maskedLocalIP": "" if prof.audio_only else local.rsplit(".", 1)[0] + ".0",
        "maskedPublicIP": public.rsplit(".", 1)[0] + ".0",
        "camera": "" if prof.audio_only else "Integrated Webcam",
        "microphone": "" if prof.audio_only else "Jabra Evolve2 65",
        "serverRegion": rng.choice(REGIONS),
        "videoMeshCluster": "",
        "videoMeshServer": "",
        "participantId": participant_id or uuid.UUID(int=rng.getrandbits(128)).hex,
        "participantSessionId": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "videoIn": video_in,
        "videoOut": video_out,
        "audioIn": audio_in,
        "audioOut": audio_out,
        "shareIn": share_in,
        "shareOut": share_out,
        "resources": resources,
    }


def _missing(rng: random.Random, n: int, gappy: bool) -> list[bool]:
    """Where no sample was reported: rare single drops for everyone, runs for gappy clients."""
    miss = [rng.random() < 0.01 for _ in range(n)]
    if gappy and n > 6:
        for _ in range(max(1, n // 15)):
            start = rng.randrange(n - 3)
            for i in range(start, min(n, start + rng.randint(2, 5))):
                miss[i] = True
    return miss


def _burst_mask(rng: random.Random, n: int) -> list[bool]:
    """Bad patches of 2-6 minutes covering 15-30 % of the minutes, never fewer than 3 (or n):
    enough for a stream to be poor (> 5 % of its samples) and for an alert (3 poor minutes)."""
    bad = [False] * n
    target = min(n, max(3, round(n * rng.uniform(0.15, 0.3))))
    while sum(bad) < target:
        length = min(n, rng.randint(2, 6))
        start = rng.randrange(n - length + 1)
        for i in range(start, start + length):
            bad[i] = True
    return bad


def _session(rng: random.Random, prof: Profile, kind: str, direction: str, start: datetime,
             n: int, missing: list[bool], bad: list[bool]) -> dict[str, Any]:
    loss, latency, jitter, rate, height, fps = [], [], [], [], [], []
    nominal_rate = {"audio": 48_000, "video": 1_400_000, "share": 600_000}[kind]
    if direction == "in" and kind == "video":
        nominal_rate = 1_800_000
    for i in range(n):
        if missing[i]:
            for values in (loss, latency, jitter, rate, height, fps):
                values.append(-1)
            continue
        burst = bad[i]
        lossy = burst and prof.burst_loss
        loss.append(round(min(100.0, rng.uniform(8, 25) if lossy
                              else rng.expovariate(1 / prof.loss)), 2))
        delay = 0 if not burst else 120 if prof.burst_loss else 260
        latency.append(max(1, round(rng.gauss(prof.latency, prof.latency * 0.15) + delay)))
        jitter.append(max(0, round(rng.uniform(55, 95) if burst
                                   else rng.gauss(prof.jitter, prof.jitter * 0.3))))
        degraded = burst or prof.network == "cellular"
        rate.append(round(nominal_rate * rng.uniform(0.35, 0.6) if degraded
                          else nominal_rate * rng.uniform(0.85, 1.1)))
        if kind == "video":
            height.append(360 if degraded else rng.choice([720, 720, 720, 540]))
            fps.append(round(rng.uniform(4, 12) if burst else rng.uniform(27, 30), 1))
        elif kind == "share":
            height.append(1080)
            fps.append(round(rng.uniform(3, 15), 1))
    session: dict[str, Any] = {
        "samplingInterval": INTERVAL,
        "startTime": iso(start),
        "endTime": iso(start + timedelta(seconds=INTERVAL * n)),
        "packetLoss": loss,
        "latency": latency,
        "jitter": jitter,
        "mediaBitRate": rate,
    }
    if kind != "audio":
        session["resolutionHeight"] = height
        session["frameRate"] = fps
    session["codec"] = {"audio": "opus", "video": "H264", "share": "H264"}[kind]
    session["transportType"] = prof.transport
    return session


def _resources(rng: random.Random, start: datetime, n: int, missing: list[bool],
               spikes: list[bool]) -> dict[str, Any]:
    """CPU stays below 85 % except in `spikes`, so only the cpu profile ever looks CPU-bound."""
    def series(low: float, high: float, spike_low: float) -> list[float]:
        return [-1 if missing[i] else round(rng.uniform(spike_low, 99.5) if spikes[i]
                                            else rng.uniform(low, high), 1) for i in range(n)]

    return {
        "samplingInterval": INTERVAL,
        "startTime": iso(start),
        "endTime": iso(start + timedelta(seconds=INTERVAL * n)),
        "processAverageCPU": series(5, 25, 70),
        "processMaxCPU": series(25, 60, 92),
        "systemAverageCPU": series(15, 45, 75),
        "systemMaxCPU": series(40, 80, 94),
    }
