"""The worker process's composition root: the only module that imports the handlers, the
dispatcher and the features, and binds them to the queue's tasks (`bot/tasks.py`)."""

from __future__ import annotations

from dataclasses import dataclass

import handlers
from bot import summaries
from bot.dispatch import Dispatcher
from bot.runtime import Runtime
from bot.tasks import Work


@dataclass
class Worker:
    runtime: Runtime
    dispatcher: Dispatcher

    def recover(self) -> int:
        """At start: every event accepted but not finished goes back on the queue."""
        return self.dispatcher.recover()


def build_worker(runtime: Runtime) -> Worker:
    """Give the runtime's queue its work: the chat commands and the daily summaries."""
    dispatcher = Dispatcher(runtime, handlers.commands)
    runtime.queue.tasks.bind(
        Work(
            process_event=dispatcher.process,
            sweep_inbox=dispatcher.sweep,
            daily_summaries=lambda: summaries.run_due(runtime),
            send_daily_summary=lambda room_id, day: summaries.send_due(runtime, room_id, day),
        )
    )
    return Worker(runtime, dispatcher)
