"""`quality-bot demo`: the sandbox, the bot and a worker as three processes, wired together.

The processes are the same ones production runs (only the Webex behind them is local), so the
demo shows the real thing: signed webhooks, the queue, OAuth and the analytics rate limit.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import cast

import requests
from cryptography.fernet import Fernet

from bot.config import read_dotenv
from storage.files import private_dir, write_private

DATA = Path("data")
DEMO = DATA / "demo"
ENV_FILE = DATA / "demo.env"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait(check, timeout: float, what: str, procs: list[subprocess.Popen]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                argv = cast(list, proc.args)  # always a list here: see the Popen calls below
                raise SystemExit(
                    f"quality-bot demo: {what} failed: a process exited ({argv[2:4]}); "
                    f"its log is in {DEMO}/"
                )
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise SystemExit(f"quality-bot demo: timed out waiting for {what}")


def _secrets() -> dict[str, str]:
    """Kept across runs in data/demo.env so stored tokens stay readable."""
    kept = read_dotenv(ENV_FILE)
    return {
        "WEBEX_WEBHOOK_SECRET": kept.get("WEBEX_WEBHOOK_SECRET") or secrets.token_hex(24),
        "TOKEN_KEY": kept.get("TOKEN_KEY") or Fernet.generate_key().decode(),
    }


def _healthy(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _alert_env(state: dict) -> dict[str, str]:
    """Part II in the demo: the seeded meeting that ends a minute after start is alerted within
    two minutes, so alerts wait 30 s instead of 15 min and the safety-net poll runs often."""
    admin = next((p for p in state["people"] if p.get("admin")), state["people"][0])
    return {"ALERT_DELAY": "30", "ALERT_POLL_INTERVAL": "30", "QUALITY_ADMINS": admin["email"]}


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _try_it(state: dict, admin: dict, org_connected: bool, alerts_on: str) -> str:
    """The banner's numbered steps, true for what start-up managed to set up."""
    other = next((p for p in state["people"] if not p.get("admin")), admin)
    if org_connected:
        steps = [
            f"In 'You are' pick {other['displayName']} (not an admin), open the 1:1 space\n"
            "     'Quality Bot', type /meetings and press 'Show quality': no /connect needed,\n"
            "     the org is connected by the sandbox's Service App. /status says so.",
            f"As {admin['displayName']} (an admin) the card names everyone; /connect org would\n"
            "     connect the org with an admin grant instead.",
        ]
    else:
        steps = [
            f"As {admin['displayName']} (an admin), open the 1:1 space 'Quality Bot', type\n"
            "     /connect org and accept; then anyone can type /meetings and press\n"
            "     'Show quality'.",
        ]
    steps.append(alerts_on)
    steps.append("In a group space ('Team Quality'), mention the bot first: @Quality Bot /help")
    return "\n".join(f"  {n}. {step}" for n, step in enumerate(steps, 1))


def _connect_org(env: dict[str, str], state: dict) -> bool:
    """Connect the sandbox org with its seeded Service App (tokens on stdin, as an operator
    would), so anyone in it is served at once. Returns whether it is connected."""
    app = state.get("serviceApp") or {}
    if not app.get("accessToken"):
        return False
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "org", "service-app"],
            input=f"{app['accessToken']}\n{app['refreshToken']}\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.SubprocessError:
        return False
    return done.returncode == 0


def _enable_alerts(state: dict, env: dict[str, str], admin: dict) -> str:
    """Once the org is connected: make Webex hold the org's meetings/ended webhook and turn
    alerts on in "IT Quality" (by a message, as its admin would), so the seeded poor meeting
    that ends a minute after start is alerted without anyone typing. Returns a line for the
    banner; a step that fails is said, never fatal: the rest of the demo works without it."""
    room = next((r for r in state["rooms"] if r["title"] == "IT Quality"), None)
    manual = "Alerts: once the org is connected, type /alerts on in a space as the admin."
    try:
        status = _cli(env, "org", "status")
        if room is None or status.returncode or not re.search(r"oauth|service-app", status.stdout):
            return manual
        _cli(env, "webhooks", "sync")
        bot = state["bot"]
        requests.post(
            f"{state['api_url']}/messages",
            json={
                "roomId": room["id"],
                "markdown": f"<@personId:{bot['id']}|{bot['displayName']}> /alerts on",
            },
            headers={"Authorization": f"Bearer {admin['token']}"},
            timeout=10,
        ).raise_for_status()
    except (requests.RequestException, subprocess.SubprocessError) as exc:
        return f"Alerts: automatic set-up stopped ({type(exc).__name__}). {manual}"
    # The story's Wi-Fi sufferer is its second person (sandbox.story, not imported: layers).
    sufferer = state["people"][1]["displayName"] if len(state["people"]) > 1 else "someone"
    return (
        f"Within two minutes of start, as {admin['displayName']}, watch 'IT Quality' (it has\n"
        f"     /alerts on): a seeded 'Weekly Sync' ends with {sufferer} on poor Wi-Fi and its\n"
        f"     alert card arrives; {sufferer}'s own 1:1 space gets a tip."
    )


