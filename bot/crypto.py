"""Tokens at rest: Fernet from TOKEN_KEY, and re-encryption under a new first key."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.config import ConfigError
from storage import org_connections, tokens
from storage.schema import open_database

if TYPE_CHECKING:
    from bot.config import Config

GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


def token_cipher(token_key: str) -> MultiFernet:
    """All comma-separated keys decrypt; the first encrypts, so a new key goes in front.

    Errors name the position of a bad key and never echo it: it is a secret.
    """
    keys = [part.strip() for part in (token_key or "").split(",") if part.strip()]
    if not keys:
        raise ValueError(f"TOKEN_KEY is not set; {GENERATE_HINT}")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            raise ValueError(
                f"TOKEN_KEY key #{position} of {len(keys)} is not a Fernet key "
                f"(32 url-safe base64-encoded bytes); {GENERATE_HINT}"
            ) from None
    return MultiFernet(fernets)


def rotate_key(config: Config) -> str:
    """`quality-bot tokens rotate-key`: every stored token re-encrypted with the first key.

    Returns the one summary line the CLI prints. Safe to run while the bot runs.
    """
    try:
        cipher = token_cipher(config.token_key)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None  # one line from the CLI, not a traceback
    open_database(config.database_url)
    outcomes = [_rotate_one(cipher, tokens, person_id) for person_id in tokens.person_ids()]
    org_outcomes = [_rotate_one(cipher, org_connections, org) for org in org_connections.org_ids()]
    keys = len([k for k in config.token_key.split(",") if k.strip()])
    line = (
        f"re-encrypted {outcomes.count('done')} connection(s) with the first of {keys} "
        "key(s) in TOKEN_KEY"
    )
    if org_outcomes:
        line += f", and {org_outcomes.count('done')} org connection(s)"
    outcomes += org_outcomes
    if outcomes.count("unreadable"):
        line += (
            f"; {outcomes.count('unreadable')} could not be decrypted with any key (put the old "
            "key back after the first, or ask those people to /connect again)"
        )
    if outcomes.count("busy"):
        line += f"; {outcomes.count('busy')} kept changing, run it again"
    return line


def _rotate_one(cipher: MultiFernet, store: Any, key: str, attempts: int = 5) -> str:
    """done|unreadable|gone|busy. A lost compare-and-swap means a refresh just wrote fresh
    tokens (maybe under an old first key): read them again rather than overwrite them."""
    for _ in range(attempts):
        row = store.get(key)
        if row is None:
            return "gone"
        try:
            access = cipher.rotate(bytes(row.access_token))
            refresh = cipher.rotate(bytes(row.refresh_token))
        except InvalidToken:
            return "unreadable"
        if store.reencrypt(key, row.version, access, refresh):
            return "done"
    return "busy"
