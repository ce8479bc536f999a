"""The background queue: huey on QUEUE_URL, carrying the tasks of `bot/tasks.py`."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.storage import SqliteStorage

from bot.pump import InboxPump
from bot.tasks import Tasks
from storage.db import sqlite_path

log = logging.getLogger(__name__)

# Idle workers poll the SQLite queue; a short ceiling keeps a cached reply well under a second.
POLL = {"initial_delay": 0.01, "backoff": 1.5, "max_delay": 0.1}


class _SqliteStorage(SqliteStorage):
    """huey's SQLite queue at synchronous=NORMAL, as the inbox (storage/db.py SQLITE_PRAGMAS).
    huey leaves SQLite's default FULL in WAL mode: an fsync per enqueue (109 µs against 28 µs
    measured). In WAL mode NORMAL loses no committed task when a process crashes; only a power
    or OS failure may drop the last commits, and then the inbox, also at NORMAL and the record
    of every accepted event, loses the same ones: FULL here bought no durability."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=1")
        return conn


class _SqliteHuey(SqliteHuey):
    storage_class = _SqliteStorage


def make_huey(url: str, name: str = "quality-bot") -> Huey:
    if url == "immediate":
        return MemoryHuey(name, immediate=True)
    scheme = urlparse(url).scheme
    if scheme.startswith("sqlite"):
        return _SqliteHuey(name, filename=sqlite_path(url), timeout=15)
    if scheme in ("postgres", "postgresql"):
        return PostgresHuey(name, dsn=url)
    if scheme in ("redis", "rediss"):
        return RedisHuey(name, url=url)
    raise SystemExit(
        f"quality-bot: QUEUE_URL scheme {scheme!r} is not supported "
        "(sqlite:///path, postgresql://…, redis://…, immediate)"
    )


class Queue:
    """The tasks the worker runs. Webhook events are not queued here: the inbox is their queue,
    and the worker's inbox pump (bot/pump.py) takes them from it; huey carries the rest."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.huey = make_huey(url)
        self.tasks = Tasks(self.huey)
        self._pumps: list[InboxPump] = []

    @property
    def immediate(self) -> bool:
        return self.huey.immediate

    def enqueue_event(self, event_id: int) -> None:
        """Have an accepted (or recovered) event run: inline with QUEUE_URL=immediate; else by
        an inbox pump, woken at once when one runs in this process (`serve`, the worker's
        recovery), otherwise finding it at its next poll (at most POLL's max_delay later)."""
        if self.immediate:
            self.tasks.process_event(event_id)
            return
        for pump in self._pumps:
            pump.wake()

    def submit(self) -> None:
        """From the webhook request, once the receipt is stored: no second write. Inline with
        QUEUE_URL=immediate (the receipts taken in and their new events run, in the request);
        else an inbox pump takes it in, woken at once when one runs in this process."""
        if self.immediate:
            for event_id in self.tasks.work.take_in():
                self.tasks.process_event(event_id)
            return
        for pump in self._pumps:
            pump.wake()

    def ping(self) -> bool:
        try:
            self.huey.pending_count()
            return True
        except Exception:
            log.warning("queue did not answer", exc_info=True)
            return False

    def consumer(self, workers: int = 4, in_process: bool = False) -> Consumer:
        """huey's consumer (periodic tasks, summaries, alerts) with an inbox pump of `workers`
        threads for the webhook events; both start and stop together."""
        pump = InboxPump(
            lambda event_id: self.tasks.work.process_event(event_id),
            lambda limit: self.tasks.work.pending_events(limit),
            workers,
            initial=POLL["initial_delay"],
            backoff=POLL["backoff"],
            ceiling=POLL["max_delay"],
        )
        self._pumps.append(pump)
        cls = InProcessConsumer if in_process else PumpingConsumer
        consumer = cls(self.huey, workers=workers, worker_type="thread", periodic=True, **POLL)
        consumer.pump = pump
        return consumer


class PumpingConsumer(Consumer):
    """huey's consumer, plus the inbox pump (started with it, stopped with it)."""

    pump: InboxPump | None = None

    def start(self) -> None:
        super().start()
        if self.pump is not None:
            self.pump.start()

    def stop(self, graceful: bool = False) -> None:
        if self.pump is not None:
            self.pump.stop(wait=graceful)
        super().stop(graceful=graceful)


class InProcessConsumer(PumpingConsumer):
    """Runs beside the development server: signals stay with the server, not with huey."""

    def _set_signal_handlers(self) -> None:
        pass
