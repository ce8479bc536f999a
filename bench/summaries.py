"""Bench: 1,000 subscribed spaces against the sandbox, all due at the same minute.

    .venv/bin/python bench/summaries.py [--spaces 1000] [--workers 2] [--threads 4]
        [--only queued] [--rounds 5] [--seeded]

The sandbox runs in its own process (it only meets the bot over HTTP). Each scenario runs in a
fresh process with a fresh bot database, on its own set of spaces, so peak RSS and call counts
are its own:

- serial, no cache: `run_due` sends every space in one loop, each space fetching and drawing
  its subscriber's day (the naive baseline);
- serial, cache: the same loop with the per-process cache of rendered days;
- queued: `run_due` queues one task per space on the SQLite huey queue; WORKERS worker
  processes with THREADS threads each send them (the `quality-bot worker` shape).

Subscribers are one new person per space (`--seeded`: the 13 seeded people in turn, so days
repeat and the per-process cache hides most of the work). The new people come in groups of 8
sharing a zone (12 zones on both sides of UTC) and four 30-minute meetings of their local
yesterday, and may read quality data: every space gets its own day drawn, from meetings shared
by 8 subscribers (SPACES / 2 meetings, one analytics call each).
Afterwards every space's messages are read back from the sandbox: a space with more than one
summary is a duplicate. Webex calls and 429s come from the sandbox's call log.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from rounds import MIN_ROUNDS, spread  # noqa: E402

ZONES = [
    "UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
    "Africa/Nairobi", "Pacific/Honolulu",
]
HOURS = (9, 11, 14, 16)  # a distinct subscriber's meetings of their local yesterday
SCENARIOS = ("serial, no cache", "serial, cache", "queued")
SUMMARY_STARTS = ("Meeting quality of", "No meetings on", "**")  # first message of a summary


# The sandbox process ---------------------------------------------------------------------------
def _distinct_people(world, spaces: int, set_no: int) -> list[dict]:
    """`spaces` new people of the org, one per space, each able to read quality data, in
    groups of 8 sharing a zone (ZONES[group]) and the meetings of their local yesterday (HOURS)."""
    import secrets
    from zoneinfo import ZoneInfo

    from sandbox.seed import USER_SCOPES, new_token
    from sandbox.world import Meeting, Participant, Person, Series, Token, webex_id

    now = world.now()
    made = []
    for n in range(spaces):
        email = f"bench{set_no}.{n}@sandbox.example.com"
        person = Person(webex_id("PEOPLE"), email, f"Bench {set_no}-{n}", "Bench",
                        f"{set_no}-{n}", now, "person", True)
        world.people[person.id] = person
        token = Token(new_token(world), person.id, USER_SCOPES | {"analytics:read_all"})
        world.tokens[token.value] = token
        made.append({"id": person.id, "email": email, "displayName": person.display_name,
                     "token": token.value, "admin": True})
    profiles = ["desktop", "wifi_ok", "desktop", "mobile_ok", "wifi", "desktop", "tcp", "cellular"]
    for group in range(0, spaces, 8):
        zone = ZoneInfo(ZONES[(group // 8) % len(ZONES)])
        yesterday = now.astimezone(zone).date() - timedelta(days=1)
        people = made[group:group + 8]
        for hour in HOURS:
            start = datetime(yesterday.year, yesterday.month, yesterday.day, hour,
                             tzinfo=zone).astimezone(UTC)
            end = start + timedelta(minutes=30)
            series = Series(secrets.token_hex(16), f"Bench {set_no}-{group} {hour}h",
                            str(10**9 + set_no * 10**6 + group * 10 + hour), people[0]["id"],
                            start)
            world.series[series.id] = series
            parts = [Participant(p["displayName"], p["email"], profiles[k % len(profiles)],
                                 start, end) for k, p in enumerate(people)]
            mid = f"{series.id}_I_{int(start.timestamp())}"
            world.meetings[mid] = Meeting(mid, series.id, start, end, parts)
    return made


def serve_sandbox(state_file: str, spaces: int, sets: int, distinct: bool) -> None:
    """Seeded sandbox plus `sets` x `spaces` group spaces (bot, subscriber, one colleague):
    subscribers are the seeded people in turn, or with `distinct` one new person per space."""
    from sandbox.server import start_in_thread, write_state
    from sandbox.world import Room, webex_id

    handle = start_in_thread(seed=1)
    world = handle.world
    people = [p for p in handle.state["people"]]
    rooms: list[list[dict]] = []
    extra: list[dict] = []
    with world.lock:
        now = world.now()
        for s in range(sets):
            own = _distinct_people(world, spaces, s) if distinct else []
            extra += own
            batch = []
            for n in range(spaces):
                subscriber = own[n] if distinct else people[n % len(people)]
                other = people[(n + 1) % len(people)]
                room_id = webex_id("ROOM")
                world.rooms[room_id] = Room(room_id, f"Bench {s}-{n}", "group",
                                            subscriber["id"], now, now)
                for pid in (world.bot_id, subscriber["id"], other["id"]):
                    world.add_membership(room_id, pid)
                zone = ZONES[(n // 8) % len(ZONES)] if distinct else ZONES[n % len(ZONES)]
                batch.append({"id": room_id, "subscriber": subscriber["id"], "zone": zone})
            rooms.append(batch)
    write_state(state_file, {**handle.state, "people": people + extra, "bench_rooms": rooms,
                             "bench_meetings": len(world.meetings)})
    try:
        handle.thread.join()
    except KeyboardInterrupt:
        handle.stop()


# A scenario process ----------------------------------------------------------------------------
def _config(state: dict, workdir: Path, queue: bool):
    from bot.config import Config

    return Config(
        webex_bot_token=state["bot"]["token"],
        webex_api_url=state["api_url"],
        webex_analytics_url=state["analytics_url"],
        database_url=f"sqlite:///{workdir}/bot.db",
        queue_url=f"sqlite:///{workdir}/queue.db" if queue else "immediate",
        token_key="pA2r5c8xWcz0u3Qy8w4mS0lq5o9T2V7n1b6K3dF0hJ4=",
    )


def _seed(runtime, state: dict, rooms: list[dict], now: datetime) -> None:
    """Everyone connected (their sandbox tokens stored encrypted), every space subscribed at
    00:00 local two days ago: all due at the first tick."""
    from storage import subscriptions, tokens

    for p in state["people"]:
        scopes = "spark:people_read meeting:schedules_read" + (
            " analytics:read_all" if p["admin"] else "")
        tokens.save_for(
            p["id"], email=p["email"], display_name=p["displayName"],
            access_token=runtime.accounts.encrypt(p["token"]),
            refresh_token=runtime.accounts.encrypt("none"),
            access_expires_at=now + timedelta(days=10), refresh_expires_at=None, scopes=scopes,
            now=now,
        )
    for room in rooms:
        subscriptions.subscribe(room["id"], room["subscriber"], "00:00", room["zone"],
                                now=now - timedelta(days=2))


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(state: dict, workdir: str, threads: int, ready, done, results) -> None:
    from bot.app import build_runtime
    from bot.queue import POLL, InProcessConsumer
    from bot.worker import build_worker

    worker = build_worker(build_runtime(_config(state, Path(workdir), queue=True)))
    consumer = InProcessConsumer(worker.runtime.queue.huey, workers=threads, worker_type="thread",
                                 periodic=False, **POLL)
    consumer.start()
    ready.release()
    done.wait()
    consumer.stop(graceful=True)
    results.put({"rss_mb": _peak_rss_mb(), "made": worker.summary_days.made})


def run_scenario(name: str, state: dict, rooms: list[dict], workers: int, threads: int) -> dict:
    from bot.app import build_runtime
    from bot.summaries import delivery
    from bot.summaries.content import DayCache
    from bot.worker import build_worker
    from storage.models import SummaryRun

    workdir = Path(tempfile.mkdtemp(prefix="bench-summaries-"))
    queued = name == "queued"
    runtime = build_runtime(_config(state, workdir, queue=queued))
    # QUEUE_URL=immediate: this process runs each send inline, with this worker's day cache.
    cache = DayCache(ttl=0) if name == "serial, no cache" else DayCache()
    if not queued:
        build_worker(runtime, summary_days=cache)
    now = datetime.now(UTC)
    _seed(runtime, state, rooms, now)
    procs, results, done = [], None, None
    if queued:
        ctx = multiprocessing.get_context("spawn")
        ready, done, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(state, str(workdir), threads, ready, done,
                                                   results)) for _ in range(workers)]
        for p in procs:
            p.start()
        for _ in procs:
            ready.acquire()
    started = time.perf_counter()
    queued_count = delivery.run_due(runtime)
    terminal = ("sent", "empty", "paused", "partial", "failed")
    while SummaryRun.select().where(SummaryRun.status.in_(terminal)).count() < len(rooms):
        time.sleep(0.2)  # the bench waits for the workers; tests never do this
    elapsed = time.perf_counter() - started
    statuses = Counter(r.status for r in SummaryRun.select(SummaryRun.status))
    made = 0 if queued else cache.made
    rss = [_peak_rss_mb()]
    if queued:
        done.set()
        for _ in procs:
            got = results.get(timeout=120)
            rss.append(got["rss_mb"])
            made += got["made"]
        for p in procs:
            p.join(timeout=60)
    return {"scenario": name, "seconds": elapsed, "queued": queued_count,
            "statuses": dict(statuses), "days_made": made, "rss_mb": rss}


# The driver ------------------------------------------------------------------------------------
def sandbox_calls(base: str) -> list[dict]:
    return requests.get(f"{base}/_sandbox/calls", timeout=60).json()["items"]


def duplicates(state: dict, rooms: list[dict]) -> tuple[int, int]:
    """(spaces with more than one summary, spaces with none), read back as the subscribers."""
    tokens = {p["id"]: p["token"] for p in state["people"]}
    session = requests.Session()
    dup = missing = 0
    for room in rooms:
        resp = session.get(f"{state['api_url']}/messages", params={"roomId": room["id"],
                           "max": 100}, headers={"Authorization":
                           f"Bearer {tokens[room['subscriber']]}"}, timeout=30)
        resp.raise_for_status()
        bot_msgs = [m for m in resp.json()["items"] if m.get("personId") == state["bot"]["id"]]
        starts = sum(1 for m in bot_msgs if not m.get("attachments")
                     and (m.get("markdown") or "").startswith(SUMMARY_STARTS))
        dup += starts > 1
        missing += starts == 0 and not any("paused" in (m.get("markdown") or "")
                                           for m in bot_msgs)
    return dup, missing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spaces", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (queued)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (queued)")
    parser.add_argument("--only", choices=SCENARIOS, action="append")
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--seeded", action="store_true",
                        help="subscribers are the 13 seeded people in turn (the old bench: days "
                        "repeat) instead of one new person per space")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--sets", type=int, default=len(SCENARIOS), help=argparse.SUPPRESS)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    parser.add_argument("--set", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_sandbox(args.serve, args.spaces, args.sets, not args.seeded)
        return 0
    if args.scenario:
        state = json.loads(Path(args.state).read_text())
        result = run_scenario(args.scenario, state, state["bench_rooms"][args.set],
                              args.workers, args.threads)
        print(json.dumps(result))
        return 0

    scenarios = args.only or list(SCENARIOS)
    rows = []
    for round_no in range(max(args.rounds, MIN_ROUNDS)):
        rows += one_round(args, scenarios)
        print(f"round {round_no + 1} done", file=sys.stderr)
    _table(rows, args, scenarios)
    return 0


def one_round(args, scenarios: list[str]) -> list[dict]:
    """Each scenario once, in order, on a fresh sandbox (so every round starts alike)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    state_file = tmp / "state.json"
    sandbox = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(state_file), "--spaces", str(args.spaces),
         "--sets", str(len(scenarios)), *(["--seeded"] if args.seeded else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        while not state_file.exists():
            if sandbox.poll() is not None:
                raise SystemExit("the sandbox process exited")
            time.sleep(0.1)
        state = json.loads(state_file.read_text())
        base = state["api_url"].rsplit("/v1", 1)[0]
        for index, name in enumerate(scenarios):
            # A fresh bot database each time: move the sandbox past its per-meeting limit.
            requests.post(f"{base}/_sandbox/clock", json={"advance": 360}, timeout=10)
            requests.post(f"{base}/_sandbox/calls/reset", timeout=10)
            out = subprocess.run(
                [sys.executable, __file__, "--scenario", name, "--state", str(state_file),
                 "--set", str(index), "--workers", str(args.workers), "--threads",
                 str(args.threads)], capture_output=True, text=True, check=False)
            if out.returncode:
                print(out.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"scenario {name!r} failed")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            calls = sandbox_calls(base)
            result["calls"] = len(calls)
            result["429s"] = sum(c["status"] == 429 for c in calls)
            result["by_path"] = Counter(_kind(c) for c in calls)
            result["duplicates"], result["missing"] = duplicates(state, state["bench_rooms"][index])
            result["load"] = os.getloadavg()[0]
            rows.append(result)
            calls = ", ".join(f"{k} {v}" for k, v in sorted(result["by_path"].items()))
            print(f"done: {name} in {result['seconds']:.1f}s; 429s {result['429s']}, dupes "
                  f"{result['duplicates']}, missing {result['missing']}, load "
                  f"{result['load']:.2f}; outcomes {result['statuses']}; calls: {calls}",
                  file=sys.stderr, flush=True)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)
    return rows


