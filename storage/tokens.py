"""People's OAuth connections: ciphertexts in, ciphertexts out (encryption lives in bot/crypto).

Refreshes are serialised per person by the row guards of storage/refreshable.py (a lease and a
compare-and-swap on `version`), shared with org connections, so they hold across threads and
processes on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peewee import fn

from storage import refreshable
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
    """A fresh connection (from the OAuth callback), replacing any earlier one of the person."""
    refreshable.replace(
        Connection,
        Connection.person_id,
        person_id,
        email=email,
        display_name=display_name,
        access_token=access_token,
        refresh_token=refresh_token,
        access_expires_at=access_expires_at,
        refresh_expires_at=refresh_expires_at,
        scopes=scopes,
        now=now,
    )


def claim_refresh(person_id: str, version: int, until: datetime, now: datetime) -> bool:
    return refreshable.claim_refresh(
        Connection, Connection.person_id, person_id, version, until, now
    )


def release_refresh(person_id: str, version: int, in_doubt_at: datetime | None = None) -> None:
    refreshable.release_refresh(
        Connection, Connection.person_id, person_id, version, in_doubt_at=in_doubt_at
    )


def compare_and_swap(person_id: str, version: int, **new_tokens: Any) -> bool:
    return refreshable.compare_and_swap(
        Connection, Connection.person_id, person_id, version, **new_tokens
    )


def reencrypt(person_id: str, version: int, access_token: bytes, refresh_token: bytes) -> bool:
    return refreshable.reencrypt(
        Connection, Connection.person_id, person_id, version, access_token, refresh_token
    )


def mark_broken(person_id: str, version: int | None = None, *, now: datetime) -> bool:
    return refreshable.mark_broken(Connection, Connection.person_id, person_id, version, now=now)


def delete_for(person_id: str) -> bool:
    return Connection.delete().where(Connection.person_id == person_id).execute() > 0

