"""The one table of quality thresholds (see shared/quality-model.md).

Every boundary value itself belongs to the milder class: latency of exactly 150 ms is "fair",
exactly 400 ms is still "fair", 400.1 ms is "poor".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    latency_fair_ms: float = 150.0  # good below, fair from here
    latency_poor_ms: float = 400.0  # poor above
    jitter_fair_ms: float = 30.0
    jitter_poor_ms: float = 50.0
    loss_fair_pct: float = 1.0
    loss_poor_pct: float = 5.0
    fps_good: float = 25.0  # good at or above, when the picture is at least fps_good_height
    fps_good_height: int = 360
    fps_poor: float = 7.0  # poor below
    mos_good: float = 4.0  # good at or above
    mos_poor: float = 3.6  # poor below
    # A stream is poor (or fair) only when more than this share of its samples is; a single
    # bad sample in a long stream must never flag it.
    stream_share: float = 0.05
    # Causes (CONTRACT §11). A receiver's bad minutes are blamed on a sender when at least this
    # share of them coincide with the sender's bad outgoing minutes, and another receiver agrees.
    sender_overlap: float = 0.5
    cpu_high_pct: float = 90.0  # processMaxCPU or systemMaxCPU at or above this is "overloaded"
    cpu_minutes_share: float = 0.2  # ... in at least this share of the participant's bad minutes
    cpu_min_minutes: int = 3  # ... and in at least this many of them (one or two can be chance)
    # Extra notes beside the cause.
    long_join_s: float = 20.0  # joinMeetingTime above this is a slow join
    versions_behind: int = 3  # minor releases behind the meeting's most common client version
    # Webex does not say whether latency is one way or round trip; we read it as reported.
    latency_note: str = "latency as reported by Webex (assumed round trip)"

    def describe(self) -> str:
        """Short text for chart footers and cards."""
        return (
            f"Poor: latency > {self.latency_poor_ms:g} ms, jitter > {self.jitter_poor_ms:g} ms, "
            f"loss > {self.loss_poor_pct:g} %, video < {self.fps_poor:g} fps, "
            f"est. MOS < {self.mos_poor:g}. "
            f"Fair: latency ≥ {self.latency_fair_ms:g} ms, jitter ≥ {self.jitter_fair_ms:g} ms, "
            f"loss ≥ {self.loss_fair_pct:g} %, video < {self.fps_good:g} fps or "
            f"< {self.fps_good_height}p, est. MOS < {self.mos_good:g}. "
            f"A stream is poor when > {self.stream_share:.0%} of its samples are. "
            f"{self.latency_note[0].upper()}{self.latency_note[1:]}."
        )

    def short(self) -> str:
        """The poor limits only, for chart footers read at chat size."""
        return (f"Poor: latency > {self.latency_poor_ms:g} ms · jitter > {self.jitter_poor_ms:g} ms"
                f" · loss > {self.loss_poor_pct:g} % · video < {self.fps_poor:g} fps · "
                f"est. audio MOS < {self.mos_poor:g}. Fair from {self.latency_fair_ms:g} ms · "
                f"{self.jitter_fair_ms:g} ms · {self.loss_fair_pct:g} % · {self.fps_good:g} fps · "
                f"MOS {self.mos_good:g}. A stream is poor when > {self.stream_share:.0%} of its "
                f"samples are. {self.latency_note[0].upper()}{self.latency_note[1:]}.")


DEFAULT_THRESHOLDS = Thresholds()