def _kind(call: dict) -> str:
    path = call["path"]
    if path.startswith("/analytics/"):
        return "qualities"
    return f"{call['method']} /{path.split('/')[2]}"


def _table(rows: list[dict], args, scenarios: list[str]) -> None:
    per = max(len(scenarios), 1)
    print(f"\n{args.spaces} spaces due at once, "
          f"{'seeded subscribers' if args.seeded else 'one distinct subscriber each'} · "
          f"{os.cpu_count()} CPUs · queued = {args.workers} worker processes x {args.threads} "
          f"threads · {len(rows) // per} rounds, scenarios alternating, a fresh sandbox and bot "
          f"database each; load generator: bot/summaries/delivery.run_due at one minute\n")
    head = ("scenario", "total s: median (min–max)", "spaces/s (median)", "Webex calls (max)",
            "qualities calls (max)", "429s (max)", "days drawn (max)", "peak RSS MB (max)",
            "dupes (max)", "missing (max)", "load avg")
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for name in scenarios:
        mine = [r for r in rows if r["scenario"] == name]
        seconds = [r["seconds"] for r in mine]
        print(" | ".join(str(v) for v in (
            name, spread(seconds, "{:.1f}"), f"{args.spaces / statistics.median(seconds):.1f}",
            max(r["calls"] for r in mine), max(r["by_path"].get("qualities", 0) for r in mine),
            max(r["429s"] for r in mine), max(r["days_made"] for r in mine),
            " + ".join(f"{x:.0f}" for x in max((r["rss_mb"] for r in mine), key=sum)),
            max(r["duplicates"] for r in mine), max(r["missing"] for r in mine),
            spread([r["load"] for r in mine]))))
    print()
    for r in rows:
        calls = ", ".join(f"{k} {v}" for k, v in sorted(r["by_path"].items()))
        print(f"{r['scenario']} {r['seconds']:.1f}s: outcomes {r['statuses']}; calls: {calls}")


if __name__ == "__main__":
    raise SystemExit(main())
