"""Org connections (§9): one per org, ciphertexts in and out (encryption lives in bot/), the
refresh guards shared with people's connections (storage/refreshable.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage import refreshable
from storage.models import OrgConnection

ORG = OrgConnection.org_id


def get(org_id: str) -> OrgConnection | None:
    return OrgConnection.get_or_none(OrgConnection.org_id == org_id)


def all_rows() -> list[OrgConnection]:
    return list(OrgConnection.select().order_by(OrgConnection.org_id))


def org_ids() -> list[str]:
    return [row.org_id for row in OrgConnection.select(OrgConnection.org_id)]


def any_exist() -> bool:
    return OrgConnection.select().exists()


def save_for(
    org_id: str,
    *,
    kind: str,
    connected_by: str,
    connected_by_email: str,
    access_token: bytes,
    refresh_token: bytes,
    access_expires_at: datetime,
    refresh_expires_at: datetime | None,
    scopes: str,
    now: datetime,
) -> None:
    """The org's connection (a `/connect org` or a Service App), replacing any earlier one."""
    refreshable.replace(
        OrgConnection,
        ORG,
        org_id,
        kind=kind,
        connected_by=connected_by,
        connected_by_email=connected_by_email,
        broken_told=False,
        access_token=access_token,
        refresh_token=refresh_token,
        access_expires_at=access_expires_at,
        refresh_expires_at=refresh_expires_at,
        scopes=scopes,
        now=now,
    )


def claim_refresh(org_id: str, version: int, until: datetime, now: datetime) -> bool:
    return refreshable.claim_refresh(OrgConnection, ORG, org_id, version, until, now)


def release_refresh(org_id: str, version: int, in_doubt_at: datetime | None = None) -> None:
    refreshable.release_refresh(OrgConnection, ORG, org_id, version, in_doubt_at=in_doubt_at)


def compare_and_swap(org_id: str, version: int, **new_tokens: Any) -> bool:
    return refreshable.compare_and_swap(OrgConnection, ORG, org_id, version, **new_tokens)


def reencrypt(org_id: str, version: int, access_token: bytes, refresh_token: bytes) -> bool:
    return refreshable.reencrypt(OrgConnection, ORG, org_id, version, access_token, refresh_token)


def mark_broken(org_id: str, version: int | None = None, *, now: datetime) -> bool:
    return refreshable.mark_broken(OrgConnection, ORG, org_id, version, now=now)


def claim_broken_notice(org_id: str) -> bool:
    """True exactly once per broken grant: whoever flips the flag tells the quality admins."""
    changed = (
        OrgConnection.update(broken_told=True)
        .where(
            (OrgConnection.org_id == org_id)
            & (OrgConnection.broken == True)  # noqa: E712 (peewee expression)
            & (OrgConnection.broken_told == False)  # noqa: E712
        )
        .execute()
    )
    return changed == 1


def delete_for(org_id: str) -> bool:
    return OrgConnection.delete().where(OrgConnection.org_id == org_id).execute() > 0
