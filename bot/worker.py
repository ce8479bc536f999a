"""The worker process's composition root: the only module that imports the handlers, the
dispatcher and the features, and binds them to the queue's tasks (`bot/tasks.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import handlers
from bot import alerts
from bot.alerts import pipeline
from bot.dispatch import Dispatcher
from bot.runtime import Runtime
from bot.summaries import delivery
from bot.summaries.content import DayCache
from bot.tasks import Work


@dataclass
class Worker:
    runtime: Runtime
    dispatcher: Dispatcher
    summary_days: DayCache = field(default_factory=DayCache)

    def recover(self) -> int:
        """At start: every event accepted but not finished goes back on the queue."""
        return self.dispatcher.recover()


def build_worker(runtime: Runtime, summary_days: DayCache | None = None) -> Worker:
    """Give the runtime's queue its work: the chat commands, the daily summaries, the alerts."""
    worker = Worker(runtime, Dispatcher(runtime, handlers.commands), summary_days or DayCache())
    runtime.queue.tasks.bind(
        Work(
            process_event=worker.dispatcher.process,
            pending_events=worker.dispatcher.pending,
            take_in=worker.dispatcher.take_in,
            sweep_inbox=worker.dispatcher.sweep,
            daily_summaries=lambda: delivery.run_due(runtime),
            send_daily_summary=lambda room_id, day: delivery.send_due(
                runtime, room_id, day, worker.summary_days
            ),
            alert_meeting=lambda meeting_id, token: pipeline.process(runtime, meeting_id, token),
            meeting_alerts=lambda: alerts.periodic(runtime),
        )
    )
    return worker
