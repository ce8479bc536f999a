"""People's own Webex connections: the OAuth code flow, encrypted tokens, refresh on demand.

Meetings and qualities are read with the requester's token, never the bot's. Tokens are kept
only as Fernet ciphertexts (bot/crypto.py) in storage/tokens.py; this package is the only place
that sees them in clear, and none of its reprs, logs or exception messages carries them.

- `model.py`: hints, limits, errors, the grant and connection shapes.
- `service.py`: `Accounts`, the connect flow and the per-person client.
- `refresh.py`: a person's stored tokens, refreshed once across workers.

The names below are the package's interface; import them from `bot.accounts`.
"""

from bot.accounts.model import (
    ANALYTICS_SCOPE,
    CONNECT_HINT,
    RECONNECT_HINT,
    REFRESH_AHEAD,
    STATE_TTL,
    TOKEN_TIMEOUT,
    Connected,
    ConnectionInfo,
    ConnectRefused,
    Grant,
    NeedsReconnect,
    NotConfigured,
    NotConnected,
)
from bot.accounts.refresh import ConnectedClient, StoredTokens
from bot.accounts.service import Accounts

__all__ = [
    "ANALYTICS_SCOPE",
    "CONNECT_HINT",
    "RECONNECT_HINT",
    "REFRESH_AHEAD",
    "STATE_TTL",
    "TOKEN_TIMEOUT",
    "Accounts",
    "ConnectRefused",
    "Connected",
    "ConnectedClient",
    "ConnectionInfo",
    "Grant",
    "NeedsReconnect",
    "NotConfigured",
    "NotConnected",
    "StoredTokens",
]
