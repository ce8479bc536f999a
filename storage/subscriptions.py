"""Daily-summary subscriptions: one per space, with a pause that is announced once."""

from __future__ import annotations

from datetime import datetime

from storage.db import database, to_utc_naive
from storage.models import Subscription

# Why a subscription is paused. Account reasons clear when the person connects again; a
# subscriber who left the space has to be replaced by someone who is in it.
PAUSE_DISCONNECTED = "disconnected"
PAUSE_TOKEN = "token"
PAUSE_LEFT = "left"
ACCOUNT_REASONS = (PAUSE_DISCONNECTED, PAUSE_TOKEN)


def get(room_id: str) -> Subscription | None:
    return Subscription.get_or_none(Subscription.room_id == room_id)


def subscribe(
    room_id: str, person_id: str, local_time: str, tz: str, *, now: datetime
) -> Subscription | None:
    """Store (or replace) the space's subscription, un-paused; returns the one it replaced.

    `created_at` is reset on every call: the scheduler never fires for a time that had
    already passed when the subscription was made, so a new subscription does not send at once.
    """
    created = to_utc_naive(now)
    with database.atomic():
        previous = get(room_id)
        Subscription.insert(
            room_id=room_id,
            person_id=person_id,
            local_time=local_time,
            timezone=tz,
            created_at=created,
            paused_reason=None,
            paused_notified=False,
        ).on_conflict(
            conflict_target=[Subscription.room_id],
            preserve=[
                Subscription.person_id,
                Subscription.local_time,
                Subscription.timezone,
                Subscription.created_at,
                Subscription.paused_reason,
                Subscription.paused_notified,
            ],
        ).execute()
    return previous


def unsubscribe(room_id: str) -> bool:
    return Subscription.delete().where(Subscription.room_id == room_id).execute() > 0


def all_active() -> list[Subscription]:
    return list(Subscription.select().where(Subscription.paused_reason.is_null()))


def pause(room_id: str, reason: str) -> bool:
    """Pause one space; False when it was gone or already paused (the first reason stays)."""
    return (
        Subscription.update(paused_reason=reason, paused_notified=False)
        .where((Subscription.room_id == room_id) & Subscription.paused_reason.is_null())
        .execute()
        > 0
    )


def pause_for_person(person_id: str, reason: str) -> int:
    """Pause every active subscription of a person whose account stopped working.

    The accounts code passes "disconnected" or its own words for a broken token; anything but
    a known code is stored as PAUSE_TOKEN so the notice can say what to do.
    """
    if reason not in (*ACCOUNT_REASONS, PAUSE_LEFT):
        reason = PAUSE_TOKEN
    return (
        Subscription.update(paused_reason=reason, paused_notified=False)
        .where((Subscription.person_id == person_id) & Subscription.paused_reason.is_null())
        .execute()
    )


def resume_for_person(person_id: str) -> int:
    """The person connected again: resume what was paused for account reasons only."""
    return (
        Subscription.update(paused_reason=None, paused_notified=False)
        .where(
            (Subscription.person_id == person_id)
            & Subscription.paused_reason.is_null(False)
            & (Subscription.paused_reason != PAUSE_LEFT)
        )
        .execute()
    )


def needing_notice() -> list[Subscription]:
    """Paused subscriptions whose space has not been told yet."""
    return list(
        Subscription.select().where(
            Subscription.paused_reason.is_null(False) & (Subscription.paused_notified == False)  # noqa: E712
        )
    )


def mark_notified(room_id: str) -> bool:
    """Compare-and-set: True for exactly one caller, so the space is told once."""
    return (
        Subscription.update(paused_notified=True)
        .where(
            (Subscription.room_id == room_id)
            & Subscription.paused_reason.is_null(False)
            & (Subscription.paused_notified == False)  # noqa: E712
        )
        .execute()
        > 0
    )


def unmark_notified(room_id: str) -> None:
    """The notice could not be posted (Webex down): let the next tick try again."""
    Subscription.update(paused_notified=False).where(Subscription.room_id == room_id).execute()
