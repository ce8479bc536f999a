"""Bench: /trends org 400 and /export 30 on 500,000 history rows, and the cost of writing history.

    .venv/bin/python bench/trends.py [--rows 500000] [--people 5000] [--days 400] [--rounds 5]
                                     [--backends sqlite,postgresql] [--pg-url URL]

For each backend a fresh database gets ROWS history rows of PEOPLE people over DAYS days (one org,
meetings of 2–20 participants, networks and verdicts mixed). Then, in alternating rounds:

- `/trends org 400` as the bot answers it: the SQL aggregates (weeks × network, this period and
  the one before, top causes, people with repeated poor meetings), the PNG and the card;
- the naive baseline: load the same rows as objects and aggregate in Python, same PNG and card;
- `/export 30` for the org: the CSV streamed from SQL, against loading row objects and writing
  the same CSV.

History writing: a 50-participant meeting analysed once (not timed), then recorded under fresh
meeting ids (insert) and once more each (upsert of the same rows), one transaction per meeting.

PostgreSQL: without --pg-url a throwaway server is started like scripts/test-services does, but
with fsync on (durable commits, as in production), and always stopped.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rounds import alternate, free_port, ratios, spread  # noqa: E402

from bot.history.chart import trends_chart  # noqa: E402
from bot.history.export import HEADER, csv_cells, export  # noqa: E402
from bot.history.record import day_number, record_meeting  # noqa: E402
from bot.history.trends import REPEAT_AT_LEAST, TOP_CAUSES, Trends, load, trends_card  # noqa: E402
from storage import history  # noqa: E402
from storage.db import database  # noqa: E402
from storage.history import EXPORT_COLUMNS, Scope, Totals, WeekNetwork  # noqa: E402
from storage.schema import open_database  # noqa: E402

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ORG = "org-bench"
NETWORKS = ["wifi"] * 5 + ["ethernet"] * 3 + ["cellular", "unknown"]
CAUSES = ["Wi-Fi", "TCP", "CPU", "upload", "mobile data", "loss (audio in)", "from Ann Lee"]


# Data -------------------------------------------------------------------------------------------
def generate(rows: int, people: int, days: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out: list[dict] = []
    emails = [f"person{k:05d}@example.com" for k in range(people)]
    home = {e: rng.choice(NETWORKS) for e in emails}
    meeting = 0
    while len(out) < rows:
        meeting += 1
        size = min(rng.randint(2, 20), rows - len(out))
        start = NOW - timedelta(seconds=rng.uniform(0, days * 86400))
        naive = start.replace(tzinfo=None)
        host = rng.choice(emails)
        title = f"Meeting {meeting % 997}"
        for k, email in enumerate(rng.sample(emails, size)):
            minutes = float(rng.randint(10, 60))
            bad = rng.random() < 0.12
            poor = float(rng.randint(1, int(minutes))) if bad else 0.0
            verdict = "poor" if bad else rng.choice(["good"] * 9 + ["fair"])
            out.append({
                "meeting_id": f"bench-{meeting:07d}_I_1",
                "participant_key": email,
                "org_id": ORG,
                "start": naive,
                "day": day_number(start),
                "title": title,
                "host_lc": host,
                "name": email.split("@")[0].title(),
                "email": email,
                "email_lc": email,
                "network": home[email] if rng.random() < 0.9 else rng.choice(NETWORKS),
                "client": "Webex Desktop 44.5",
                "transport": "TCP" if rng.random() < 0.05 else "UDP",
                "minutes": minutes,
                "poor_minutes": poor,
                "poor_audio": poor,
                "poor_video": round(poor / 2, 1),
                "poor_sharing": 0.0,
                "verdict": verdict,
                "cause": rng.choice(CAUSES) if verdict != "good" else "",
                "lead": int(k == 0),
                "recorded_at": naive,
            })
    return out


def fill(rows: list[dict]) -> float:
    t0 = time.perf_counter()
    for first in range(0, len(rows), 20_000):
        history.insert_rows(rows[first : first + 20_000])
    return time.perf_counter() - t0


# The two ways to answer ---------------------------------------------------------------------------
def trends_sql(days: int) -> tuple[bytes, dict]:
    t = load(Scope(org_id=ORG), "the organization", days, NOW, org_view=True)
    png = trends_chart(t.weekly, t.since, t.until, "Meeting quality trend", "bench")
    return png, trends_card(t)[0]


def trends_naive(days: int) -> tuple[bytes, dict]:
    """Load every row of both periods as objects and aggregate in Python."""
    until = NOW
    since, before = until - timedelta(days=days), until - timedelta(days=2 * days)
    rows = history.raw_rows(Scope(org_id=ORG), before, until)
    weekly: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    cur, prev = [set(), 0, 0.0, 0.0], [set(), 0, 0.0, 0.0]
    causes: Counter = Counter()
    poor_meetings: dict[str, set] = defaultdict(set)
    names: dict[str, str] = {}
    for r in rows:
        current = r.start >= since.replace(tzinfo=None)
        acc = cur if current else prev
        acc[0].add(r.meeting_id)
        acc[1] += 1
        acc[2] += r.minutes
        acc[3] += r.poor_minutes
        if not current:
            continue
        w = weekly[((r.day + 3) // 7 * 7 - 3, r.network)]
        w[0] += r.minutes
        w[1] += r.poor_minutes
        w[2] += 1
        w[3] += r.lead
        if r.cause:
            causes[r.cause] += 1
        if r.verdict == "poor":
            poor_meetings[r.email_lc].add(r.meeting_id)
            names[r.email_lc] = max(names.get(r.email_lc, ""), r.name)
    repeat = sorted(
        ((e, names[e], len(m)) for e, m in poor_meetings.items() if len(m) >= REPEAT_AT_LEAST),
        key=lambda x: (-x[2], x[0]),
    )[:10]
    t = Trends(
        who="the organization",
        days=days,
        since=since,
        until=until,
        weekly=[WeekNetwork(d, n, *v) for (d, n), v in sorted(weekly.items())],
        current=Totals(len(cur[0]), cur[1], cur[2], cur[3]),
        previous=Totals(len(prev[0]), prev[1], prev[2], prev[3]),
        causes=sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_CAUSES],
        repeat=repeat,
    )
    png = trends_chart(t.weekly, t.since, t.until, "Meeting quality trend", "bench")
    return png, trends_card(t)[0]


def export_sql(days: int) -> bytes:
    return export(Scope(org_id=ORG), days, NOW)[0]


def export_naive(days: int) -> bytes:
    rows = history.raw_rows(Scope(org_id=ORG), NOW - timedelta(days=days), NOW)
    rows.sort(key=lambda r: (r.start, r.meeting_id, r.email_lc))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow(csv_cells(tuple(getattr(r, f.name) for f in EXPORT_COLUMNS)))
    return buf.getvalue().encode()


# Measuring (alternating rounds: bench/rounds.py) ----------------------------------------------
def timed(fn: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    return run


def show(label: str, seconds: list[float], unit: str = "s", scale: float = 1.0) -> str:
    fmt = "{:.3f}" if unit == "s" else "{:.2f}"
    return f"  {label:<38} {spread([v * scale for v in seconds], fmt)} {unit}  (n={len(seconds)})"


def writing_cost(n: int) -> tuple[list[float], list[float]]:
    from bot.quality.analysis import analyze_meeting
    from tests.quality import factory

    items = factory.crowd(50)
    meeting = {**factory.meeting(minutes=60, start=NOW - timedelta(days=1)),
               "hostEmail": "person00000@example.com"}
    report = analyze_meeting(items, meeting)
    inserts, upserts = [], []
    for k in range(n):
        m = {**meeting, "id": f"write-{k}_I_1"}
        t0 = time.perf_counter()
        assert record_meeting(m, report, ORG) == 50
        inserts.append(time.perf_counter() - t0)
    for k in range(n):
        m = {**meeting, "id": f"write-{k}_I_1"}
        t0 = time.perf_counter()
        record_meeting(m, report, ORG)
        upserts.append(time.perf_counter() - t0)
    return inserts, upserts


def run_backend(name: str, url: str, data: list[dict], args: argparse.Namespace) -> None:
    open_database(url)
    print(f"\n== {name} ({len(data):,} rows, {args.people:,} people, {args.days} days)")
    print(f"  load: {fill(data):.1f} s (bulk insert, not part of any answer)")
    if name.startswith("postgresql"):
        # What autovacuum does after a bulk load: statistics, and the visibility map that
        # index-only scans need.
        database.execute_sql("VACUUM ANALYZE history")
    else:
        database.execute_sql("ANALYZE")
    png, _ = trends_sql(400)
    assert png.startswith(b"\x89PNG")
    assert export_sql(30) == export_naive(30), "the two exports differ"
    t = alternate([("trends org 400: SQL + chart", timed(lambda: trends_sql(400))),
                   ("trends org 400: naive + chart", timed(lambda: trends_naive(400)))],
                  args.rounds)
    for label, vals in t.items():
        print(show(label, vals))
    sql, naive = t.values()
    print(f"  naive / SQL per round: {spread(ratios(naive, sql), '{:.1f}')}×")
    e = alternate([("export 30 (org): SQL", timed(lambda: export_sql(30))),
                   ("export 30 (org): naive", timed(lambda: export_naive(30)))], args.rounds)
    for label, vals in e.items():
        print(show(label, vals))
    sql, naive = e.values()
    print(f"  naive / SQL per round: {spread(ratios(naive, sql), '{:.1f}')}×")
    rows30 = export_sql(30).count(b"\n") - 1
    print(f"  export 30 = {rows30:,} rows, {len(export_sql(30)) / 1e6:.1f} MB")
    inserts, upserts = writing_cost(args.writes)
    print(show("record 50-participant meeting (new)", inserts, "ms", 1000))
    print(show("record it again (upsert)", upserts, "ms", 1000))
    database.close()


# PostgreSQL, throwaway -------------------------------------------------------------------------
def start_postgres(root: Path) -> tuple[str, Callable[[], None]]:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        raise SystemExit("no PostgreSQL (apt-get install postgresql), or pass --pg-url")
    pg = bins[-1]
    port = free_port()
    prefix = ["su", "postgres", "-s", "/bin/sh", "-c"] if os.getuid() == 0 else ["sh", "-c"]
    if os.getuid() == 0:
        shutil.chown(root, "postgres")

    def run(cmd: str) -> None:
        subprocess.run([*prefix, cmd], check=True, stdout=subprocess.DEVNULL)

    run(f"'{pg}/initdb' -D '{root}/pg' -U postgres -A trust")
    run(f"'{pg}/pg_ctl' -D '{root}/pg' -l '{root}/pg.log' -w -o \"-p {port} -k '{root}' "
        f"-c listen_addresses=127.0.0.1 -c fsync=on\" start")

    def stop() -> None:
        run(f"'{pg}/pg_ctl' -D '{root}/pg' -m fast stop")

    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--people", type=int, default=5_000)
    ap.add_argument("--days", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--writes", type=int, default=20, help="meetings recorded for the write cost")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-url", default=None)
    args = ap.parse_args()
    data = generate(args.rows, args.people, args.days)
    print(f"generated {len(data):,} rows; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="qb-bench-trends-") as tmp:
        root = Path(tmp)
        for backend in args.backends.split(","):
            if backend == "sqlite":
                run_backend("sqlite", f"sqlite:///{root}/bench.db", data, args)
            elif backend == "postgresql":
                stop = None
                url = args.pg_url
                pg_root = None
                if url is None:
                    # Its own directory under /tmp: the postgres account cannot enter ours.
                    pg_root = Path(tempfile.mkdtemp(prefix="qb-bench-trends-pg-"))
                    url, stop = start_postgres(pg_root)
                try:
                    run_backend("postgresql (fsync on)", url, data, args)
                finally:
                    if stop is not None:
                        stop()
                    if pg_root is not None:
                        shutil.rmtree(pg_root, ignore_errors=True)


if __name__ == "__main__":
    main()
