"""The pure part of the daily summary: many MeetingReports of one local day -> DaySummary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .analysis import VERDICT_RANK, MeetingReport

# Changes smaller than this (in share of minutes, i.e. one percentage point) are "about the same".
TREND_STEADY = 0.01


@dataclass(frozen=True)
class MeetingSummary:
    meeting_id: str
    title: str
    start: datetime | None
    duration_minutes: float
    participants: int
    verdict: str
    poor_share: float | None  # poor participant-minutes / participant-minutes with data
    minutes_by_class: dict[str, int]  # good / fair / poor / no data participant-minutes
    reasons: list[str] = field(default_factory=list)  # most common "poor due to" labels


@dataclass(frozen=True)
class WorstParticipant:
    name: str
    email: str
    meeting_title: str
    meeting_id: str
    meeting_start: datetime | None
    verdict: str
    poor_share: float
    poor_due_to: list[str]  # fair_due_to when the verdict is only fair
    label: str  # name · network · client
    cause: str = ""  # CONTRACT §11 cause word


@dataclass(frozen=True)
class DaySummary:
    day: date
    tz: str
    meetings: list[MeetingSummary]  # by start time
    participants: int  # distinct people over all meetings
    participant_minutes: int
    poor_share: float | None  # what later days use as their history value
    minutes_by_class: dict[str, int]
    worst_meetings: list[MeetingSummary]  # up to 3 with poor minutes, worst first
    worst_participants: list[WorstParticipant]  # up to 5, worst first
    history: list[tuple[date, float | None]]  # the previous 7 days, oldest first
    baseline: float | None  # mean poor share of the history days that had data
    trend: str  # better | worse | about the same | no history | no data

    @property
    def meeting_count(self) -> int:
        return len(self.meetings)

    @property
    def trend_delta(self) -> float | None:
        if self.poor_share is None or self.baseline is None:
            return None
        return self.poor_share - self.baseline


def _meeting_summary(report: MeetingReport) -> MeetingSummary:
    counts: dict[str, int] = {}
    for p in report.participants:
        for reason in p.poor_due_to:
            counts[reason] = counts.get(reason, 0) + 1
    reasons = [r for r, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:4]
    return MeetingSummary(
        meeting_id=report.meeting_id,
        title=report.title,
        start=report.start,
        duration_minutes=report.duration_minutes,
        participants=report.participant_count,
        verdict=report.verdict,
        poor_share=report.poor_share,
        minutes_by_class=dict(report.minutes_by_class),
        reasons=reasons,
    )


def summarize_day(
    day: date,
    tz: str,
    reports: list[MeetingReport],
    history: list[tuple[date, float | None]],
) -> DaySummary:
    meetings = sorted(
        (_meeting_summary(r) for r in reports),
        key=lambda m: (m.start is None, m.start or datetime.min, m.title),
    )
    totals = {k: 0 for k in ("good", "fair", "poor", "no data")}
    for m in meetings:
        for k, v in m.minutes_by_class.items():
            totals[k] = totals.get(k, 0) + v
    with_data = totals["good"] + totals["fair"] + totals["poor"]
    poor_share = totals["poor"] / with_data if with_data else None

    people = {p.email.lower() or p.key for r in reports for p in r.participants}
    worst_meetings = sorted(
        (m for m in meetings if m.poor_share),
        key=lambda m: (-(m.poor_share or 0.0), -VERDICT_RANK[m.verdict]),
    )[:3]
    candidates = [
        (r, p) for r in reports for p in r.participants if p.verdict in ("poor", "fair")
    ]
    candidates.sort(key=lambda rp: (-VERDICT_RANK[rp[1].verdict], -rp[1].poor_share,
                                    -(rp[1].p95_loss or 0.0)))
    worst = [
        WorstParticipant(
            name=p.name,
            email=p.email,
            meeting_title=r.title,
            meeting_id=r.meeting_id,
            meeting_start=r.start,
            verdict=p.verdict,
            poor_share=p.poor_share,
            poor_due_to=list(p.poor_due_to or p.fair_due_to),
            label=p.label,
            cause=p.cause,
        )
        for r, p in candidates[:5]
    ]

    earlier = day - timedelta(days=7)
    past = sorted((d, s) for d, s in history if earlier <= d < day)
    known = [s for _, s in past if s is not None]
    baseline = sum(known) / len(known) if known else None
    if poor_share is None:
        trend = "no data"
    elif baseline is None:
        trend = "no history"
    elif abs(poor_share - baseline) < TREND_STEADY:
        trend = "about the same"
    else:
        trend = "worse" if poor_share > baseline else "better"
    return DaySummary(
        day=day,
        tz=tz,
        meetings=meetings,
        participants=len(people),
        participant_minutes=sum(totals.values()),
        poor_share=poor_share,
        minutes_by_class=totals,
        worst_meetings=worst_meetings,
        worst_participants=worst,
        history=past,
        baseline=baseline,
        trend=trend,
    )
