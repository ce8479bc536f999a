"""The background queue: huey on QUEUE_URL, carrying the tasks of `bot/tasks.py`."""

from __future__ import annotations

import logging
import os
import queue as stdqueue
import threading
from urllib.parse import urlparse

from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.storage import SqliteStorage

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

    def _create_connection(self):  # type: ignore[no-untyped-def]
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
    """The tasks the web process enqueues and the worker runs."""

    BATCH = 256

    def __init__(self, url: str) -> None:
        self.url = url
        self.huey = make_huey(url)
        self.tasks = Tasks(self.huey)
        self._handoff: stdqueue.SimpleQueue[int] = stdqueue.SimpleQueue()
        self._handoff_pid: int | None = None
        self._handoff_lock = threading.Lock()

    @property
    def immediate(self) -> bool:
        return self.huey.immediate

    def enqueue_event(self, event_id: int) -> None:
        self.tasks.process_event(event_id)

    def submit(self, event_id: int) -> None:
        """From the webhook request: returns at once. The event is durable in the inbox already;
        a forwarder thread hands it to huey, batching under load so one queue write carries
        many events. If this process dies first, the worker's inbox sweep re-enqueues it."""
        if self.immediate:
            self.enqueue_event(event_id)
            return
        self._start_forwarder()
        self._handoff.put(event_id)

    def _start_forwarder(self) -> None:
        # Threads do not survive gunicorn's fork: each worker process starts its own.
        if self._handoff_pid == os.getpid():
            return
        with self._handoff_lock:
            if self._handoff_pid != os.getpid():
                self._handoff = stdqueue.SimpleQueue()
                threading.Thread(target=self._forward, name="queue-forwarder", daemon=True).start()
                self._handoff_pid = os.getpid()

    def _forward(self) -> None:
        handoff = self._handoff
        while True:
            batch = [handoff.get()]
            while len(batch) < self.BATCH:
                try:
                    batch.append(handoff.get_nowait())
                except stdqueue.Empty:
                    break
            try:
                if len(batch) == 1:
                    self.tasks.process_event(batch[0])
                else:
                    self.tasks.process_events(batch)
            except Exception:
                log.exception("could not enqueue %d event(s); the inbox sweep will", len(batch))

    def ping(self) -> bool:
        try:
            self.huey.pending_count()
            return True
        except Exception:
            log.warning("queue did not answer", exc_info=True)
            return False

    def consumer(self, workers: int = 4, in_process: bool = False) -> Consumer:
        cls = InProcessConsumer if in_process else Consumer
        return cls(self.huey, workers=workers, worker_type="thread", periodic=True, **POLL)


class InProcessConsumer(Consumer):
    """Runs beside the development server: signals stay with the server, not with huey."""

    def _set_signal_handlers(self) -> None:
        pass
