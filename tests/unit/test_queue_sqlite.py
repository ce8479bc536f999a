"""huey's SQLite queue runs at the inbox's synchronous level, and still keeps what it is given."""

from bot.queue import make_huey


def test_the_sqlite_queue_is_wal_and_synchronous_normal(tmp_path):
    huey = make_huey(f"sqlite:///{tmp_path}/queue.db")
    conn = huey.storage.conn
    assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert conn.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL, not FULL (2)


def test_a_task_enqueued_is_there_for_another_connection(tmp_path):
    url = f"sqlite:///{tmp_path}/queue.db"
    producer = make_huey(url)
    producer.storage.enqueue(b"task")
    assert make_huey(url).storage.dequeue() == b"task"
