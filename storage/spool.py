"""The inbox spool: where the receiver puts a verified delivery it cannot store because the
database is locked or slow, so the delivery is still acknowledged and never lost.

One JSON line per delivery, appended under an exclusive file lock and fsynced before the
receiver answers 200. A worker drains it into the inbox (an idempotent insert: a delivery that
also reached the database, or one Webex redelivered, is stored once) and keeps whatever was
appended meanwhile. The file is private (0600) like the database it stands in for."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

from storage.files import FILE_MODE, private_dir


def append(path: str, resource: str, event: str, data_id: str, body: str) -> None:
    line = json.dumps(
        {"resource": resource, "event": event, "data_id": data_id, "body": body},
        ensure_ascii=True,  # one physical line, whatever the body holds
    )
    private_dir(Path(path).parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def drain(path: str, store: Callable[[str, str, str, str], int | None]) -> list[int]:
    """Move every spooled delivery into the inbox with `store` (intake.accept); the new event
    ids. Lines appended while storing stay for the next drain. A failing `store` (database
    still locked) leaves the file as it was."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return []
    # One drainer at a time (workers of several processes run this): a second one would cut
    # the file by the first one's offsets and lose what was appended in between.
    gate = os.open(path + ".drain", os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        try:
            fcntl.flock(gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        return _drain(path, store)
    finally:
        os.close(gate)


def _drain(path: str, store: Callable[[str, str, str, str], int | None]) -> list[int]:
    with open(path, "r+b") as spool:
        fcntl.flock(spool, fcntl.LOCK_EX)
        taken = spool.read()
    ids: list[int] = []
    done = 0
    for raw in taken.splitlines(keepends=True):
        done += len(raw)
        if not raw.endswith(b"\n"):
            continue  # torn: its writer died mid-append, before its fsync and its 200
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        event_id = store(record["resource"], record["event"], record["data_id"], record["body"])
        if event_id is not None:
            ids.append(event_id)
    with open(path, "r+b") as spool:
        fcntl.flock(spool, fcntl.LOCK_EX)
        spool.seek(done)
        rest = spool.read()  # what the receiver appended while we were storing
        spool.seek(0)
        spool.write(rest)
        spool.truncate()
        spool.flush()
        os.fsync(spool.fileno())
    return ids
