"""Exactly-once replies for a command run more than once.

An event's command may run again: its worker died, or Webex was unavailable half-way. Every
reply it posts is a journaled step (storage/reply_steps.py), written before the POST and
settled after it, so a re-run skips each step that may have reached Webex and posts only what
certainly did not.

The truly ambiguous step, a POST in flight when the worker died or answered by a timeout or a
500/502 (Webex may have posted it), is treated as delivered and never repeated: Webex has no
idempotency key for `POST /messages`, the contract gives the bot no way to list a space's
messages to check, and a doubled answer is exactly what people notice. The price is that such
a step can be missing; the steps after it are still posted (a `/quality` whose chart post timed
out still gets its card).

A re-run recognises its earlier steps by content (a digest), not by position alone: the
second run of `/quality` skips "Fetching…" when the data is cached by then, and must still
know that its chart was step 1 of the first run.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from bot.webex import Unavailable, WebexError
from storage import reply_steps

log = logging.getLogger(__name__)

# An answer this late after the command was typed, because Webex was unavailable, says so once.
LATE_AFTER = timedelta(minutes=1)
LATE_NOTE = (
    "_Sorry for the wait: Webex was unavailable for a while, so this answer comes {minutes} late._"
)

_current: ContextVar[Journal | None] = ContextVar("reply_journal", default=None)


def digest(fields: dict[str, Any]) -> str:
    shown = {}
    for key, value in sorted(fields.items()):
        if value is None:
            continue
        if key == "upload":
            value = [value.filename, hashlib.sha256(value.content).hexdigest()]
        shown[key] = value
    return hashlib.sha256(json.dumps(shown, sort_keys=True, default=str).encode()).hexdigest()


class Journal:
    """The steps of one event. Not shared between threads: one run, one journal."""

    def __init__(
        self,
        event_id: int,
        *,
        clock: Callable[[], datetime],
        late_since: datetime | None = None,
    ) -> None:
        self.event_id = event_id
        self.clock = clock
        self.earlier = reply_steps.for_event(event_id)
        self.used: set[int] = set()
        self.next_step = max((row.step for row in self.earlier), default=-1) + 1
        # Set when Webex postponed this event and the answer now comes late: told once.
        self.late_by = (clock() - late_since) if late_since else None

    def send(self, webex: Any, key: str | None = None, **fields: Any) -> dict:
        """Post one reply as the next step; `key` names a step whose wording may differ
        between runs (an apology with a fresh ref) so it is still recognised."""
        if self.late_by is not None and self.late_by >= LATE_AFTER:
            late_by, self.late_by = self.late_by, None
            minutes = max(1, round(late_by.total_seconds() / 60))
            note = LATE_NOTE.format(minutes=f"{minutes} minute{'s' if minutes != 1 else ''}")
            where: dict[str, Any] = {
                k: fields[k] for k in ("room_id", "to_person_id", "parent_id") if k in fields
            }
            self._step(webex, {**where, "markdown": note}, key="late-note")
        return self._step(webex, fields, key)

    def _step(self, webex: Any, fields: dict[str, Any], key: str | None = None) -> dict:
        mark = key or digest(fields)
        for row in self.earlier:
            if row.step in self.used or row.digest != mark:
                continue
            self.used.add(row.step)
            if row.status == "failed" and reply_steps.retake(
                self.event_id, row.step, now=self.clock()
            ):
                return self._post(webex, row.step, fields)
            log.info(
                "event %s: reply step %s was %s before; not posting it again",
                self.event_id,
                row.step,
                row.status,
            )
            return {"id": row.message_id} if row.message_id else {}
        step = self.next_step
        self.next_step += 1
        self.used.add(step)
        if not reply_steps.begin(self.event_id, step, mark, now=self.clock()):
            log.warning("event %s: reply step %s taken by another run", self.event_id, step)
            return {}
        return self._post(webex, step, fields)

    def _post(self, webex: Any, step: int, fields: dict[str, Any]) -> dict:
        try:
            sent = webex.send(**fields)
        except Unavailable as exc:
            if exc.retryable:
                reply_steps.settle(self.event_id, step, "failed", now=self.clock())
                raise
            # Webex may have posted it (timeout, 500, 502): never again, and carry on.
            reply_steps.settle(self.event_id, step, "unknown", now=self.clock())
            log.warning(
                "event %s: reply step %s may or may not have been posted (%s); "
                "it will not be repeated",
                self.event_id,
                step,
                exc.status or "timeout",
            )
            return {}
        except WebexError:
            # Refused (4xx, 429): certainly not shown, may be posted again.
            reply_steps.settle(self.event_id, step, "failed", now=self.clock())
            raise
        except Exception:
            # Anything else (a bug reading the answer...): it may have been posted.
            reply_steps.settle(self.event_id, step, "unknown", now=self.clock())
            raise
        message_id = str(sent.get("id") or "") or None
        reply_steps.settle(self.event_id, step, "sent", message_id, now=self.clock())
        return sent


@contextmanager
def active(journal: Journal) -> Iterator[Journal]:
    token = _current.set(journal)
    try:
        yield journal
    finally:
        _current.reset(token)


def send(webex: Any, key: str | None = None, **fields: Any) -> dict:
    """Post through the running event's journal, or directly outside any event."""
    journal = _current.get()
    return journal.send(webex, key, **fields) if journal is not None else webex.send(**fields)
