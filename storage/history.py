"""The per-participant meeting history (contract §12): the only queries on the `history` table.

Aggregates (weeks × network, totals, causes, repeat offenders) are computed by the database with
GROUP BY over covering indexes, so a 400-day org view never loads rows into Python. Weeks are
Monday-based and counted on the start's UTC day number (`(day + 3) / 7`: 1970-01-01 was a
Thursday), plain integer arithmetic that SQLite and PostgreSQL agree on.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from peewee import SQL, PostgresqlDatabase, fn

from storage.db import database, to_utc_naive
from storage.models import HistoryRow

_FIELDS = [f for f in HistoryRow._meta.sorted_fields if f.name != "id"]
_IDENTITY = ("meeting_id", "participant_key")
_BATCH = 500  # rows per INSERT: 24 parameters each, far under SQLite's limit of 32766


@functools.lru_cache(maxsize=32)
def _upsert_sql(rows: int, param: str) -> str:
    """One multi-row INSERT … ON CONFLICT DO UPDATE, the same text for SQLite (≥ 3.24) and
    PostgreSQL. Written by hand because Peewee spends ~5 ms building it for 50 rows, which is
    the whole budget of recording a meeting; the text is cached per row count."""
    columns = ", ".join(f'"{f.column_name}"' for f in _FIELDS)
    one = "(" + ", ".join([param] * len(_FIELDS)) + ")"
    updates = ", ".join(
        f'"{f.column_name}" = excluded."{f.column_name}"'
        for f in _FIELDS
        if f.name not in _IDENTITY
    )
    return (
        f'INSERT INTO "{HistoryRow._meta.table_name}" ({columns}) VALUES '
        + ", ".join([one] * rows)
        + f' ON CONFLICT ("meeting_id", "participant_key") DO UPDATE SET {updates}'
    )


def _params(rows: list[dict]) -> list:
    out: list = []
    for row in rows:
        for f in _FIELDS:
            value = row[f.name] if f.name in row else f.default() if callable(f.default) else (
                f.default
            )
            out.append(f.db_value(value))
    return out


@dataclass(frozen=True)
class Scope:
    """Whose rows: an org's (`org_id`), a participant's (`email`), or that person within an org."""

    org_id: str | None = None
    email: str | None = None

    def where(self, since: datetime, until: datetime):
        cond = (HistoryRow.start >= to_utc_naive(since)) & (HistoryRow.start < to_utc_naive(until))
        if self.org_id is not None:
            cond &= HistoryRow.org_id == self.org_id
        if self.email is not None:
            cond &= HistoryRow.email_lc == self.email.strip().lower()
        return cond


@dataclass(frozen=True)
class Totals:
    meetings: int
    rows: int
    minutes: float
    poor_minutes: float

    @property
    def poor_share(self) -> float | None:
        return self.poor_minutes / self.minutes if self.minutes else None


@dataclass(frozen=True)
class WeekNetwork:
    """One week's sums for one network type."""

    monday: int  # UTC day number (days since 1970-01-01) of the week's Monday
    network: str
    minutes: float
    poor_minutes: float
    rows: int
    leads: int  # meetings started that week with their lead row on this network


def totals_of(weeks: list[WeekNetwork], scope: Scope) -> Totals:
    """The period's totals from its weekly sums (no second scan). A person has one row per
    meeting, so their meetings are their rows; an org's are its lead rows."""
    rows = sum(w.rows for w in weeks)
    meetings = rows if scope.email is not None else sum(w.leads for w in weeks)
    return Totals(
        meetings, rows, sum(w.minutes for w in weeks), sum(w.poor_minutes for w in weeks)
    )


def save_meeting(meeting_id: str, rows: list[dict]) -> int:
    """Insert or update one row per participant of one meeting; rows of participants the new
    analysis no longer has are removed. Idempotent: analysing twice leaves the same rows."""
    keys = [row["participant_key"] for row in rows]
    with database.atomic():
        if isinstance(database.obj, PostgresqlDatabase):
            # No wait for the WAL flush (~2 ms with fsync on, half the budget): the rows are
            # derived from quality data already stored durably in the cache, and a server crash
            # can lose at most the last fraction of a second of them, never corrupt anything.
            database.execute_sql("SET LOCAL synchronous_commit TO OFF")
        stale = HistoryRow.delete().where(HistoryRow.meeting_id == meeting_id)
        if keys:
            stale = stale.where(HistoryRow.participant_key.not_in(keys))
        stale.execute()
        for first in range(0, len(rows), _BATCH):
            batch = rows[first : first + _BATCH]
            database.execute_sql(_upsert_sql(len(batch), database.param), _params(batch))
    return len(rows)


def prune(before: datetime) -> int:
    """Forget meetings that started before `before`."""
    return HistoryRow.delete().where(HistoryRow.start < to_utc_naive(before)).execute()


def weekly(scope: Scope, since: datetime, until: datetime) -> list[WeekNetwork]:
    """Sums per (week, network type), oldest week first."""
    week = (HistoryRow.day + 3) / 7
    query = (
        HistoryRow.select(
            week.alias("week"),
            HistoryRow.network,
            fn.SUM(HistoryRow.minutes),
            fn.SUM(HistoryRow.poor_minutes),
            fn.COUNT(SQL("*")),
            fn.SUM(HistoryRow.lead),
        )
        .where(scope.where(since, until))
        .group_by(SQL("1"), HistoryRow.network)
        .order_by(SQL("1"), HistoryRow.network)
        .tuples()
    )
    rows = cast(Iterable[tuple[int, str, float, float, int, int]], query)
    return [
        WeekNetwork(int(w) * 7 - 3, net or "", float(m or 0), float(p or 0), int(n), int(k or 0))
        for w, net, m, p, n, k in rows
    ]


