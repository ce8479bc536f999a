"""Meeting qualities cache with a per-meeting lease: one analytics call per meeting per interval,
across every thread, process and host that shares the database."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from peewee import IntegrityError

from storage.db import aware, database, to_utc_naive
from storage.models import QualityCache, RenderedQuality

LEASE = timedelta(seconds=90)  # longer than one paginated fetch may take, shorter than a retry


class Cached:
    """One fetch of a meeting's data. `items` is read and parsed only when first used: for a
    1,000-participant meeting that is an 8 MB row and ~100 ms of JSON, which a cached ask whose
    chart is already stored never needs."""

    def __init__(
        self,
        items: list[dict] | Callable[[], list[dict]],
        meeting: dict | None,
        fetched_at: datetime,  # aware UTC
        fetched_now: bool,  # True when this call made the request
        *,
        empty: bool | None = None,
    ) -> None:
        self._load = items if callable(items) else None
        if not callable(items):
            self.__dict__["items"] = items
        self.meeting = meeting
        self.fetched_at = fetched_at
        self.fetched_now = fetched_now
        self.empty = (not items) if empty is None and not callable(items) else bool(empty)

    @cached_property
    def items(self) -> list[dict]:
        assert self._load is not None
        return self._load()


class FetchRefused(Exception):
    """The loader failed; `status` says how, `retry_at` when the next call may be made."""

    def __init__(self, status: int, retry_at: datetime | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.retry_at = retry_at


# Every column but the raw items: the lease loop and a cached ask read these often.
_LIGHT = tuple(f for f in QualityCache._meta.sorted_fields if f.name != "items")


def _row(meeting_id: str) -> QualityCache:
    try:
        with database.atomic():
            QualityCache.insert(meeting_id=meeting_id).on_conflict_ignore().execute()
    except IntegrityError:
        pass
    return QualityCache.select(*_LIGHT).where(QualityCache.meeting_id == meeting_id).get()


def cached(meeting_id: str) -> Cached | None:
    """The stored fetch, with its items read from the database only when used."""
    empty = QualityCache.items.is_null() | (QualityCache.items == "[]")
    row = (
        QualityCache.select(*_LIGHT, empty.alias("empty"))
        .where(QualityCache.meeting_id == meeting_id)
        .first()
    )
    if row is None or row.fetched_at is None:
        return None
    meeting = json.loads(row.meeting) if row.meeting else None
    return Cached(
        lambda: _items(meeting_id), meeting, aware(row.fetched_at), False, empty=bool(row.empty)
    )


def _items(meeting_id: str) -> list[dict]:
    raw = (
        QualityCache.select(QualityCache.items)
        .where(QualityCache.meeting_id == meeting_id)
        .scalar()
    )
    return json.loads(raw or "[]")


@dataclass(frozen=True)
class Lease:
    """This caller makes the one call for the meeting now, then `fill`s (or `abandon`s) it."""

    meeting_id: str
    owner: str
    previous_attempt: datetime | None  # naive UTC, restored when the attempt does not count


def acquire(
    meeting_id: str,
    *,
    min_interval: int,
    owner: str,
    clock: Callable[[], datetime],
    wait: float = 120.0,
    poll: float = 0.05,
) -> Cached | Lease:
    """Cached data when the interval has not passed; otherwise a lease for exactly one caller,
    while the others wait for its result. Calls nothing: the caller does the fetching."""
    deadline = time.monotonic() + wait
    while True:
        now = to_utc_naive(clock())
        row = _row(meeting_id)
        last = row.last_attempt_at
        retry_at = None if last is None else last + timedelta(seconds=min_interval)
        recent = retry_at is not None and retry_at > now
        if (
            recent
            and row.fetched_at is not None
            and (row.lease_until is None or row.lease_until < now)
        ):
            return cached(meeting_id)  # type: ignore[return-value]
        if (
            retry_at is not None
            and retry_at > now
            and row.fetched_at is None
            and (row.lease_until is None or row.lease_until < now)
        ):
            raise FetchRefused(row.last_status or 429, aware(retry_at))
        taken = (
            QualityCache.update(lease_owner=owner, lease_until=now + LEASE, last_attempt_at=now)
            .where(
                (QualityCache.meeting_id == meeting_id)
                & ((QualityCache.lease_until.is_null()) | (QualityCache.lease_until < now))
                & (
                    QualityCache.last_attempt_at.is_null()
                    | (QualityCache.last_attempt_at <= now - timedelta(seconds=min_interval))
                )
            )
            .execute()
        )
        if taken:
            return Lease(meeting_id, owner, row.last_attempt_at)
        if time.monotonic() > deadline:
            raise FetchRefused(503)
        time.sleep(poll)  # another caller holds the lease: wait for its result


def fill(
    lease: Lease,
    loader: Callable[[], list[dict]],
    meeting: dict | None = None,
    counts_against_limit: Callable[[Exception], int | None] = lambda exc: None,
    *,
    clock: Callable[[], datetime],
) -> Cached:
    """Run the one call under the lease and store its result. `counts_against_limit(exc)` maps
    a loader error to an HTTP status to record, or None when the failure must not block the
    next caller (a 403 for one person says nothing about another person's rights)."""
    try:
        items = loader()
    except Exception as exc:
        abandon(lease, counts_against_limit(exc))
        raise
    now = to_utc_naive(clock())
    fields = {
        "items": json.dumps(items),
        "fetched_at": now,
        "last_status": 200,
        "lease_owner": None,
        "lease_until": None,
    }
    if meeting is not None:
        fields["meeting"] = json.dumps(meeting)
    QualityCache.update(**fields).where(_held(lease)).execute()
    return Cached(items, meeting, aware(now), True)


def abandon(lease: Lease, status: int | None = None) -> None:
    """Give the lease up: with a `status`, later callers are refused until the interval ends;
    without, the slot is given back as if no attempt had been made."""
    if status is None:
        QualityCache.update(
            lease_owner=None, lease_until=None, last_attempt_at=lease.previous_attempt
        ).where(_held(lease)).execute()
    else:
        QualityCache.update(lease_owner=None, lease_until=None, last_status=status).where(
            _held(lease)
        ).execute()


def _held(lease: Lease):
    return (QualityCache.meeting_id == lease.meeting_id) & (QualityCache.lease_owner == lease.owner)


def fetch_once(
    meeting_id: str,
    loader: Callable[[], list[dict]],
    *,
    min_interval: int,
    owner: str,
    clock: Callable[[], datetime],
    meeting: dict | None = None,
    wait: float = 120.0,
    poll: float = 0.05,
    counts_against_limit: Callable[[Exception], int | None] = lambda exc: None,
) -> Cached:
    """`acquire`, then `fill` when this caller holds the lease."""
    got = acquire(
        meeting_id, min_interval=min_interval, owner=owner, clock=clock, wait=wait, poll=poll
    )
    if isinstance(got, Cached):
        return got
    return fill(got, loader, meeting, counts_against_limit, clock=clock)


def rendered(meeting_id: str, tz: str, fetched_at: datetime) -> tuple[bytes, dict, str] | None:
    """The chart, card and markdown made from exactly this fetch, if any."""
    row = RenderedQuality.get_or_none(
        (RenderedQuality.meeting_id == meeting_id)
        & (RenderedQuality.timezone == tz)
        & (RenderedQuality.fetched_at == to_utc_naive(fetched_at))
    )
    return (bytes(row.png), json.loads(row.card), row.markdown) if row else None


def store_rendered(
    meeting_id: str, tz: str, fetched_at: datetime, png: bytes, card: dict, markdown: str
) -> None:
    values = {
        "fetched_at": to_utc_naive(fetched_at),
        "png": png,
        "card": json.dumps(card),
        "markdown": markdown,
    }
    RenderedQuality.insert(meeting_id=meeting_id, timezone=tz, **values).on_conflict(
        conflict_target=[RenderedQuality.meeting_id, RenderedQuality.timezone],
        update=values,
    ).execute()


def prune_rendered(older_than: timedelta, *, now: datetime) -> int:
    """Charts can be drawn again from the cached data, which is kept."""
    oldest = to_utc_naive(now) - older_than
    return RenderedQuality.delete().where(RenderedQuality.fetched_at < oldest).execute()
