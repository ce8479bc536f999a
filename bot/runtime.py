"""The one object that wires config, database, Webex clients, accounts and the queue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.accounts import Accounts
from bot.config import Config
from bot.queue import Queue
from bot.webex import BotClient, Http
from storage.db import open_database


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    config: Config
    webex: BotClient
    http: Http
    accounts: Accounts
    queue: Queue | None = None
    dispatcher: Any = None
    clock: Callable[[], datetime] = field(default=_utc_now)

    def now(self) -> datetime:
        return self.clock()


def build_runtime(config: Config, *, with_queue: bool = True, http: Http | None = None) -> Runtime:
    """Open the database (upgrading it) and build every long-lived collaborator once."""
    from bot import summaries
    from bot.dispatch import Dispatcher

    open_database(config.database_url)
    http = http or Http()
    webex = BotClient(config.webex_bot_token, config.webex_api_url, http)
    runtime = Runtime(config, webex, http, Accounts(config, http))
    runtime.accounts.clock = runtime.now
    if with_queue:
        dispatcher = runtime.dispatcher = Dispatcher(runtime)
        runtime.queue = Queue(
            config.queue_url,
            dispatcher.process,
            periodic={
                "sweep_inbox": dispatcher.sweep,
                "daily_summaries": lambda: summaries.run_due(runtime),
            },
        )
        summaries.register(runtime)  # the per-space send task, known to every worker process
    return runtime
