"""One worker process of the exactly-once race test: its own interpreter, its own database
connection, the real scheduler and claims, and a Webex stand-in that appends each send to a
shared file (O_APPEND writes of one short line are atomic)."""

from __future__ import annotations

import os
from datetime import datetime

from bot.config import Config
from bot.quality.daily import summarize_day
from bot.queue import Queue
from bot.runtime import Runtime
from bot.summaries import content, delivery
from bot.webex import Http
from bot.worker import build_worker
from storage.schema import open_database


class CountingBot:
    def __init__(self, path: str, name: str) -> None:
        self.path, self.name = path, name

    def is_member(self, room_id: str, person_id: str) -> bool:
        return True

    def send(self, *, room_id: str, **fields) -> dict:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, f"{room_id} {self.name}\n".encode())
        finally:
            os.close(fd)
        return {"id": "m"}


class NoOrgs:
    """No org connection: Part I, where a summary's history has no org."""

    def org_of(self, person_id: str) -> None:
        return None


class AnyoneConnected:
    def client_for(self, person_id: str) -> str:
        return person_id


def _compose(runtime, person_id, user, day, tz):
    return content.DayContent(day, tz, summarize_day(day, tz, [], []), 0)


def _render(composed, note=""):
    return [content.Post(f"summary {composed.day}")]


def work(db_url: str, sends: str, name: str, now_iso: str, barrier, ticks: int) -> None:
    open_database(db_url)
    content.compose = _compose  # the content is not under test here, the claims are
    content.render = _render
    now = datetime.fromisoformat(now_iso)
    runtime = Runtime(
        Config(database_url=db_url),
        CountingBot(sends, name),
        Http(),
        AnyoneConnected(),
        Queue("immediate"),  # each due space is sent inline, by this process
        clock=lambda: now,
    )  # type: ignore[arg-type]
    runtime.access = NoOrgs()  # type: ignore[assignment]
    build_worker(runtime)
    barrier.wait()  # both processes start the same tick together
    for _ in range(ticks):
        delivery.run_due(runtime)
