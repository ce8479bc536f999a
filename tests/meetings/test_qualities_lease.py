"""The per-meeting lease: one analytics call per interval across threads and processes."""

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from bot.webex import Forbidden, Unavailable
from storage import qualities
from storage.db import database, utcnow
from storage.schema import open_database


@pytest.fixture
def db(tmp_path):
    url = f"sqlite:///{tmp_path}/q.db"
    open_database(url)
    yield url
    database.close()


def fetch_once(*args, **kwargs):
    """storage.qualities.fetch_once on the wall clock."""
    return qualities.fetch_once(*args, clock=utcnow, **kwargs)


def counting_loader(calls, gate=None):
    def load():
        calls.append(1)
        if gate:
            gate.wait(5)
        return [{"participantId": "p1"}]

    return load


def test_second_ask_within_interval_answers_from_the_database(db):
    calls = []
    first = fetch_once("m1", counting_loader(calls), min_interval=300, owner="a")
    second = fetch_once("m1", counting_loader(calls), min_interval=300, owner="b")
    assert calls == [1]
    assert first.fetched_now and not second.fetched_now
    assert second.items == first.items and second.fetched_at == first.fetched_at


def test_cached_data_reads_its_raw_items_only_when_used(db):
    fetch_once("m1", lambda: [{"participantId": "p1"}], min_interval=300, owner="a")
    fetch_once("m2", lambda: [], min_interval=300, owner="a")
    kept, none = qualities.cached("m1"), qualities.cached("m2")
    assert "items" not in vars(kept) and not kept.empty  # nothing parsed yet
    assert kept.items == [{"participantId": "p1"}]
    assert none.empty and none.items == []
    assert qualities.cached("never") is None


def test_after_the_interval_it_fetches_again(db):
    calls = []
    fetch_once("m1", counting_loader(calls), min_interval=0, owner="a")
    fetch_once("m1", counting_loader(calls), min_interval=0, owner="a")
    assert calls == [1, 1]


def test_concurrent_threads_share_one_fetch(db):
    calls, gate, results = [], threading.Event(), []

    def ask(owner):
        results.append(
            fetch_once(
                "m2", counting_loader(calls, gate), min_interval=300, owner=owner, poll=0.01
            )
        )

    threads = [threading.Thread(target=ask, args=(f"t{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    while not calls:  # the lease holder is inside the loader; the others must be waiting
        threading.Event().wait(0.01)
    gate.set()
    for t in threads:
        t.join(10)
    assert calls == [1] and len(results) == 8
    assert sum(r.fetched_now for r in results) == 1


def test_a_403_for_one_person_does_not_block_the_next(db):
    def denied():
        raise Forbidden(403, "not an admin")

    with pytest.raises(Forbidden):
        fetch_once(
            "m3", denied, min_interval=300, owner="a", counts_against_limit=lambda exc: None
        )
    calls = []
    assert fetch_once("m3", counting_loader(calls), min_interval=300, owner="b").items
    assert calls == [1]


def test_a_5xx_counts_and_later_askers_are_refused_until_the_interval(db):
    def broken():
        raise Unavailable(503, "down")

    with pytest.raises(Unavailable):
        fetch_once(
            "m4", broken, min_interval=300, owner="a", counts_against_limit=lambda exc: exc.status
        )
    with pytest.raises(qualities.FetchRefused) as err:
        fetch_once("m4", counting_loader([]), min_interval=300, owner="b")
    assert err.value.status == 503 and err.value.retry_at is not None


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from storage import qualities
    from storage.db import utcnow
    from storage.schema import open_database
    open_database(sys.argv[1])
    log = Path(sys.argv[2])
    def note(line):
        with log.open("a") as f:
            f.write(line + "\\n")
    def load():
        note("call")
        # Hold the lease until the other process is asking too, so the two really overlap.
        deadline = time.monotonic() + 20
        while log.read_text().count("asking") < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        note(f"call-end {time.time()}")
        return [{"participantId": "p"}]
    note(f"asking {time.time()}")
    got = qualities.fetch_once(
        "m-proc", load, clock=utcnow, min_interval=300, owner=sys.argv[3], poll=0.01
    )
    print(got.fetched_now, time.time())
    """
)


def test_two_processes_make_exactly_one_call_and_the_other_waits_for_it(db, tmp_path):
    log = tmp_path / "log.txt"
    log.touch()
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, db, str(log), f"p{i}"],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    lines = log.read_text().splitlines()
    assert sum(line == "call" for line in lines) == 1
    call_end = float(next(line.split()[1] for line in lines if line.startswith("call-end")))
    asked = [float(line.split()[1]) for line in lines if line.startswith("asking")]
    assert len(asked) == 2 and all(t < call_end for t in asked)  # both asked during the fetch
    fetched = sorted(outputs)  # [["False", t], ["True", t]]
    assert [f[0] for f in fetched] == ["False", "True"]
    assert float(fetched[0][1]) >= call_end  # the waiter answered from the one fetch


def test_rendered_output_is_keyed_by_fetch_and_zone(db):
    from datetime import UTC, datetime, timedelta

    fetched = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    qualities.store_rendered("m5", "Europe/Paris", fetched, b"png", {"type": "AdaptiveCard"}, "md")
    assert qualities.rendered("m5", "Europe/Paris", fetched) == (
        b"png",
        {"type": "AdaptiveCard"},
        "md",
    )
    assert qualities.rendered("m5", "UTC", fetched) is None
    assert qualities.rendered("m5", "Europe/Paris", fetched + timedelta(minutes=5)) is None
    qualities.store_rendered("m5", "Europe/Paris", fetched + timedelta(minutes=5), b"new", {}, "")
    assert qualities.rendered("m5", "Europe/Paris", fetched) is None
