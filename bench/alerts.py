"""Bench: an org with 2,000 meetings ending over one simulated hour; alerts after each.

    .venv/bin/python bench/alerts.py [--meetings 2000] [--speed 20] [--workers 1]
        [--database-url URL] [--queue-url URL]

Processes, as in production: the sandbox (its own process), the receiver (`quality-bot serve
--no-worker`) and WORKERS worker processes (4 threads each). The sandbox clock runs SPEED times
faster than the wall clock; the workers' clocks follow the same formula, and each worker ticks the
alerts scheduler (poll + due runs) every half second of wall time, i.e. every SPEED/2 simulated
seconds, standing in for the production tick that a compressed clock would make too coarse.

The org is connected through the real `/connect org` flow; "IT Quality" says `/alerts on`. All
meetings start at once with durations of 1..60 minutes, so ~N/60 end each simulated minute; a
quarter have one participant on a poor profile (wifi, cellular, tcp, cpu, upload). Afterwards the
sandbox's own records are read: the bot's messages (alert cards per meeting, 1:1s per person and
meeting), and its qualities calls per meeting. Latency = the alert card's `created` (sandbox time)
minus the meeting's end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rounds import free_port  # noqa: E402

BIN = Path(sys.executable).parent
POOR_PROFILES = ["wifi", "cellular", "tcp", "cpu", "upload"]
LINK = re.compile(r"https?://[^\s)>\]]+/authorize\?[^\s)>\]]+")


def sim_clock(t0_real: float, t0_sim: datetime, speed: float):
    return lambda: t0_sim + timedelta(seconds=(time.time() - t0_real) * speed)


# Roles -----------------------------------------------------------------------------------------
def serve_sandbox(state_file: str, port: int) -> None:
    from sandbox.server import start_in_thread, write_state

    handle = start_in_thread(seed=1, port=port)
    write_state(state_file, handle.state)
    handle.thread.join()


def run_worker(t0_real: float, t0_sim: str, speed: float, stop_file: str) -> None:
    from bot import alerts
    from bot.app import build_runtime
    from bot.config import Config
    from bot.worker import build_worker

    runtime = build_runtime(Config.from_env())
    worker = build_worker(runtime)
    runtime.clock = sim_clock(t0_real, datetime.fromisoformat(t0_sim), speed)
    consumer = runtime.queue.consumer(workers=4, in_process=True)
    consumer.start()
    worker.recover()
    try:
        while not os.path.exists(stop_file):
            alerts.periodic(runtime)
            worker.dispatcher.sweep()
            time.sleep(0.5)
    finally:
        consumer.stop(graceful=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": round(rss, 1)}), flush=True)


# Driving the sandbox as people do --------------------------------------------------------------
class Api:
    def __init__(self, state: dict) -> None:
        self.state, self.api = state, state["api_url"]
        self.base = state["api_url"].rsplit("/v1", 1)[0]

    def call(self, token: str, method: str, path: str, **kw) -> requests.Response:
        resp = requests.request(method, self.api + path, timeout=30,
                                headers={"Authorization": f"Bearer {token}"}, **kw)
        resp.raise_for_status()
        return resp

    def control(self, method: str, path: str, **kw) -> dict:
        resp = requests.request(method, f"{self.base}/_sandbox/{path}", timeout=60, **kw)
        resp.raise_for_status()
        return resp.json()

    def feed(self, name: str) -> list[dict]:
        items, since = [], 0
        while True:
            page = self.control("GET", f"{name}?since={since}")
            items += page["items"]
            if not page["items"] or page["next"] == since:
                return items
            since = page["next"]


class Timeout(Exception):
    pass


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.2)
    raise Timeout(f"bench: timed out waiting for {what}")


def bot_replies(api: Api, person: dict, room_id: str, after: str) -> list[dict]:
    items = api.call(person["token"], "GET", "/messages", params={"roomId": room_id,
                                                                 "max": 50}).json()["items"]
    ids = [m["id"] for m in items]
    newer = items[: ids.index(after)] if after in ids else items
    return [m for m in newer if m.get("personId") == api.state["bot"]["id"]]


def say(api: Api, person: dict, room: dict, text: str) -> dict:
    body = {"roomId": room["id"], "text": text}
    if room["type"] == "group":
        bot = api.state["bot"]
        body["markdown"] = f"<@personId:{bot['id']}|{bot['displayName']}> {text}"
    sent = api.call(person["token"], "POST", "/messages", json=body).json()
    return wait(lambda: bot_replies(api, person, room["id"], sent["id"]), 60, f"reply to {text}")


def connect_org(api: Api, admin: dict) -> None:
    direct = next(r for r in api.state["rooms"]
                  if r["type"] == "direct" and admin["email"] in r["memberEmails"])
    reply = say(api, admin, direct, "/connect org")
    link = LINK.search(" ".join(m.get("markdown") or "" for m in reply)).group(0)
    query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
    resp = requests.post(link.split("?")[0], timeout=30, allow_redirects=False,
                         data={**query, "personId": admin["id"], "decision": "accept"})
    page = requests.get(resp.headers["Location"], timeout=60)
    if page.status_code != 200:
        raise SystemExit(f"bench: /connect org failed: {page.status_code}")


def create_meetings(api: Api, n: int, rng: random.Random) -> dict[str, dict]:
    # The org's people (the sandbox also has a second org, whose meetings are not ours to alert).
    domain = api.state["people"][0]["email"].rpartition("@")[2]
    people = [p for p in api.state["people"] if p["email"].endswith("@" + domain)]
    made: dict[str, dict] = {}
    for i in range(n):
        host = people[i % len(people)]
        others = rng.sample([p for p in people if p is not host], 2)
        profiles = ["good", "good"]
        poor = rng.random() < 0.25
        if poor:
            profiles[0] = rng.choice(POOR_PROFILES)
        parts = [{"email": p["email"], "name": p["displayName"], "profile": pr}
                 for p, pr in zip(others, profiles, strict=True)]
        if rng.random() < 0.3:
            parts.append({"email": f"guest{i}@guest.example.net", "name": f"Guest {i}",
                          "profile": "good"})
        minutes = 1 + (i * 60) // n
        meeting = api.control("POST", "meetings", json={
            "title": f"Bench {i:04d}", "hostEmail": host["email"], "minutes": minutes,
            "participants": parts})
        made[meeting["id"]] = {"end": meeting["end"], "bad_profile": poor, "minutes": minutes}
    return made


# The run ---------------------------------------------------------------------------------------
def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--meetings", type=int, default=2000)
    p.add_argument("--speed", type=float, default=20.0)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--database-url", default="")
    p.add_argument("--queue-url", default="")
    p.add_argument("--role", default="main", help=argparse.SUPPRESS)
    p.add_argument("--args", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.role == "sandbox":
        serve_sandbox(*json.loads(args.args))
        return 0
    if args.role == "worker":
        run_worker(*json.loads(args.args))
        return 0

    work = Path(tempfile.mkdtemp(prefix="alerts-bench-"))
    state_file, stop_file = work / "state.json", work / "stop"
    sb_port, bot_port = free_port(), free_port()
    procs: list[subprocess.Popen] = []
    me = [sys.executable, __file__]
    logs = contextlib.ExitStack()  # the processes' log files, closed at the end
    try:
        procs.append(subprocess.Popen([*me, "--role", "sandbox", "--args",
                                       json.dumps([str(state_file), sb_port])],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait(state_file.exists, 30, "the sandbox")
        state = json.loads(state_file.read_text())
        api = Api(state)
        integration = api.control("GET", "state").get("integration", {})
        from cryptography.fernet import Fernet

        env = {
            **os.environ,
            "WEBEX_BOT_TOKEN": state["bot"]["token"],
            "WEBEX_API_URL": state["api_url"],
            "WEBEX_ANALYTICS_URL": state["analytics_url"],
            "WEBEX_WEBHOOK_SECRET": secrets.token_hex(16),
            "WEBEX_CLIENT_ID": integration.get("client_id", ""),
            "WEBEX_CLIENT_SECRET": integration.get("client_secret", ""),
            "PUBLIC_URL": f"http://127.0.0.1:{bot_port}",
            "DATABASE_URL": args.database_url or f"sqlite:///{work}/bot.db",
            "QUEUE_URL": args.queue_url or f"sqlite:///{work}/queue.db",
            "TOKEN_KEY": Fernet.generate_key().decode(),
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        }
        qb = str(BIN / "quality-bot")
        subprocess.run([qb, "webhooks", "sync"], env=env, check=True, capture_output=True)
        procs.append(subprocess.Popen([qb, "serve", "--no-worker", "--port", str(bot_port)],
                                      env=env, stdout=subprocess.DEVNULL,
                                      stderr=_log(logs, work / "serve.log", "w")))
        wait(lambda: _answers(f"http://127.0.0.1:{bot_port}/healthz"), 60, "the receiver")
        admin = state["people"][0]
        t0_real = time.time()
        t0_sim = datetime.fromisoformat(api.control("GET", "clock")["now"].replace("Z", "+00:00"))
        clock = sim_clock(t0_real, t0_sim, 1.0)  # real speed while setting up
        workers = []
        for n in range(args.workers):
            w = subprocess.Popen([*me, "--role", "worker", "--args", json.dumps(
                [t0_real, t0_sim.isoformat(), 1.0, str(stop_file)])], env=env,
                stdout=subprocess.PIPE, stderr=_log(logs, work / f"worker{n}.log", "w"), text=True)
            workers.append(w)
        connect_org(api, admin)  # the real /connect org; its end creates the org webhook
        room = next(r for r in state["rooms"] if r["title"] == "IT Quality")
        say(api, state["people"][0], room, "/alerts on")
        # Setup done at real speed; now the simulated hour, with workers on the fast clock.
        stop_file.touch()
        for w in workers:
            w.wait(timeout=60)
        stop_file.unlink()
        t0_real, t0_sim = time.time(), clock()
        workers = [subprocess.Popen([*me, "--role", "worker", "--args", json.dumps(
            [t0_real, t0_sim.isoformat(), args.speed, str(stop_file)])], env=env,
            stdout=subprocess.PIPE, stderr=_log(logs, work / f"worker{n}.log", "a"), text=True)
            for n in range(args.workers)]
        fast = sim_clock(t0_real, t0_sim, args.speed)
        api.control("POST", "clock", json={"set": fast().isoformat()})
        made = create_meetings(api, args.meetings, random.Random(7))
        (work / "meetings.json").write_text(json.dumps(made))  # for looking into a run
        created_at = fast()
        end_sim = max(datetime.fromisoformat(m["end"].replace("Z", "+00:00"))
                      for m in made.values()) + timedelta(seconds=900 + 120)
        while fast() < end_sim:
            api.control("POST", "clock", json={"set": fast().isoformat()})
            time.sleep(0.2)
        stop_file.touch()
        rss = []
        for w in workers:
            out, _ = w.communicate(timeout=120)
            rss += [json.loads(line)["peak_rss_mb"] for line in out.splitlines() if "peak" in line]
        report(api, made, state, room, args, rss, created_at, time.time() - t0_real,
               pipeline_states(env["DATABASE_URL"], set(made)))
        print(f"work directory: {work}", file=sys.stderr)
    except Timeout as exc:
        print(exc, "; deliveries:", api.control("GET", "deliveries")["items"][-3:], "work:", work)
        return 1
    finally:
        for proc in procs + locals().get("workers", []):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        logs.close()
    return 0


def pipeline_states(database_url: str, ids: set[str]) -> dict:
    """The bot's own record: every meeting must have reached a final state."""
    from storage.models import AlertMeeting
    from storage.schema import open_database

    open_database(database_url)
    rows = AlertMeeting.select(AlertMeeting.meeting_id, AlertMeeting.status)
    states = {r.meeting_id: r.status for r in rows if r.meeting_id in ids}
    return {"statuses": dict(Counter(states.values())), "never_seen": len(ids - set(states)),
            "alerted": {m for m, st in states.items() if st == "alerted"}}


