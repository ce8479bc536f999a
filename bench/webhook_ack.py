"""How fast does the bot acknowledge a Webex delivery, against a bare Flask route?

Both run under gunicorn with the project's gunicorn.conf.py, on loopback, with the same load
generator; ours verifies the signature, stores the event and enqueues it. Also measures the
in-process latency of one acknowledgement (Flask test client), which excludes the network.

    .venv/bin/python bench/webhook_ack.py [--seconds 5] [--clients 8]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"


def body_and_signature() -> tuple[bytes, str]:
    envelope = {
        "id": "wh",
        "resource": "messages",
        "event": "created",
        "data": {
            "id": uuid.uuid4().hex,
            "roomId": "r",
            "personId": "p",
            "personEmail": "p@example.com",
            "roomType": "direct",
        },
    }
    body = json.dumps(envelope).encode()
    return body, hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def load(port: int, seconds: float, clients: int) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop_at:
            body, sig = body_and_signature()
            start = time.perf_counter()
            conn.request(
                "POST",
                "/webhooks/webex",
                body=body,
                headers={"X-Spark-Signature": sig, "Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            resp.read()
            mine.append(time.perf_counter() - start)
            if resp.status != 200:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.monotonic() - began), latencies, errors[0]


def serve(target: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            target,
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env, "PORT": str(port)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def in_process(tmp: str, n: int = 2000) -> tuple[list[float], list[float]]:
    from bot.app import create_app
    from bot.config import Config
    from bot.runtime import build_runtime

    sys.path.insert(0, str(ROOT / "bench"))
    import bare_app

    config = Config(
        webex_bot_token="bench",
        webex_webhook_secret=SECRET,
        database_url=f"sqlite:///{tmp}/inproc.db",
        queue_url=f"sqlite:///{tmp}/inq.db",
    )
    ours = create_app(runtime=build_runtime(config)).test_client()
    bare = bare_app.app.test_client()
    results = []
    for client in (bare, ours):
        times = []
        for _ in range(n):
            body, sig = body_and_signature()
            start = time.perf_counter()
            resp = client.post("/webhooks/webex", data=body, headers={"X-Spark-Signature": sig})
            times.append(time.perf_counter() - start)
            assert resp.status_code == 200
        results.append(times)
    return results[0], results[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--also-database-url",
        default=os.environ.get("QB_BENCH_DATABASE_URL"),
        help="also measure with this DATABASE_URL (e.g. postgresql://...)",
    )
    parser.add_argument(
        "--also-queue-url",
        default=os.environ.get("QB_BENCH_QUEUE_URL"),
        help="... and this QUEUE_URL (e.g. redis://...)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "WEBEX_BOT_TOKEN": "bench",
            "WEBEX_WEBHOOK_SECRET": SECRET,
            "DATABASE_URL": f"sqlite:///{tmp}/bot.db",
            "QUEUE_URL": f"sqlite:///{tmp}/queue.db",
            "LOG_LEVEL": "WARNING",
        }
        rows = []
        servers = [
            ("bare Flask", "bare_app:app", 18091, {"PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}),
            ("quality-bot", "bot.wsgi:app", 18092, {}),
        ]
        if args.also_database_url and args.also_queue_url:
            scaled = {"DATABASE_URL": args.also_database_url, "QUEUE_URL": args.also_queue_url}
            servers.append(("quality-bot PG+Redis", "bot.wsgi:app", 18093, scaled))
        for name, target, port, extra in servers:
            proc = serve(target, port, {**env, **extra})
            try:
                load(port, 1.0, args.clients)  # warm-up
                rps, lat, errors = load(port, args.seconds, args.clients)
            finally:
                proc.terminate()
                proc.wait(10)
            rows.append((name, rps, pct(lat, 0.5), pct(lat, 0.99), errors))
        bare_times, our_times = in_process(tmp)

    print(
        f"gunicorn (gthread, config from gunicorn.conf.py), {args.clients} keep-alive clients, "
        f"{args.seconds:.0f} s, loopback"
    )
    print(f"{'server':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, rps, p50, p99, errors in rows:
        print(f"{name:<22}{rps:>10.0f}{p50:>10.2f}{p99:>10.2f}{errors:>8}")
    ratio = rows[1][1] / rows[0][1]
    print(f"throughput ratio quality-bot / bare Flask: {ratio:.2f} (goal >= 0.80)")
    print("\nin-process (Flask test client, no network), 2000 deliveries")
    for name, times in (("bare Flask", bare_times), ("quality-bot", our_times)):
        print(
            f"{name:<14} p50 {pct(times, 0.5):.2f} ms   p99 {pct(times, 0.99):.2f} ms"
            f"   mean {statistics.mean(times) * 1000:.2f} ms"
        )
    print(f"quality-bot in-process p99 ack: {pct(our_times, 0.99):.2f} ms (goal <= 2 ms)")


if __name__ == "__main__":
    main()
