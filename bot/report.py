"""`quality-bot report`: the /quality chart and per-participant table, offline, from the stored
token of a connected person and the shared qualities cache."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.accounts import NeedsReconnect, NotConnected
from bot.config import Config
from bot.meetings import QualityUnavailable, load_report, person_timezone
from bot.quality.analysis import report_rows
from bot.quality.charts import quality_chart
from bot.runtime import build_runtime
from bot.webex import NotFound, WebexError
from storage import qualities


def run_report(config: Config, meeting_id: str, email: str, out: str, csv_path: str | None) -> int:
    runtime = build_runtime(config, with_queue=False)
    try:
        user = runtime.accounts.client_for_email(email)
        kept = qualities.cached(meeting_id)
        meeting = kept.meeting if kept and kept.meeting else user.meeting(meeting_id)
        report, fetched_at = load_report(runtime, user, meeting)
        tz = person_timezone(user, config.default_timezone)
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
        raise SystemExit(f"quality-bot: meeting {meeting_id} is not visible to {email}") from None
    except QualityUnavailable as exc:
        raise SystemExit(f"quality-bot: {exc}".replace("**", "")) from None
    except WebexError as exc:
        raise SystemExit(f"quality-bot: Webex error: {exc}") from None
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
