"""The worker's inbox pump: it takes the receiver's receipts into the inbox (deduplicated there,
in batches, off the request path) and hands pending events straight to the worker's threads.
The request path costs one append (the receipt); the inbox is the queue for events: durable,
claimed atomically (storage.inbox.claim), recovered by the recovery loop; huey keeps what a
task queue is for (the periodic scans, daily summaries, alerts, retries of dead workers' events).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)


class InboxPump:
    """Polls for pending events (backing off from `initial` to `ceiling` seconds while idle, as
    huey's consumer does) and runs each on one of `workers` threads. Several pumps, in several
    processes, may see the same event: the claim lets exactly one of them run it."""

    def __init__(
        self,
        run: Callable[[int], None],
        pending: Callable[[int], list[int]],
        workers: int,
        *,
        initial: float = 0.01,
        backoff: float = 1.5,
        ceiling: float = 0.1,
    ) -> None:
        self.run_event, self.pending, self.workers = run, pending, max(1, workers)
        self.initial, self.backoff, self.ceiling = initial, backoff, ceiling
        self._inflight: set[int] = set()
        self._cooling: dict[int, float] = {}  # failed before its claim: not again until then
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._stop.clear()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="inbox-worker")
        self._thread = threading.Thread(target=self._loop, name="inbox-pump", daemon=True)
        self._thread.start()

    def stop(self, wait: bool = True) -> None:
        """No new events are taken; with `wait`, the running ones finish first."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(10)
        if self._pool is not None:
            self._pool.shutdown(wait=wait)

    def wake(self) -> None:
        """An event was accepted in this process: look now instead of at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        delay = self.initial
        while not self._stop.is_set():
            try:
                started = self._take()
            except Exception:
                log.warning("inbox pump could not read the inbox; trying again", exc_info=True)
                started = 0
            delay = self.initial if started else min(delay * self.backoff, self.ceiling)
            if self._wake.wait(delay):
                self._wake.clear()
                delay = self.initial

    def _take(self) -> int:
        now = time.monotonic()
        with self._lock:
            free = self.workers - len(self._inflight)
            self._cooling = {k: t for k, t in self._cooling.items() if t > now}
            skip = self._inflight | set(self._cooling)
        if free <= 0:
            return 0
        started = 0
        for event_id in self.pending(free + len(skip)):
            if started >= free:
                break
            if event_id in skip:
                continue
            with self._lock:
                self._inflight.add(event_id)
            assert self._pool is not None
            self._pool.submit(self._run, event_id)
            started += 1
        return started

    def _run(self, event_id: int) -> None:
        try:
            self.run_event(event_id)
        except Exception:
            # The dispatcher handles every failure of a claimed event; this is the database
            # failing around it. The event stays in the inbox: not again for a second.
            log.exception("event %s could not be run; trying again shortly", event_id)
            with self._lock:
                self._cooling[event_id] = time.monotonic() + 1.0
        finally:
            with self._lock:
                self._inflight.discard(event_id)
            self._wake.set()  # a slot is free: take the next one without waiting for a poll
