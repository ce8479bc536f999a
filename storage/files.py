"""Files that hold people's data (databases, the queue, secrets) are private from the first
byte: directories 0700 and files 0600 are created with that mode, never chmod-ed afterwards,
so there is no moment in which another local user could open them."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | os.PathLike) -> Path:
    """Create `path` and any missing parents as 0700 (existing ones are left as they are)."""
    target = Path(path)
    missing = []
    for parent in [target, *target.parents]:
        if parent.exists() or str(parent) in ("", "."):
            break
        missing.append(parent)
    for folder in reversed(missing):
        # The umask can only remove bits: 0700 stays 0700. Another process may win the race.
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, DIR_MODE)
    return target


def private_file(path: str | os.PathLike) -> Path:
    """Make sure `path` exists, created 0600, before a library (SQLite, huey) opens it with
    the umask's usual 0644. SQLite gives its -wal and -shm files the database file's mode."""
    target = Path(path)
    private_dir(target.parent)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return target


def write_private(path: str | os.PathLike, text: str) -> None:
    """Replace `path` atomically with `text`, 0600 from creation: a temporary file opened with
    that mode, flushed to disk, then renamed over the old one."""
    target = Path(path)
    private_dir(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
