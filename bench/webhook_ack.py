"""How fast does the bot acknowledge a Webex delivery, against bare Flask and against the fair
baseline (bare Flask plus one durable insert), all under the project's gunicorn.conf.py?

Every server runs for the whole bench; rounds alternate between them (A B C A B C …, at least 5)
and the figures are medians with min–max of the per-round ratios. Two load generators: `wrk`
(C, from Debian; installed when missing and we are root) and a Python keep-alive client. Each
request carries a fresh signed envelope, so every one is a new inbox row.

    .venv/bin/python bench/webhook_ack.py [--seconds 5] [--rounds 5] [--clients 8]
        [--postgres postgresql://…/postgres]   # also PostgreSQL (run it with fsync on)
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from rounds import alternate, free_port, ratios, spread, table  # noqa: E402

SECRET = "bench-secret"
WRK_SCRIPT = """
local n_threads = 0
function setup(thread) thread:set("first", n_threads); n_threads = n_threads + 1 end
function init(args)
  stride = tonumber(args[2]); counter = first; sigs = {}; bodies = {}
  for line in io.lines(args[1]) do
    local space = line:find(" ")
    sigs[#sigs + 1] = line:sub(1, space - 1); bodies[#bodies + 1] = line:sub(space + 1)
  end
end
function request()
  counter = counter + stride
  local i = counter % #bodies + 1
  return wrk.format("POST", "/webhooks/webex",
    {["X-Spark-Signature"] = sigs[i], ["Content-Type"] = "application/json"}, bodies[i])
end
"""


def signed() -> tuple[bytes, str]:
    envelope = {
        "id": "wh",
        "resource": "messages",
        "event": "created",
        "data": {"id": uuid.uuid4().hex, "roomId": "r", "personId": "p",
                 "personEmail": "p@example.com", "roomType": "direct"},
    }
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return body, hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()


def python_load(port: int, seconds: float, clients: int) -> float:
    done = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        count = 0
        while time.monotonic() < stop_at:
            body, sig = signed()
            conn.request("POST", "/webhooks/webex", body=body,
                         headers={"X-Spark-Signature": sig, "Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            count += resp.status == 200
        with lock:
            done[0] += count

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - began)


def wrk_load(port: int, seconds: float, clients: int, tmp: Path) -> float:
    bodies = tmp / f"bodies-{uuid.uuid4().hex[:8]}.txt"
    with bodies.open("w") as f:
        for _ in range(int(8000 * seconds)):  # more than any run can send: no repeats
            body, sig = signed()
            f.write(f"{sig} {body.decode()}\n")
    script = tmp / "signed.lua"
    script.write_text(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds:g}s", "-s", str(script),
         f"http://127.0.0.1:{port}", "--", str(bodies), "2"],
        capture_output=True, text=True, check=True,
    ).stdout
    bodies.unlink()
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors on port {port}:\n{out}")
    return float(next(ln.split()[1] for ln in out.splitlines() if ln.startswith("Requests/sec")))


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not shutil.which("wrk"):
        raise SystemExit("bench needs wrk: apt-get install wrk")


def serve(target: str, port: int, env: dict[str, str], cwd: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), target,
         "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}", **env, "PORT": str(port)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{target} did not start on port {port}")


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a gunicorn master and its workers so far."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for each in [pid, *map(int, children)]:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")




def fresh_pg_database(admin_url: str) -> str:
    import psycopg2

    name = f"qb_bench_{uuid.uuid4().hex[:10]}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    conn.cursor().execute(f"CREATE DATABASE {name}")
    conn.close()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def servers(tmp: Path, postgres: str | None) -> list[tuple[str, str, dict[str, str]]]:
    bot = {"WEBEX_BOT_TOKEN": "bench", "WEBEX_WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING"}
    out = [
        ("bare Flask", "bare_app:app", {}),
        ("bare + SQLite insert", "bare_app:durable",
         {"BARE_DATABASE_URL": f"sqlite:///{tmp}/bare.db"}),
        ("quality-bot SQLite", "bot.wsgi:app",
         {**bot, "DATABASE_URL": f"sqlite:///{tmp}/bot.db", "QUEUE_URL": f"sqlite:///{tmp}/q.db"}),
    ]
    if postgres:
        out += [
            ("bare + PG insert", "bare_app:durable",
             {"BARE_DATABASE_URL": fresh_pg_database(postgres)}),
            ("quality-bot PG", "bot.wsgi:app",
             {**bot, "DATABASE_URL": fresh_pg_database(postgres),
              "QUEUE_URL": fresh_pg_database(postgres)}),
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgres", default=os.environ.get("QB_BENCH_POSTGRES_URL"),
                        help="admin URL of a PostgreSQL server (fsync on) to bench too")
    parser.add_argument("--generators", default="wrk,python")
    args = parser.parse_args()
    generators = args.generators.split(",")
    if "wrk" in generators:
        ensure_wrk()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        procs, ports = [], {}
        try:
            for name, target, env in servers(tmp, args.postgres):
                ports[name] = free_port()
                procs.append(serve(target, ports[name], env, tmp))
            pids = {name: proc.pid for name, proc in zip(ports, procs, strict=True)}
            for gen in generators:
                cpu: dict[str, list[float]] = {name: [] for name in ports}

                def run(name: str, gen: str = gen, cpu: dict = cpu) -> float:
                    before = server_cpu(pids[name])
                    if gen == "wrk":
                        rate = wrk_load(ports[name], args.seconds, args.clients, tmp)
                    else:
                        rate = python_load(ports[name], args.seconds, args.clients)
                    used = server_cpu(pids[name]) - before
                    cpu[name].append(used / (rate * args.seconds) * 1e6)
                    return rate

                for name in ports:
                    run(name)  # warm-up: imports, first connections, SQLite pages
                for figures in cpu.values():
                    figures.clear()
                results = alternate(
                    [(name, lambda n=name: run(n)) for name in ports], args.rounds
                )
                print(f"\n== load generator: {gen}; {args.clients} keep-alive connections, "
                      f"{args.seconds:g} s a run, {len(results['bare Flask'])} alternating rounds; "
                      "gunicorn with gunicorn.conf.py; loopback")
                print(table(results, "req/s"))
                print(table(cpu, "server CPU µs per request (gunicorn master + workers)"))
                for ours, base in (("quality-bot SQLite", "bare Flask"),
                                   ("quality-bot SQLite", "bare + SQLite insert"),
                                   ("quality-bot PG", "bare Flask"),
                                   ("quality-bot PG", "bare + PG insert")):
                    if ours in results and base in results:
                        r = ratios(results[ours], results[base])
                        print(f"{ours} / {base}: {spread(r)}  (median (min–max) of rounds)")
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(10)
    print(f"\nin-process ack p99 (Flask test client, no network): {in_process_p99():.2f} ms")


def in_process_p99(n: int = 2000) -> float:
    """The latency of one acknowledgement inside the process (no network), p99 in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.update({"WEBEX_BOT_TOKEN": "bench", "WEBEX_WEBHOOK_SECRET": SECRET,
                           "DATABASE_URL": f"sqlite:///{tmp}/b.db",
                           "QUEUE_URL": f"sqlite:///{tmp}/q.db", "LOG_LEVEL": "WARNING"})
        from bot.app import create_app

        client = create_app().test_client()
        times = []
        for _ in range(n):
            body, sig = signed()
            start = time.perf_counter()
            assert client.post("/webhooks/webex", data=body,
                               headers={"X-Spark-Signature": sig}).status_code == 200
            times.append(time.perf_counter() - start)
        times.sort()
        return times[int(0.99 * len(times))] * 1000


if __name__ == "__main__":
    main()
