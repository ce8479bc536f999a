"""Issue 10 item 12: data directories 0700 and database, queue and secret files 0600 from the
moment they exist, whatever the umask."""

from __future__ import annotations

import os
import stat

import pytest

from bot.queue import make_huey
from storage import files
from storage.db import database
from storage.schema import open_database


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_folder_and_files_are_private(tmp_path):
    data = tmp_path / "data" / "nested"
    open_database(f"sqlite:///{data}/quality-bot.db")
    try:
        database.execute_sql("CREATE TABLE t (x)")
        database.execute_sql("INSERT INTO t VALUES (1)")  # makes the -wal and -shm files
        assert mode(tmp_path / "data") == 0o700 and mode(data) == 0o700
        for name in ("quality-bot.db", "quality-bot.db-wal", "quality-bot.db-shm"):
            assert mode(data / name) == 0o600, name
    finally:
        database.close()


def test_queue_file_is_private(tmp_path):
    huey = make_huey(f"sqlite:///{tmp_path}/q/queue.db")
    huey.storage.enqueue(b"x")
    assert mode(tmp_path / "q") == 0o700
    assert mode(tmp_path / "q" / "queue.db") == 0o600


def test_secrets_are_written_0600_from_the_first_byte_and_atomically(tmp_path, monkeypatch):
    target = tmp_path / "data" / "demo.env"
    target.parent.mkdir()
    target.write_text("OLD=1\n")
    os.chmod(target, 0o644)
    seen = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        seen.append(stat.S_IMODE(os.fstat(fd).st_mode))
        assert target.read_text() == "OLD=1\n"  # the old file stays whole until the rename
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    files.write_private(target, "TOKEN_KEY=secret\n")
    assert seen == [0o600]
    assert mode(target) == 0o600 and target.read_text() == "TOKEN_KEY=secret\n"
    assert [p.name for p in target.parent.iterdir()] == ["demo.env"]  # no temporary left
