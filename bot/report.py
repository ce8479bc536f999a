"""`quality-bot report` and `quality-bot meetings`: the /quality chart and per-participant table,
and the list of meeting ids to ask it for, offline, from the stored token of a connected person
and the shared qualities cache."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from bot.accounts import NeedsReconnect, NotConnected
from bot.app import build_runtime
from bot.config import Config
from bot.meetings import (
    QualityUnavailable,
    ended_meetings,
    load_report,
    person_timezone,
    resolve_ref,
)
from bot.quality.analysis import report_rows
from bot.quality.charts import quality_chart
from bot.runtime import Runtime
from bot.webex import NotFound, UserClient, WebexError
from storage import meeting_lists, qualities, tokens

LIST_LIMIT = 50


@contextmanager
def _as_person(config: Config, email: str) -> Iterator[tuple[Runtime, UserClient, str]]:
    """The runtime, the person's client and id; every failure becomes one plain line."""
    runtime = build_runtime(config)
    try:
        row = tokens.find_by_email(email)
        if row is None:
            raise NotConnected(email)
        yield runtime, runtime.accounts.client_for(row.person_id), row.person_id
    except NotConnected:
        raise SystemExit(
            f"quality-bot: {email} has no stored Webex connection; they must "
            "type /connect to the bot first"
        ) from None
    except NeedsReconnect:
        raise SystemExit(
            f"quality-bot: the Webex connection of {email} expired; they must /connect again"
        ) from None
    except NotFound:
        raise SystemExit(f"quality-bot: that meeting is not visible to {email}") from None
    except QualityUnavailable as exc:
        plain = str(exc).replace("**", "").replace("`/meetings`", "`quality-bot meetings`")
        raise SystemExit(f"quality-bot: {plain}") from None
    except WebexError as exc:
        raise SystemExit(f"quality-bot: Webex error: {exc}") from None


def run_report(config: Config, ref: str, email: str, out: str, csv_path: str | None) -> int:
    """REF as in /quality: `#N` from the person's last list, a meeting number, or an id."""
    with _as_person(config, email) as (runtime, user, person_id):
        kept = qualities.cached(ref.strip())
        if kept and kept.meeting:
            meeting = kept.meeting  # known already: no Webex call needed to find it
        else:
            meeting = resolve_ref(user, person_id, ref, runtime.now())
        report, fetched_at = load_report(
            user, meeting, clock=runtime.now, min_interval=config.quality_min_interval
        )
        tz = person_timezone(user, config.default_timezone)
    Path(out).write_bytes(quality_chart(report, tz))
    print(
        f"{report.title}: {len(report.participants)} participants, verdict {report.verdict}, "
        f"data fetched {fetched_at:%Y-%m-%d %H:%M} UTC"
    )
    print(f"chart written to {out}")
    if csv_path:
        rows = report_rows(report)
        with open(csv_path, "w", newline="", encoding="utf-8") as f:
            if rows:
                writer = csv.DictWriter(f, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
        print(f"table written to {csv_path} ({len(rows)} rows)")
    return 0


def run_meetings(
    config: Config, email: str, days: int, echo: Callable[[str], None] = print
) -> int:
    """The person's ended meetings, numbered as `/meetings` numbers them: the list is kept as
    their last one, so `quality-bot report '#2'` means the second line printed here."""
    with _as_person(config, email) as (runtime, user, person_id):
        now = runtime.now()
        found = ended_meetings(user, now - timedelta(days=days), now)[:LIST_LIMIT]
        meeting_lists.save(person_id, found, now=now)
    if not found:
        echo(f"{email} has no ended meetings in the last {days} days")
        return 0
    for n, m in enumerate(found, 1):
        start = str(m.get("start") or "")[:16].replace("T", " ")
        echo(f"#{n:<3} {start} UTC  {m.get('id')}  {m.get('title') or 'Untitled meeting'}")
    echo(f"\nquality-bot report '#1' --token-from {email} --out chart.png  (or any id above)")
    return 0
