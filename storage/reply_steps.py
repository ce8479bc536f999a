"""The reply journal: one row per (event, step) a command posted or tried to post."""

from __future__ import annotations

from datetime import datetime, timedelta

from peewee import IntegrityError

from storage.db import database, to_utc_naive
from storage.models import ReplyStep


def for_event(event_id: int) -> list[ReplyStep]:
    return list(ReplyStep.select().where(ReplyStep.event_id == event_id).order_by(ReplyStep.step))


def begin(event_id: int, step: int, digest: str, *, now: datetime) -> bool:
    """Record, before the POST, that this step is about to be posted. False when the step was
    taken meanwhile (another run of the same event): the caller must not post it."""
    try:
        with database.atomic():
            ReplyStep.insert(
                event_id=event_id,
                step=step,
                digest=digest,
                status="sending",
                updated_at=to_utc_naive(now),
            ).execute()
        return True
    except IntegrityError:
        return False


def retake(event_id: int, step: int, *, now: datetime) -> bool:
    """A step known never to have reached Webex may be posted again, by one run only."""
    return bool(
        ReplyStep.update(status="sending", updated_at=to_utc_naive(now))
        .where(
            (ReplyStep.event_id == event_id)
            & (ReplyStep.step == step)
            & (ReplyStep.status == "failed")
        )
        .execute()
    )


def settle(
    event_id: int, step: int, status: str, message_id: str | None = None, *, now: datetime
) -> None:
    ReplyStep.update(status=status, message_id=message_id, updated_at=to_utc_naive(now)).where(
        (ReplyStep.event_id == event_id) & (ReplyStep.step == step)
    ).execute()


def prune(older_than: timedelta, *, now: datetime) -> int:
    cutoff = to_utc_naive(now) - older_than
    return ReplyStep.delete().where(ReplyStep.updated_at < cutoff).execute()
