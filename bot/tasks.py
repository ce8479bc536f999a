"""Every background task, declared by name in this one module (huey's recommended layout).

Both process roles declare the same tasks on their queue, so the web process enqueues
`process_event` without importing the worker, its handlers or matplotlib. The worker binds what
each task runs (`bot/worker.py`); a queue whose work is not bound only enqueues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from huey import Huey, crontab

PROCESS_EVENT = "process_event"
PROCESS_EVENTS = "process_events"
SEND_DAILY_SUMMARY = "send_daily_summary"
SWEEP_INBOX = "sweep_inbox"  # periodic, every minute
DAILY_SUMMARIES = "daily_summaries"  # periodic, every minute
ALERT_MEETING = "alert_meeting"  # one meeting's alert run (bot/alerts/pipeline.py)
MEETING_ALERTS = "meeting_alerts"  # periodic, every minute: the poll and the due runs


@dataclass(frozen=True)
class Work:
    """What the tasks run; only the worker root builds one."""

    process_event: Callable[[int], None]
    pending_events: Callable[[int], list[int]]  # up to N inbox events a worker may take now
    take_in: Callable[[], list[int]]  # receipts into the inbox: the new events' ids
    sweep_inbox: Callable[[], None]
    daily_summaries: Callable[[], object]
    send_daily_summary: Callable[[str, date], object]
    alert_meeting: Callable[[str, str | None], object]
    meeting_alerts: Callable[[], object]


class NotBound(RuntimeError):
    """A task ran in a process that only enqueues (the web process with a real queue)."""


class Tasks:
    def __init__(self, huey: Huey) -> None:
        self._work: Work | None = None
        self.process_event = huey.task(name=PROCESS_EVENT)(self._process_event)
        self.process_events = huey.task(name=PROCESS_EVENTS)(self._process_events)
        self.send_daily_summary = huey.task(name=SEND_DAILY_SUMMARY, retries=0)(
            self._send_daily_summary
        )
        self.alert_meeting = huey.task(name=ALERT_MEETING, retries=0)(self._alert_meeting)
        huey.periodic_task(crontab(), name=SWEEP_INBOX)(self._sweep_inbox)
        huey.periodic_task(crontab(), name=DAILY_SUMMARIES)(self._daily_summaries)
        huey.periodic_task(crontab(), name=MEETING_ALERTS)(self._meeting_alerts)

    def bind(self, work: Work) -> None:
        self._work = work

    @property
    def work(self) -> Work:
        if self._work is None:
            raise NotBound("this process only enqueues; the worker runs the tasks")
        return self._work

    def _process_event(self, event_id: int) -> None:
        self.work.process_event(event_id)

    def _process_events(self, event_ids: list[int]) -> None:
        # Batches enqueued by versions whose web process queued events (now the inbox pump
        # takes them): one task per event, so slow commands run in parallel.
        for event_id in event_ids:
            self.process_event(event_id)

    def _send_daily_summary(self, room_id: str, day: str) -> None:
        self.work.send_daily_summary(room_id, date.fromisoformat(day))

    def _sweep_inbox(self) -> None:
        self.work.sweep_inbox()

    def _daily_summaries(self) -> None:
        self.work.daily_summaries()

    def _alert_meeting(self, meeting_id: str, token: str | None = None) -> None:
        self.work.alert_meeting(meeting_id, token)

    def _meeting_alerts(self) -> None:
        self.work.meeting_alerts()
