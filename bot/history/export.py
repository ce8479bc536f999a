"""/export and `quality-bot export`: the §12 CSV, streamed from storage, safe to open in a
spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from storage import history
from storage.history import Scope

if TYPE_CHECKING:
    from bot.config import Config

HEADER = [
    "date",
    "meeting_id",
    "title",
    "host_email",
    "participant",
    "email",
    "network",
    "client",
    "transport",
    "minutes",
    "poor_minutes_audio",
    "poor_minutes_video",
    "poor_minutes_share",
    "verdict",
    "cause",
]
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (CSV injection); a leading apostrophe makes it text. Tab and CR are listed by OWASP too.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def file_name(now: datetime) -> str:
    return f"quality-export-{now.astimezone(UTC):%Y-%m-%d}.csv"


def safe(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _number(value: float | None) -> str:
    return f"{round(float(value or 0), 1):g}"


def csv_cells(row: tuple) -> list[str]:
    """One storage.history.export_rows tuple as the §12 columns, in order."""
    start, meeting_id, title, host, name, email, network, client, transport = row[:9]
    minutes, audio, video, share, verdict, cause = row[9:]
    when = start if isinstance(start, datetime) else datetime.fromisoformat(str(start))
    texts = [meeting_id, title, host, name, email, network, client, transport]
    return [
        f"{when:%Y-%m-%d}",
        *(safe(str(v or "")) for v in texts),
        _number(minutes),
        _number(audio),
        _number(video),
        _number(share),
        safe(str(verdict or "")),
        safe(str(cause or "")),
    ]


def write_csv(rows: Iterable[tuple], out: TextIO) -> int:
    """Header then rows; returns the number of data rows. `\\n` line ends, UTF-8 by the caller."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    count = 0
    for row in rows:
        writer.writerow(csv_cells(row))
        count += 1
    return count


def export(scope: Scope, days: int, now: datetime) -> tuple[bytes, int]:
    """The CSV of the last `days` days for `scope`, as UTF-8 bytes, and its row count."""
    until = now.astimezone(UTC)
    buf = io.StringIO()
    count = write_csv(history.export_rows(scope, until - timedelta(days=days), until), buf)
    return buf.getvalue().encode("utf-8"), count


def export_file(
    config: Config, days: int, out: str, org_id: str | None = None, now: datetime | None = None
) -> str:
    """`quality-bot export`: straight from the database to FILE; returns the line to print."""
    from storage.schema import open_database

    open_database(config.database_url)
    now = now or datetime.now(UTC)
    scope = Scope(org_id=org_id)
    path = Path(out)
    with path.open("w", encoding="utf-8", newline="") as handle:
        count = write_csv(history.export_rows(scope, now - timedelta(days=days), now), handle)
    whose = f"org {org_id}" if org_id is not None else "every org"
    return f"wrote {count} rows ({whose}, last {days} days) to {path}"