def totals(scope: Scope, since: datetime, until: datetime) -> Totals:
    row = cast(
        tuple,
        HistoryRow.select(
            fn.SUM(HistoryRow.lead),
            fn.COUNT(SQL("*")),
            fn.SUM(HistoryRow.minutes),
            fn.SUM(HistoryRow.poor_minutes),
        )
        .where(scope.where(since, until))
        .tuples()
        .get(),
    )
    rows = int(row[1] or 0)
    meetings = rows if scope.email is not None else int(row[0] or 0)
    return Totals(meetings, rows, float(row[2] or 0), float(row[3] or 0))


# Causes are given to fair and poor participants only (§11).
NOT_GOOD = ("fair", "poor")


def top_causes(scope: Scope, since: datetime, until: datetime, n: int = 3) -> list[tuple[str, int]]:
    """The most frequent causes of fair and poor participants, with how many rows carry each."""
    count = fn.COUNT(SQL("*"))
    query = (
        HistoryRow.select(HistoryRow.cause, count)
        .where(
            scope.where(since, until)
            & HistoryRow.verdict.in_(NOT_GOOD)
            & (HistoryRow.cause != "")
        )
        .group_by(HistoryRow.cause)
        .order_by(count.desc(), HistoryRow.cause)
        .limit(n)
        .tuples()
    )
    return [(cause, int(k)) for cause, k in cast(Iterable[tuple[str, int]], query)]


def repeat_poor(
    scope: Scope, since: datetime, until: datetime, at_least: int = 2, limit: int = 10
) -> list[tuple[str, str, int]]:
    """(email, name, poor meetings) of the people with at least `at_least` poor meetings, most
    first. A person has one row per meeting, so rows count meetings."""
    meetings = fn.COUNT(SQL("*"))
    # Grouped by an expression, not the column: otherwise SQLite's planner walks the
    # (email_lc, start) index for its order and reads 500,000 table rows instead of the covering
    # index (1.1 s against 0.09 s at 500,000 rows). PostgreSQL plans both the same.
    person = SQL("\"email_lc\" || ''")
    query = (
        HistoryRow.select(person, meetings)
        .where(
            scope.where(since, until) & (HistoryRow.verdict == "poor") & (HistoryRow.email_lc != "")
        )
        .group_by(SQL("1"))
        .having(meetings >= at_least)
        .order_by(meetings.desc(), SQL("1"))
        .limit(limit)
        .tuples()
    )
    found = [(email, int(k)) for email, k in cast(Iterable[tuple[str, int]], query)]
    names: dict[str, str] = {}
    if found:
        named = (
            HistoryRow.select(HistoryRow.email_lc, fn.MAX(HistoryRow.name))
            .where(scope.where(since, until) & HistoryRow.email_lc.in_([e for e, _ in found]))
            .group_by(HistoryRow.email_lc)
            .tuples()
        )
        names = dict(cast(Iterable[tuple[str, str]], named))
    return [(email, names.get(email) or email, k) for email, k in found]


EXPORT_COLUMNS = (
    HistoryRow.start,
    HistoryRow.meeting_id,
    HistoryRow.title,
    HistoryRow.host_lc,
    HistoryRow.name,
    HistoryRow.email,
    HistoryRow.network,
    HistoryRow.client,
    HistoryRow.transport,
    HistoryRow.minutes,
    HistoryRow.poor_audio,
    HistoryRow.poor_video,
    HistoryRow.poor_sharing,
    HistoryRow.verdict,
    HistoryRow.cause,
)


def export_rows(scope: Scope, since: datetime, until: datetime) -> Iterator[tuple]:
    """The §12 export's columns, oldest meeting first, streamed (no model objects)."""
    query = (
        HistoryRow.select(*EXPORT_COLUMNS)
        .where(scope.where(since, until))
        .order_by(HistoryRow.start, HistoryRow.meeting_id, HistoryRow.email_lc)
        .tuples()
    )
    return query.iterator()


def raw_rows(scope: Scope, since: datetime, until: datetime) -> list[HistoryRow]:
    """Whole rows as model objects: only for tests and the naive baseline of bench/trends.py."""
    return list(HistoryRow.select().where(scope.where(since, until)))


def person_meetings(
    email: str, since: datetime, until: datetime
) -> list[tuple[str, datetime, float, float]]:
    """(meeting id, start, poor minutes, minutes) of every meeting in the window that `email`
    hosted or took part in, summed over all its participants: a person's days, as the daily
    summary counts them."""
    who = email.strip().lower()
    window = (HistoryRow.start >= to_utc_naive(since)) & (HistoryRow.start < to_utc_naive(until))
    theirs = (
        HistoryRow.select(HistoryRow.meeting_id)
        .where(window & ((HistoryRow.email_lc == who) | (HistoryRow.host_lc == who)))
        .distinct()
    )
    query = (
        HistoryRow.select(
            HistoryRow.meeting_id,
            fn.MIN(HistoryRow.start),
            fn.SUM(HistoryRow.poor_minutes),
            fn.SUM(HistoryRow.minutes),
        )
        .where(HistoryRow.meeting_id.in_(theirs))
        .group_by(HistoryRow.meeting_id)
        .tuples()
    )
    rows = cast(Iterable[tuple[str, datetime, float, float]], query)
    return [(mid, start, float(p or 0), float(m or 0)) for mid, start, p, m in rows]


def insert_rows(rows: list[dict]) -> None:
    """Plain bulk insert (no upsert) for loading many meetings at once: bench and imports."""
    with database.atomic():
        for first in range(0, len(rows), _BATCH):
            HistoryRow.insert_many(rows[first : first + _BATCH]).execute()
