"""The chat commands, one module per command, gathered into the set the worker hands to the
dispatcher (`bot/worker.py`). A new command: a module here, listed below in `/help` order."""

from bot.commands import CommandSet
from handlers import (
    alerts,
    connect,
    disconnect,
    export,
    help,
    meetings,
    notify,
    quality,
    status,
    subscribe,
    summary,
    trends,
    unsubscribe,
)

commands = CommandSet.of(
    [
        help,
        connect,
        disconnect,
        status,
        meetings,
        quality,
        summary,
        subscribe,
        unsubscribe,
        trends,
        export,
        alerts,
        notify,
    ]
)