def report(api, made, state, room, args, rss, created_at, wall, db: dict) -> None:
    bot_id = state["bot"]["id"]
    messages = [e["data"] for e in api.feed("events")
                if e["type"] == "message" and e["data"].get("personId") == bot_id]
    cards: Counter = Counter()
    dms: Counter = Counter()
    latency: list[float] = []
    for m in messages:
        text = m.get("markdown") or ""
        found = re.search(r"/quality (\S+_I_\d+)", text) or re.search(r"meetingId\W+(\S+_I_\d+)",
                                                                    json.dumps(m))
        meeting_id = found.group(1).strip('`"') if found else None
        if meeting_id not in made:
            continue
        if m.get("roomId") == room["id"]:
            cards[meeting_id] += 1
            end = datetime.fromisoformat(made[meeting_id]["end"].replace("Z", "+00:00"))
            at = datetime.fromisoformat(m["created"].replace("Z", "+00:00"))
            latency.append((at - end).total_seconds())
        elif m.get("toPersonEmail") or m.get("roomType") == "direct":
            dms[(meeting_id, m.get("toPersonEmail") or m.get("roomId"))] += 1
    calls = Counter()
    for c in api.feed("calls"):
        if c["path"].endswith("/meeting/qualities"):
            q = c.get("query") or {}
            mid = q.get("meetingId") if isinstance(q, dict) else None
            mid = mid[0] if isinstance(mid, list) else mid
            if mid in made:
                calls[mid] += 1
    # A meeting shorter than ALERT_MIN_POOR_MINUTES + 2 cannot reach the minimum: not expected.
    bad = {m for m, v in made.items() if v["bad_profile"] and v["minutes"] >= 5}
    print(json.dumps({
        "meetings": len(made), "speed": args.speed, "workers": args.workers,
        "database": (args.database_url or "sqlite").split(":")[0],
        "queue": (args.queue_url or "sqlite").split(":")[0],
        "wall_seconds": round(wall, 1),
        "meetings_with_a_poor_profile_and_5_min": len(bad),
        "alerted": len(cards), "doubled_cards": sum(1 for v in cards.values() if v > 1),
        "pipeline_statuses": db["statuses"], "never_seen": db["never_seen"],
        "alerted_without_card": len(db["alerted"] - set(cards)),
        "card_without_alerted": len(set(cards) - db["alerted"]),
        "poor_profile_but_judged_not_poor": len(bad - set(cards)),
        "dms": sum(dms.values()), "doubled_dms": sum(1 for v in dms.values() if v > 1),
        "latency_s_after_end": {
            "min": min(latency, default=None), "median": sorted(latency)[len(latency) // 2]
            if latency else None, "max": max(latency, default=None)},
        "within_delay_plus_60s": sum(1 for x in latency if x <= 900 + 60),
        "qualities_calls": {"meetings_called": len(calls),
                            "exactly_once": sum(1 for v in calls.values() if v == 1),
                            "more_than_once": sum(1 for v in calls.values() if v > 1),
                            "never": len(made) - len(calls)},
        "worker_peak_rss_mb": rss,
    }, indent=1))


def _log(stack: contextlib.ExitStack, path: Path, mode: str):
    return stack.enter_context(open(path, mode))  # closed with the stack


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


if __name__ == "__main__":
    sys.exit(main())
