"""OAuth `state` values: issued per /connect, stored only as a hash, usable once, briefly."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from storage.db import to_utc_naive
from storage.models import OAuthState

STATE_BYTES = 32
KEEP_SPENT = timedelta(days=1)  # long enough to say "already used" rather than "unknown"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


def issue(
    person_id: str, room_id: str, ttl: timedelta, now: datetime, kind: str = "person"
) -> str:
    """A new random state bound to the requester and the space; only its hash is kept, so a
    database leak cannot be replayed as a callback."""
    now = to_utc_naive(now)
    state = secrets.token_urlsafe(STATE_BYTES)
    OAuthState.delete().where(OAuthState.expires_at < now - KEEP_SPENT).execute()
    OAuthState.create(
        state_hash=_hash(state),
        person_id=person_id,
        room_id=room_id,
        expires_at=now + ttl,
        kind=kind,
    )
    return state


def consume(state: str, now: datetime) -> OAuthState | None:
    """The state's row if it was issued, is unexpired and unused; marks it used in the same
    UPDATE, so two callbacks racing with one state cannot both pass."""
    now = to_utc_naive(now)
    key = _hash(state)
    taken = (
        OAuthState.update(used_at=now)
        .where(
            (OAuthState.state_hash == key)
            & OAuthState.used_at.is_null()
            & (OAuthState.expires_at > now)
        )
        .execute()
    )
    return OAuthState.get_by_id(key) if taken == 1 else None


def why_refused(state: str, now: datetime) -> str:
    """unknown|expired|used: for the page that explains a refused callback."""
    row = OAuthState.get_or_none(OAuthState.state_hash == _hash(state))
    if row is None:
        return "unknown"
    if row.used_at is not None:
        return "used"
    return "expired" if row.expires_at <= to_utc_naive(now) else "unknown"


def delete_for(person_id: str) -> int:
    return OAuthState.delete().where(OAuthState.person_id == person_id).execute()
