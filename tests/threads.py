"""Start n threads at one barrier, so they really race, and collect what each returned."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from storage.db import database

T = TypeVar("T")


def race(n: int, target: Callable[[int], T], timeout: float = 30) -> list[T]:
    """target(i) in thread i; the results in thread order, or the first thread's exception.
    Each thread closes its own database connection, as a worker thread would."""
    results: list = [None] * n
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = target(i)
        except BaseException as exc:  # raised again below, in the test's own thread
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in threads), f"a thread ran longer than {timeout} s"
    return results
