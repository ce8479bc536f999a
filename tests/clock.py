"""A settable clock for tests that drive the runtime's own clock (no time machine, no sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        assert moment.tzinfo is not None
        self.now = moment.astimezone(UTC)

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)
