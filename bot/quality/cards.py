"""Adaptive Cards 1.3 (plus a markdown fallback) for the quality replies. Pure functions.

Only elements every Webex client renders: TextBlock, FactSet, ColumnSet/Column, Image,
Container, Input.* and Action.Submit/OpenUrl; at most MAX_ACTIONS actions per card.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any

from .analysis import MeetingReport, ParticipantReport
from .daily import DaySummary
from .participants import compact_reasons
from .samples import parse_time, zone
from .words import breakdown_text, cause_text, network_kind, pct, when_bad

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_ACTIONS = 5
MARKDOWN_LIMIT = 7439  # bytes: Webex rejects longer message text
CARD_LIMIT = 20_000  # bytes of card JSON, well under the message size limit
QUALITY_KEPT_DAYS = 7
QUALITY_READY_MINUTES = 10  # Webex has quality data from 10 minutes after a meeting starts
VERDICT_COLOR = {"poor": "Attention", "fair": "Warning", "good": "Good", "no data": "Default"}

Card = dict[str, Any]


def card(body: list[dict], actions: list[dict] | None = None) -> Card:
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.3", "body": body}
    if actions:
        out["actions"] = actions[:MAX_ACTIONS]
    return out


def card_text(value: str) -> str:
    """Card text renders a markdown subset: titles and names people typed must not become
    links, so `](` is broken with an invisible joiner (the text reads the same)."""
    return value.replace("](", "]\u2060(")


def text(value: str, **kw: Any) -> dict:
    return {"type": "TextBlock", "text": card_text(value), "wrap": True, **kw}


def facts(pairs: list[tuple[str, str]]) -> dict:
    return {
        "type": "FactSet",
        "facts": [{"title": card_text(t), "value": card_text(v)} for t, v in pairs],
    }


def md_escape(value: object) -> str:
    """User text inside markdown: no accidental bold, code, links or mentions."""
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", " ".join(str(value).split()))


def cut_markdown(markdown: str, limit: int = MARKDOWN_LIMIT) -> str:
    """Cut at a line boundary so the result, with its note, stays within limit bytes."""
    if len(markdown.encode()) <= limit:
        return markdown
    lines = markdown.split("\n")
    while lines:
        lines.pop()
        note = f"\n… cut here, {len(markdown.splitlines()) - len(lines)} more lines not shown."
        candidate = "\n".join(lines) + note
        if len(candidate.encode()) <= limit:
            return candidate
    return markdown.encode()[: limit - 3].decode(errors="ignore") + "…"


def card_size(c: Card) -> int:
    return len(json.dumps(c, ensure_ascii=False).encode())


def when(value: Any, tz: str, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    t = parse_time(value)
    return t.astimezone(zone(tz)).strftime(fmt) if t else "time unknown"


def duration(minutes: float | None) -> str:
    if minutes is None or minutes <= 0:
        return "duration unknown"
    m = round(minutes)
    return f"{m} min" if m < 60 else f"{m // 60} h {m % 60:02d} min"


def _minutes_between(start: Any, end: Any) -> float | None:
    s, e = parse_time(start), parse_time(end)
    return (e - s).total_seconds() / 60 if s and e else None


# ---------------------------------------------------------------- /meetings


def meetings_card(meetings: list[dict], *, tz: str, now: datetime, days: int,
                  max_items: int = 20) -> tuple[Card, str]:
    """A picker of the requester's ended meetings (already newest first)."""
    if not meetings:
        msg = (f"No ended meetings in the last {days} day{'s' * (days != 1)}. "
               "Meetings appear here once they have ended.")
        return card([text("Your meetings", weight="Bolder", size="Medium"), text(msg)]), msg
    expired_before = now - timedelta(days=QUALITY_KEPT_DAYS)
    ready_before = now - timedelta(minutes=QUALITY_READY_MINUTES)
    rows = []
    ready: set[str] = set()
    for n, m in enumerate(meetings, 1):
        start = parse_time(m.get("start"))
        expired = start is not None and start < expired_before
        if start is not None and expired_before <= start <= ready_before:
            ready.add(str(m.get("id") or ""))
        label = (f"{' '.join(str(m.get('title') or 'Untitled meeting').split())} · "
                 f"{when(m.get('start'), tz, '%a %d %b, %H:%M')} · "
                 f"{duration(_minutes_between(m.get('start'), m.get('end')))}")
        rows.append((n, str(m.get("id") or ""), label + (" · quality data expired" if expired
                                                         else "")))
    shown = rows[:max_items]
    while True:
        body = [
            text(f"Your meetings of the last {days} day{'s' * (days != 1)}", weight="Bolder",
                 size="Medium"),
            text(f"Times in {tz}. Pick one to see its quality chart and summary.",
                 isSubtle=True, spacing="None"),
            # Preselect the newest meeting Webex has data for, so the first press works.
            {"type": "Input.ChoiceSet", "id": "meetingId", "style": "compact",
             "value": next((mid for _, mid, _ in shown if mid in ready), shown[0][1]),
             "choices": [{"title": f"#{n} {label}", "value": mid} for n, mid, label in shown]},
        ]
        if len(shown) < len(rows):
            body.append(text(f"Showing the {len(shown)} newest of {len(rows)} meetings; "
                             f"older ones: `/quality #N` with N up to {len(rows)}.",
                             isSubtle=True, size="Small"))
        c = card(body, [{"type": "Action.Submit", "title": "Show quality",
                         "data": {"command": "quality"}}])
        if card_size(c) <= CARD_LIMIT or len(shown) == 1:
            break
        shown = shown[: max(1, len(shown) * 3 // 4)]
    lines = [f"**Your meetings of the last {days} day{'s' * (days != 1)}** (times in {tz}). "
             "Reply `/quality #N` to see one.", ""]
    lines += [f"#{n} {md_escape(label)}" for n, _, label in rows]
    return c, cut_markdown("\n".join(lines))


# ---------------------------------------------------------------- /quality


def _reason(p: ParticipantReport) -> str:
    due = p.poor_due_to or p.fair_due_to
    return f"{p.verdict} due to {compact_reasons(due)}" if due else p.verdict


def _worst_head(p: ParticipantReport) -> str:
    """The answer first: who, why, how bad."""
    return f"{p.name} — {cause_text(p)} — {p.verdict}, {pct(p.poor_share)} of minutes poor"


def _worst_detail(p: ParticipantReport, report: MeetingReport, tz: str) -> str:
    spell = when_bad(p, report.timeline_start, zone(tz))
    extra = [_reason(p), f"worst {spell}" if spell else "", network_kind(p)]
    if client := str(p.info.get("clientType") or ""):
        extra.append(client)
    if p.audio_only:
        extra.append("audio only")
    if p.joined_late:
        extra.append(f"joined {p.joined_late_minutes:.0f} min late")
    extra += list(p.notes)
    return " · ".join(x for x in extra if x)


def breakdown_line(report: MeetingReport) -> str | None:
    """Every network type with its share of the poor minutes (None when nobody was poor)."""
    return breakdown_text(report.participants)


def _channel_line(report: MeetingReport) -> str:
    parts = [f"{name} {pct(share)}" for name, share in report.poor_minutes_share.items()]
    return " · ".join(parts) if parts else "n/a"


def quality_card(report: MeetingReport, *, fetched_at: datetime | None,
                 tz: str) -> tuple[Card, str]:
    """The summary that goes with the chart of one meeting."""
    people = report.participants
    counts = {v: sum(p.verdict == v for p in people) for v in ("poor", "fair")}
    mos = ("n/a" if report.mos_median is None else
           f"median {report.mos_median:.2f}, lowest 10 % below {report.mos_p10:.2f}")
    minutes = " · ".join(f"{k} {v}" for k, v in report.minutes_by_channel.items() if v)
    pairs = [
        ("Participants", f"{len(people)} ({counts['poor']} poor, {counts['fair']} fair)"),
        ("Duration", duration(report.duration_minutes)),
        ("Poor minutes", f"{pct(report.poor_share)} of participant-minutes"),
        ("Poor minutes by stream", _channel_line(report)),
        ("Poor streams", pct(report.poor_stream_rate)),
        ("MOS (estimated, audio only)", mos),
        ("Participant-minutes", minutes or "n/a"),
        ("Data coverage", pct(report.coverage)),
    ]
    when_text = (f"{when(report.start, tz)} ({tz})" if report.start else "time unknown")
    worst = report.worst(5)
    body: list[dict] = [
        text(f"Meeting quality: {report.title}", weight="Bolder", size="Medium"),
        text(when_text, isSubtle=True, spacing="None"),
        text(f"Verdict: {report.verdict}", weight="Bolder",
             color=VERDICT_COLOR.get(report.verdict, "Default")),
        facts(pairs),
    ]
    if worst:
        rows: list[dict] = [text("Worst participants: cause and what to do", weight="Bolder")]
        for k, p in enumerate(worst, 1):
            rows.append(text(f"{k}. {_worst_head(p)}", spacing="Small", weight="Bolder"))
            if p.tip:
                rows.append(text(f"Tip: {p.tip}", spacing="None"))
            rows.append(text(_worst_detail(p, report, tz), spacing="None", isSubtle=True,
                             size="Small"))
        body.append({"type": "Container", "items": rows})
    explain = breakdown_line(report)
    if explain:
        body.append(text(explain))
    # The date too: cached data may be days old, and a bare time reads as today.
    stamp = (f"Data fetched {fetched_at.astimezone(zone(tz)):%a %d %b %Y, %H:%M} ({tz})"
             if fetched_at else None)
    body.append(text(" · ".join(x for x in (stamp, report.thresholds.latency_note) if x),
                     isSubtle=True, size="Small"))
    actions = []
    if report.meeting_id:
        actions.append({"type": "Action.Submit", "title": "Refresh",
                        "data": {"command": "quality", "meetingId": report.meeting_id}})
    md = [f"**Meeting quality: {md_escape(report.title)}** — {md_escape(when_text)}",
          f"Verdict: **{report.verdict}**"]
    md += [f"- {k}: {md_escape(v)}" for k, v in pairs]
    if worst:
        md.append("Worst participants:")
        for k, p in enumerate(worst, 1):
            md.append(f"{k}. **{md_escape(_worst_head(p))}**"
                      + (f" — Tip: {md_escape(p.tip)}" if p.tip else "")
                      + f" _({md_escape(_worst_detail(p, report, tz))})_")
    if explain:
        md.append(md_escape(explain))
    if stamp:
        md.append(f"_{stamp}_")
    return card(body, actions), cut_markdown("\n".join(md))


# ---------------------------------------------------------------- daily summary


def _trend_text(summary: DaySummary) -> str:
    delta = summary.trend_delta
    if delta is None or summary.baseline is None:
        return summary.trend
    return (f"{summary.trend} ({delta * 100:+.1f} points vs the previous 7 days' "
            f"{pct(summary.baseline)})")


def daily_card(summary: DaySummary, tz: str) -> tuple[Card, str]:
    title = f"Meeting quality — {summary.day:%A %d %B %Y}"
    pairs = [
        ("Meetings", str(summary.meeting_count)),
        ("Participants", str(summary.participants)),
        ("Poor minutes", f"{pct(summary.poor_share)} of participant-minutes"),
        ("Trend", _trend_text(summary)),
    ]
    meetings = [
        f"{when(m.start, tz, '%H:%M')} {m.title}: {pct(m.poor_share)} poor minutes"
        + (f", due to {compact_reasons(m.reasons)}" if m.reasons else "")
        for m in summary.worst_meetings
    ]
    people = [
        f"{w.name} in {w.meeting_title}: {w.verdict}, {pct(w.poor_share)} of minutes poor"
        + (f", cause: {w.cause}" if w.cause else "")
        + (f" ({compact_reasons(w.poor_due_to)})" if w.poor_due_to else "")
        for w in summary.worst_participants
    ]
    body: list[dict] = [text(title, weight="Bolder", size="Medium"),
                        text(f"Times in {tz}", isSubtle=True, spacing="None"), facts(pairs)]
    for heading, items in (("Worst meetings", meetings), ("Worst participants", people)):
        if items:
            body.append({"type": "Container", "items": [
                text(heading, weight="Bolder"),
                *[text(f"{k}. {line}", spacing="Small") for k, line in enumerate(items, 1)]]})
    if not meetings and not people:
        body.append(text("No meeting had poor minutes.", color="Good"))
    actions = [
        {"type": "Action.Submit", "title": f"Quality: {m.title[:30]}",
         "data": {"command": "quality", "meetingId": m.meeting_id}}
        for m in summary.worst_meetings if m.meeting_id
    ][:3]
    md = [f"**{md_escape(title)}** (times in {tz})"]
    md += [f"- {k}: {md_escape(v)}" for k, v in pairs]
    for heading, items in (("Worst meetings", meetings), ("Worst participants", people)):
        if items:
            md.append(f"{heading}:")
            md += [f"{k}. {md_escape(line)}" for k, line in enumerate(items, 1)]
    return card(body, actions), cut_markdown("\n".join(md))


def daily_empty_markdown(day: date, tz: str) -> str:
    return f"No meetings on {day:%A %d %B %Y} ({tz}): nothing to report."


# ---------------------------------------------------------------- /help


def help_card(entries: list[tuple[str, str]]) -> tuple[Card, str]:
    body = [text("Commands", weight="Bolder", size="Medium"),
            facts([(usage, line) for usage, line in entries])]
    md = ["**Commands**"] + [f"- `{usage}` — {md_escape(line)}" for usage, line in entries]
    return card(body), cut_markdown("\n".join(md))
