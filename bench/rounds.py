"""Alternating rounds for every bench: A B A B … so drift on a shared machine (another job, a
thermal step, a cache warming) falls on both sides, and figures are medians with their spread,
never one favourable run.

Also the end-to-end benches' shared set-up: `bot_on_sandbox()` (the real app and worker on a
seeded sandbox, stopped after), `ended_meetings()` and `feed_next()`/`replies_after()` to time a
bot's replies on the sandbox's event feed, and `free_port()` for the servers a bench starts.
Callers put the repository root on sys.path first."""

from __future__ import annotations

import socket
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

MIN_ROUNDS = 5


def alternate(
    candidates: Sequence[tuple[str, Callable[[], float]]], rounds: int = MIN_ROUNDS
) -> dict[str, list[float]]:
    """Run each candidate once per round, in the same order every round; returns per-round
    figures by name. At least MIN_ROUNDS rounds, or the spread says nothing."""
    rounds = max(rounds, MIN_ROUNDS)
    results: dict[str, list[float]] = {name: [] for name, _ in candidates}
    for _ in range(rounds):
        for name, run in candidates:
            results[name].append(run())
    return results


def spread(values: Sequence[float], fmt: str = "{:.2f}") -> str:
    """`median (min–max)`, the only way a figure is quoted."""
    return (
        f"{fmt.format(statistics.median(values))} "
        f"({fmt.format(min(values))}–{fmt.format(max(values))})"
    )


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """Per-round ratios: the two runs of one round saw the same machine."""
    return [n / d for n, d in zip(numerator, denominator, strict=True) if d]


def table(results: dict[str, list[float]], unit: str, fmt: str = "{:.0f}") -> str:
    width = max(len(name) for name in results) + 2
    lines = [f"{'':<{width}}{'median':>10}{'min':>10}{'max':>10}  {unit}"]
    for name, values in results.items():
        lines.append(
            f"{name:<{width}}{fmt.format(statistics.median(values)):>10}"
            f"{fmt.format(min(values)):>10}{fmt.format(max(values)):>10}"
        )
    return "\n".join(lines)


def free_port() -> int:
    """A loopback port nobody listens on now, for a server the bench starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def bot_on_sandbox(make_harness: Callable[[Any, Path], Any] | None = None) -> Iterator[Any]:
    """The sandbox (seed 1) with the real app and worker on it (tests/e2e/harness.py, or
    `make_harness(sandbox, tmp)`), in a throw-away directory; yields the harness (its
    `.sandbox` is the sandbox's handle) and stops everything after."""
    from sandbox.server import start_in_thread
    from storage.db import database
    from tests.e2e.harness import Harness

    sandbox = start_in_thread(seed=1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            h = (make_harness or Harness)(sandbox, Path(tmp))
            try:
                yield h
            finally:
                h.stop()
                database.close()
    finally:
        sandbox.stop()


def ended_meetings(user: Any, since: timedelta, until: timedelta = timedelta(0)) -> list[dict]:
    """`user`'s ended meetings that started between `since` and `until` ago (one page of 100)."""
    now = datetime.now(UTC)
    params = {
        "meetingType": "meeting", "state": "ended", "max": 100,
        "from": (now - since).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "to": (now - until).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return user.call("GET", "/meetings", params=params).json()["items"]


def feed_next(sandbox_url: str) -> int:
    """Where the sandbox's event feed stands now: pass it to `replies_after`."""
    return requests.get(f"{sandbox_url}/_sandbox/events", timeout=5).json()["next"]


def replies_after(sandbox_url: str, since: int, bot_id: str, want: int) -> tuple[float, int]:
    """Wait on the sandbox's event feed until the bot has posted `want` messages; returns when
    (`time.perf_counter()`) and the feed's next position."""
    seen = 0
    while True:
        feed = requests.get(f"{sandbox_url}/_sandbox/events",
                            params={"since": since, "wait": 10}, timeout=15).json()
        now = time.perf_counter()
        for event in feed["items"]:
            if event["type"] == "message" and event["data"].get("personId") == bot_id:
                seen += 1
        since = feed["next"]
        if seen >= want:
            return now, since
