"""Every analysed meeting leaves one history row per participant: built here, saved by
storage.history (upsert, so re-analysing a meeting never duplicates)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bot.quality.analysis import MeetingReport
from bot.quality.samples import parse_time
from storage import history

log = logging.getLogger(__name__)

EPOCH_DAY = datetime(1970, 1, 1, tzinfo=UTC)


def day_number(moment: datetime) -> int:
    """The UTC day of `moment` as days since 1970-01-01."""
    return (moment.astimezone(UTC) - EPOCH_DAY).days


def _num(value: Any) -> float:
    try:
        return round(float(value), 2)
    except (TypeError, ValueError):
        return 0.0


def _short(value: object) -> str:
    """Fits a CharField (PostgreSQL's varchar(255) refuses longer text; SQLite would not)."""
    return str(value or "").strip()[:255]


def history_rows(meeting: dict, report: MeetingReport, org_id: str | None) -> list[dict]:
    """The rows of one analysed meeting, one per participant (pure)."""
    start = report.start or parse_time(meeting.get("start"))
    if start is None:
        return []  # nothing to place in time: an empty meeting with no samples
    start = start.astimezone(UTC)
    meeting_id = _short(meeting.get("id") or report.meeting_id)
    host = _short(meeting.get("hostEmail")).lower()
    title = str(meeting.get("title") or report.title or "")
    rows = []
    for index, p in enumerate(report.participants):
        by_channel = p.poor_minutes_by_channel or {}
        email = _short(p.email)
        rows.append(
            {
                "meeting_id": meeting_id,
                "participant_key": _short(p.key),
                "org_id": _short(org_id),
                "start": start.replace(tzinfo=None),
                "day": day_number(start),
                "title": title,
                "host_lc": host,
                "name": p.name or "",
                "email": email,
                "email_lc": email.lower(),
                "network": _short(p.network),
                "client": _short(p.client),
                "transport": _short(p.transport),
                "minutes": _num(p.active_minutes),
                "poor_minutes": _num(p.poor_minutes),
                "poor_audio": _num(by_channel.get("audio")),
                "poor_video": _num(by_channel.get("video")),
                "poor_sharing": _num(by_channel.get("share")),
                "verdict": _short(p.verdict),
                "cause": _short(p.cause),
                "lead": int(index == 0),
                "recorded_at": datetime.now(UTC).replace(tzinfo=None),
            }
        )
    return rows


def record_meeting(meeting: dict, report: MeetingReport, org_id: str | None) -> int:
    """Keep the meeting's participants in the history; returns how many rows it holds.

    A failure here must never cost the person their answer: it is logged, not raised."""
    meeting_id = _short(meeting.get("id") or report.meeting_id)
    if not meeting_id:
        return 0
    try:
        return history.save_meeting(meeting_id, history_rows(meeting, report, org_id))
    except Exception:
        log.exception("could not record the history of a meeting")
        return 0
