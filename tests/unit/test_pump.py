"""The inbox pump runs pending events on its threads, each once, never more at once than it
has threads, and leaves an event that failed before its claim alone for a moment."""

from __future__ import annotations

import threading

from bot.pump import InboxPump
from tests.polling import wait_for


class FakeInbox:
    """Pending ids until run; a run finishes the event (as a claim then finish would)."""

    def __init__(self, ids: list[int], gate: threading.Event | None = None) -> None:
        self.pending_ids = list(ids)
        self.runs: list[int] = []
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()
        self.gate = gate

    def pending(self, limit: int) -> list[int]:
        with self.lock:
            return self.pending_ids[:limit]

    def run(self, event_id: int) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        if self.gate:
            self.gate.wait(10)
        with self.lock:
            self.runs.append(event_id)
            self.pending_ids.remove(event_id)
            self.running -= 1


def test_every_pending_event_runs_once_within_the_thread_limit():
    gate = threading.Event()
    inbox = FakeInbox(list(range(1, 21)), gate)
    pump = InboxPump(inbox.run, inbox.pending, workers=3)
    pump.start()
    try:
        wait_for(lambda: inbox.running == 3, what="three events running")
        assert inbox.runs == []
        gate.set()
        wait_for(lambda: len(inbox.runs) == 20, what="all events run")
    finally:
        pump.stop()
    assert sorted(inbox.runs) == list(range(1, 21)) and inbox.most == 3


def test_an_event_accepted_later_is_run_and_wake_skips_the_wait():
    inbox = FakeInbox([])
    pump = InboxPump(inbox.run, inbox.pending, workers=2, ceiling=30.0, initial=30.0)
    pump.start()
    try:
        with inbox.lock:
            inbox.pending_ids.append(7)
        pump.wake()  # without it the pump would look again only in 30 s
        wait_for(lambda: inbox.runs == [7], timeout=5, what="the woken pump to run event 7")
    finally:
        pump.stop()


def test_a_failure_before_the_claim_is_retried_after_a_pause_not_in_a_hot_loop():
    tries: list[int] = []
    done = threading.Event()

    def run(event_id: int) -> None:
        tries.append(event_id)
        if len(tries) == 1:
            raise RuntimeError("database went away")
        done.set()

    pump = InboxPump(run, lambda limit: [] if done.is_set() else [5], workers=1)
    pump.start()
    try:
        wait_for(done.is_set, what="the second try")
    finally:
        pump.stop()
    assert tries == [5, 5]
