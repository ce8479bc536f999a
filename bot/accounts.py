"""People's own Webex connections (OAuth). Interface first; the token store lands with issue 4."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.config import Config
from bot.webex import Http, UserClient

CONNECT_HINT = (
    "`/{command}` reads your own Webex meetings, so I need your permission first: "
    "type `/connect` and follow the link I send you."
)
RECONNECT_HINT = (
    "Your Webex connection has expired or was revoked. Type `/connect` to connect again."
)


class NotConnected(Exception):
    pass


class NeedsReconnect(Exception):
    pass


class Accounts:
    def __init__(self, config: Config, http: Http) -> None:
        self.config = config
        self.http = http
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def client_for(self, person_id: str) -> UserClient:
        raise NotConnected(person_id)
