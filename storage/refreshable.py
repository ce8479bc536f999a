"""The single-spend refresh guards shared by every table that holds a refreshable token pair
(people's connections, org connections): the same columns, the same compare-and-swap.

A row has `access_token`, `refresh_token`, `access_expires_at`, `refresh_expires_at`, `scopes`,
`version`, `refreshing_until`, `refresh_in_doubt_at`, `broken`, `updated_at`, and one key
column. Guards:
- `claim_refresh`: a short lease, taken by compare-and-swap, so one worker spends the refresh token;
- `compare_and_swap`: the new tokens land only if `version` is still the one the refresh started
  from, in one UPDATE, rotated refresh token included. A loser re-reads and uses the winner's token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import Field

from storage.db import to_utc_naive

# `model` below: a Model class with the columns listed above (typed Any: peewee's fields are
# class attributes its stubs do not describe).


def replace(
    model: Any,
    key: Field,
    value: str,
    *,
    access_token: bytes,
    refresh_token: bytes,
    access_expires_at: datetime,
    refresh_expires_at: datetime | None,
    scopes: str,
    now: datetime,
    **columns: Any,
) -> None:
    """A fresh grant (a sign-in), replacing any earlier row of `value`; `columns`: the table's
    own (who connected). The version still moves on, so a refresh of the old grant racing with
    this cannot overwrite it."""
    now = to_utc_naive(now)
    fields: dict[Any, Any] = {getattr(model, name): v for name, v in columns.items()}
    fields.update(
        {
            model.access_token: access_token,
            model.refresh_token: refresh_token,
            model.access_expires_at: to_utc_naive(access_expires_at),
            model.refresh_expires_at: naive(refresh_expires_at),
            model.scopes: scopes,
            model.broken: False,
            model.refreshing_until: None,
            model.refresh_in_doubt_at: None,  # the doubt was about the grant this replaces
            model.connected_at: now,
            model.updated_at: now,
        }
    )
    (
        model.insert({key: value, **fields})
        .on_conflict(conflict_target=[key], update={**fields, model.version: model.version + 1})
        .execute()
    )


def claim_refresh(
    model: Any, key: Field, value: str, version: int, until: datetime, now: datetime
) -> bool:
    """Take the refresh lease if nobody holds a live one and nothing changed since `version`."""
    taken = (
        model.update(refreshing_until=to_utc_naive(until))
        .where(
            (key == value)
            & (model.version == version)
            & (model.broken == False)  # noqa: E712 (peewee expression)
            & (model.refreshing_until.is_null() | (model.refreshing_until <= to_utc_naive(now)))
        )
        .execute()
    )
    return taken == 1


def release_refresh(
    model: Any, key: Field, value: str, version: int, in_doubt_at: datetime | None = None
) -> None:
    """Give the lease back after a refresh that failed without an answer (Webex down). With
    `in_doubt_at`, the answer was lost after the request went out: Webex may have acted, and
    the next refresh must know it (see bot/accounts/refresh.py)."""
    changes: dict[Any, Any] = {model.refreshing_until: None}
    if in_doubt_at is not None:
        changes[model.refresh_in_doubt_at] = to_utc_naive(in_doubt_at)
    model.update(changes).where((key == value) & (model.version == version)).execute()


def compare_and_swap(
    model: Any,
    key: Field,
    value: str,
    version: int,
    *,
    access_token: bytes,
    refresh_token: bytes,
    access_expires_at: datetime,
    refresh_expires_at: datetime | None,
    scopes: str | None = None,
    now: datetime,
) -> bool:
    """Store refreshed tokens only if the row is still at `version`; False: someone else won."""
    changes: dict[Any, Any] = {
        model.access_token: access_token,
        model.refresh_token: refresh_token,
        model.access_expires_at: to_utc_naive(access_expires_at),
        model.refresh_expires_at: naive(refresh_expires_at),
        model.version: model.version + 1,
        model.refreshing_until: None,
        model.refresh_in_doubt_at: None,
        model.updated_at: to_utc_naive(now),
    }
    if scopes:
        changes[model.scopes] = scopes
    swapped = model.update(changes).where((key == value) & (model.version == version)).execute()
    return swapped == 1


def reencrypt(
    model: Any, key: Field, value: str, version: int, access: bytes, refresh: bytes
) -> bool:
    """Same tokens under the new first key. The version is kept: to a refresher nothing changed,
    while a refresh that lands first makes this fail, so it is never overwritten."""
    swapped = (
        model.update(access_token=access, refresh_token=refresh)
        .where((key == value) & (model.version == version))
        .execute()
    )
    return swapped == 1


def mark_broken(
    model: Any, key: Field, value: str, version: int | None = None, *, now: datetime
) -> bool:
    """The refresh token was refused: keep the row (for /status) but never use it again.

    With `version`, only the tokens that were refused: a reconnect that landed meanwhile stays.
    """
    query = (key == value) & (model.broken == False)  # noqa: E712
    if version is not None:
        query &= model.version == version
    changed = (
        model.update(
            broken=True,
            refreshing_until=None,
            version=model.version + 1,
            updated_at=to_utc_naive(now),
        )
        .where(query)
        .execute()
    )
    return changed == 1


def naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc_naive(moment)
