"""People's OAuth connections: ciphertexts in, ciphertexts out (encryption lives in bot/crypto).

Refreshes are serialised per person with two guards on the row, so they hold across threads and
processes on SQLite and PostgreSQL alike:
- `claim_refresh`: a short lease, taken by compare-and-swap, so one worker spends the refresh token;
- `compare_and_swap`: the new tokens land only if `version` is still the one the refresh started
  from, in one UPDATE, rotated refresh token included. A loser re-reads and uses the winner's token.
"""

from __future__ import annotations

from datetime import datetime

from peewee import fn

from storage.db import to_utc_naive
from storage.models import Connection


def get(person_id: str) -> Connection | None:
    return Connection.get_or_none(Connection.person_id == person_id)


def find_by_email(email: str) -> Connection | None:
    """For the offline CLI (`report --token-from EMAIL`): emails are compared case-blind."""
    return Connection.get_or_none(fn.LOWER(Connection.email) == email.strip().lower())


def person_ids() -> list[str]:
    return [row.person_id for row in Connection.select(Connection.person_id)]


def save_for(
    person_id: str,
    *,
    email: str,
    display_name: str,
    access_token: bytes,
    refresh_token: bytes,
    access_expires_at: datetime,
    refresh_expires_at: datetime | None,
    scopes: str,
    now: datetime,
) -> None:
    """A fresh connection (from the OAuth callback), replacing any earlier one of the person.

    The version still moves on, so a refresh racing with a reconnect cannot overwrite it.
    """
    now = to_utc_naive(now)
    fields = {
        Connection.email: email,
        Connection.display_name: display_name,
        Connection.access_token: access_token,
        Connection.refresh_token: refresh_token,
        Connection.access_expires_at: to_utc_naive(access_expires_at),
        Connection.refresh_expires_at: _naive(refresh_expires_at),
        Connection.scopes: scopes,
        Connection.broken: False,
        Connection.refreshing_until: None,
        Connection.connected_at: now,
        Connection.updated_at: now,
    }
    (
        Connection.insert({Connection.person_id: person_id, **fields})
        .on_conflict(
            conflict_target=[Connection.person_id],
            update={**fields, Connection.version: Connection.version + 1},
        )
        .execute()
    )


def claim_refresh(person_id: str, version: int, until: datetime, now: datetime) -> bool:
    """Take the refresh lease if nobody holds a live one and nothing changed since `version`."""
    taken = (
        Connection.update(refreshing_until=to_utc_naive(until))
        .where(
            (Connection.person_id == person_id)
            & (Connection.version == version)
            & (Connection.broken == False)  # noqa: E712 (peewee expression)
            & (
                Connection.refreshing_until.is_null()
                | (Connection.refreshing_until <= to_utc_naive(now))
            )
        )
        .execute()
    )
    return taken == 1


def release_refresh(person_id: str, version: int) -> None:
    """Give the lease back after a refresh that failed without an answer (Webex down)."""
    Connection.update(refreshing_until=None).where(
        (Connection.person_id == person_id) & (Connection.version == version)
    ).execute()


def compare_and_swap(
    person_id: str,
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
    changes = {
        Connection.access_token: access_token,
        Connection.refresh_token: refresh_token,
        Connection.access_expires_at: to_utc_naive(access_expires_at),
        Connection.refresh_expires_at: _naive(refresh_expires_at),
        Connection.version: Connection.version + 1,
        Connection.refreshing_until: None,
        Connection.updated_at: to_utc_naive(now),
    }
    if scopes:
        changes[Connection.scopes] = scopes
    swapped = (
        Connection.update(changes)
        .where((Connection.person_id == person_id) & (Connection.version == version))
        .execute()
    )
    return swapped == 1


def reencrypt(person_id: str, version: int, access_token: bytes, refresh_token: bytes) -> bool:
    """Same tokens under the new first key. The version is kept: to a refresher nothing changed,
    while a refresh that lands first makes this fail, so it is never overwritten."""
    swapped = (
        Connection.update(access_token=access_token, refresh_token=refresh_token)
        .where((Connection.person_id == person_id) & (Connection.version == version))
        .execute()
    )
    return swapped == 1


def mark_broken(person_id: str, version: int | None = None, *, now: datetime) -> bool:
    """The refresh token was refused: keep the row (for /status) but never use it again.

    With `version`, only the tokens that were refused: a reconnect that landed meanwhile stays.
    """
    query = (Connection.person_id == person_id) & (Connection.broken == False)  # noqa: E712
    if version is not None:
        query &= Connection.version == version
    changed = (
        Connection.update(
            broken=True,
            refreshing_until=None,
            version=Connection.version + 1,
            updated_at=to_utc_naive(now),
        )
        .where(query)
        .execute()
    )
    return changed == 1


def delete_for(person_id: str) -> bool:
    return Connection.delete().where(Connection.person_id == person_id).execute() > 0


def _naive(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc_naive(moment)
