"""/trends: a period of history against the one before it. `load` asks storage for the
aggregates (SQL does the sums); the card and markdown are pure functions of the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.quality.cards import card, cut_markdown, facts, md_escape, text
from storage import history
from storage.history import Scope, Totals, WeekNetwork, totals_of

TOP_CAUSES = 3
REPEAT_AT_LEAST = 2  # poor meetings in the period that make someone worth a look (§12)


@dataclass(frozen=True)
class Trends:
    who: str  # "you", "the organization", or a person's email
    days: int
    since: datetime
    until: datetime
    weekly: list[WeekNetwork]
    current: Totals
    previous: Totals
    causes: list[tuple[str, int]]
    repeat: list[tuple[str, str, int]] | None = None  # org view only
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.current.rows == 0

    @property
    def change(self) -> float | None:
        """Percentage points of poor participant-minutes against the previous period."""
        now, before = self.current.poor_share, self.previous.poor_share
        if now is None or before is None:
            return None
        return 100 * (now - before)


def load(scope: Scope, who: str, days: int, now: datetime, org_view: bool = False) -> Trends:
    until = now.astimezone(UTC)
    since = until - timedelta(days=days)
    before = since - timedelta(days=days)
    weeks = history.weekly(scope, since, until)
    return Trends(
        who=who,
        days=days,
        since=since,
        until=until,
        weekly=weeks,
        current=totals_of(weeks, scope),
        previous=history.totals(scope, before, since),
        causes=history.top_causes(scope, since, until, TOP_CAUSES),
        repeat=history.repeat_poor(scope, since, until, REPEAT_AT_LEAST) if org_view else None,
    )


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f}%"


def change_text(t: Trends) -> str:
    if t.change is None:
        return f"no data in the {t.days} days before"
    was = pct(t.previous.poor_share)
    if abs(t.change) < 0.05:
        return f"about the same (was {was})"
    word = "worse" if t.change > 0 else "better"
    return f"{t.change:+.1f} points, {word} (was {was})"


def empty_text(who: str, days: int) -> str:
    whose = "your meetings" if who == "you" else f"{md_escape(who)}'s meetings"
    if who == "the organization":
        whose = "the organization's meetings"
    return (
        f"No meeting history for {whose} in the last {days} days: history starts when a "
        "meeting is analysed (`/quality`, daily summaries, alerts)."
    )


def _title(t: Trends) -> str:
    return f"Meeting quality trend — {t.who}, last {t.days} days"


def trends_card(t: Trends) -> tuple[dict, str]:
    """Adaptive Card 1.3 and its markdown fallback."""
    minutes = f"{t.current.minutes:,.0f}"
    pairs = [
        ("Meetings", str(t.current.meetings)),
        ("Participant-minutes", minutes),
        ("Poor", f"{pct(t.current.poor_share)} of participant-minutes"),
        (f"vs previous {t.days} days", change_text(t)),
    ]
    causes = ", ".join(f"{c} ({n})" for c, n in t.causes) or "none"
    body: list[dict] = [
        text(_title(t), weight="Bolder", size="Medium"),
        text(f"{t.since:%d %b %Y} – {t.until:%d %b %Y} (UTC)", isSubtle=True, spacing="None"),
        facts([*pairs, ("Top causes", causes)]),
    ]
    lines = [f"**{md_escape(_title(t))}**", *(f"- {k}: {md_escape(v)}" for k, v in pairs)]
    lines.append(f"- Top causes: {md_escape(causes)}")
    if t.repeat is not None:
        body.append(text(f"People with {REPEAT_AT_LEAST}+ poor meetings", weight="Bolder"))
        if t.repeat:
            people = [(name, f"{email} — {n} poor meetings") for email, name, n in t.repeat]
            body.append(facts(people))
            lines.append(f"- People with {REPEAT_AT_LEAST}+ poor meetings:")
            lines.extend(
                f"  - {md_escape(name)} ({md_escape(email)}): {n}" for email, name, n in t.repeat
            )
        else:
            body.append(text("Nobody.", isSubtle=True))
            lines.append(f"- People with {REPEAT_AT_LEAST}+ poor meetings: nobody")
    return card(body), cut_markdown("\n".join(lines))