def run_demo(port: int = 8080, sandbox_port: int = 8900) -> int:
    for p, flag in ((port, "--port"), (sandbox_port, "--sandbox-port")):
        if not _port_free(p):
            raise SystemExit(
                f"quality-bot demo: port {p} is taken; choose another with {flag} "
                f'(make demo ARGS="{flag} {p + 1}")'
            )
    # The sandbox starts with a fresh world each run, so the bot's data must start fresh too.
    shutil.rmtree(DEMO, ignore_errors=True)
    private_dir(DEMO)
    state_file = DEMO / "sandbox.json"
    py = sys.executable
    procs: list[subprocess.Popen] = []

    def stop(*_args) -> None:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # Each process logs to its own file, so the terminal keeps the chat URL in view.
    logs = {name: DEMO / f"{name}.log" for name in ("sandbox", "bot", "worker")}

    def start(name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        with logs[name].open("ab") as log:
            procs.append(
                subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
            )

    print("quality-bot demo: starting the sandbox, the bot and a worker…", flush=True)
    try:
        start(
            "sandbox",
            [py, "-m", "sandbox", "--port", str(sandbox_port), "--state-file", str(state_file)],
        )
        _wait(state_file.exists, 30, "the sandbox", procs)
        state = json.loads(state_file.read_text())
        env_values = {
            "WEBEX_BOT_TOKEN": state["bot"]["token"],
            "WEBEX_API_URL": state["api_url"],
            "WEBEX_ANALYTICS_URL": state["analytics_url"],
            "WEBEX_CLIENT_ID": state.get("integration", {}).get("client_id", ""),
            "WEBEX_CLIENT_SECRET": state.get("integration", {}).get("client_secret", ""),
            "WEBEX_SERVICE_APP_CLIENT_ID": state.get("serviceApp", {}).get("clientId", ""),
            "WEBEX_SERVICE_APP_CLIENT_SECRET": state.get("serviceApp", {}).get("clientSecret", ""),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": f"sqlite:///{DEMO}/quality-bot.db",
            "QUEUE_URL": f"sqlite:///{DEMO}/queue.db",
            **_alert_env(state),
            **_secrets(),
        }
        # Secrets: 0600 from the first byte, replaced atomically (never briefly 0644).
        write_private(ENV_FILE, "".join(f"{k}={v}\n" for k, v in env_values.items()))
        env = {**os.environ, **env_values}
        start(
            "bot",
            [py, "-m", "bot.cli", "serve", "--port", str(port), "--no-worker", "--sync-webhooks"],
            env,
        )
        start("worker", [py, "-m", "bot.cli", "worker", "--workers", "2"], env)
        _wait(lambda: _healthy(f"http://127.0.0.1:{port}/healthz"), 60, "the bot", procs)
        admin = next((p for p in state["people"] if p.get("admin")), state["people"][0])
        org_connected = _connect_org(env, state)
        alerts_line = _enable_alerts(state, env, admin)
        print(
            "\n"
            f"  quality-bot demo is running.\n\n"
            f"  Chat page:  {state['chat_url']}\n"
            f"  Bot:        http://127.0.0.1:{port}  (health: /healthz)\n"
            f"  Settings:   {ENV_FILE} (source it to run other quality-bot commands)\n"
            f"  Logs:       {DEMO}/{{sandbox,bot,worker}}.log\n\n"
            f"  Try it:\n{_try_it(state, admin, org_connected, alerts_line)}\n\n"
            f"  Ctrl-C stops everything.  Chat page: {state['chat_url']}\n",
            flush=True,
        )
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        print(
            f"quality-bot demo: a process exited (see its log in {DEMO}/); stopping the others",
            file=sys.stderr,
        )
        stop()
    except SystemExit:
        stop()
    return 0
