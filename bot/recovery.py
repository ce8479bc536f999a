"""Keeping accepted events alive: the heartbeat that renews a running event's claim, and the
recovery loop that, every few seconds, retries what a dead worker or a Webex outage left,
gives up (visibly, telling the person) on what cannot be done, and drains the inbox spool.

Bounds: a killed worker's event is claimable again LEASE (10 s) after its last heartbeat, and
is retried within TICK (2 s) of that, by any live worker. An event postponed by a Webex outage
is retried after 5, 10, 20, 40, then every 60 s, for OUTAGE_LIMIT (15 min) after it arrived."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from storage import inbox

log = logging.getLogger(__name__)

HEARTBEAT = 2.5  # seconds between claim renewals: a quarter of the lease
TICK = 2.0  # seconds between recovery passes
OUTAGE_LIMIT = timedelta(minutes=15)


def outage_delay(postponed: int) -> timedelta:
    """5 s, 10 s, 20 s, 40 s, then every minute: quick after a blip, gentle in an outage."""
    return timedelta(seconds=min(60, 5 * 2 ** min(postponed, 4)))


class Heartbeat:
    """Renews the claims of the events this process is working on, from one thread."""

    def __init__(self, clock: Callable[[], datetime], every: float = HEARTBEAT) -> None:
        self.clock = clock
        self.every = every
        self._held: set[int] = set()
        self._lock = threading.Lock()
        self._pid: int | None = None

    @contextmanager
    def hold(self, event_id: int) -> Iterator[None]:
        self._start()
        with self._lock:
            self._held.add(event_id)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(event_id)

    def beat(self) -> None:
        with self._lock:
            held = sorted(self._held)
        if held:
            inbox.renew(held, now=self.clock())

    def _start(self) -> None:
        # Threads do not survive a fork: each worker process runs its own.
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="lease-heartbeat", daemon=True).start()

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.every):
            try:
                self.beat()
            except Exception:
                log.warning("could not renew event claims", exc_info=True)


class Recovery:
    """One pass (`tick`) or a loop of them in a daemon thread (`start`)."""

    def __init__(
        self,
        enqueue: Callable[[int], None],
        give_up: Callable[[int], None],
        drain: Callable[[], list[int]] = list,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.enqueue, self.give_up, self.drain = enqueue, give_up, drain
        self.clock = clock
        self._stop = threading.Event()

    def tick(self) -> dict[str, int]:
        drained = self.drain()
        now = self.clock()
        again = inbox.expired(now=now) + inbox.due_postponed(now=now)
        for event_id in [*drained, *again]:
            self.enqueue(event_id)
        stuck = inbox.exhausted(now=now)
        for event_id in stuck:
            self.give_up(event_id)
        if again or stuck:
            log.info("recovery: %d event(s) retried, %d given up", len(again), len(stuck))
        return {"drained": len(drained), "retried": len(again), "given_up": len(stuck)}

    def start(self, every: float = TICK) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(every,), name="recovery", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _run(self, every: float) -> None:
        while not self._stop.wait(every):
            try:
                self.tick()
            except Exception:
                log.warning("recovery pass failed; trying again", exc_info=True)
