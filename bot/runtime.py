"""The long-lived collaborators every feature uses, built once per process by its root
(`bot/app.py` for the web process, `bot/worker.py` adds the worker's part)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.access import Access
from bot.accounts import Accounts
from bot.config import Config
from bot.orgs import Orgs
from bot.queue import Queue
from bot.webex import BotClient, Http


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    config: Config
    webex: BotClient
    http: Http
    accounts: Accounts
    queue: Queue
    clock: Callable[[], datetime] = field(default=utc_now)  # tests set their own
    # Part II §9, set by the root that builds the runtime (bot/app.py): org connections, and
    # the one place deciding who is served and who sees what.
    orgs: Orgs = field(init=False)
    access: Access = field(init=False)

    def now(self) -> datetime:
        return self.clock()
