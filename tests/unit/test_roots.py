"""The process roots: the web process loads no handler and no chart code; the worker's
command set holds every handler module."""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import handlers

HEAVY = ["matplotlib", "numpy", "handlers", "bot.dispatch", "bot.worker", "bot.quality"]


def test_web_process_loads_no_handler_nor_charts(tmp_path):
    env = {
        **os.environ,
        "WEBEX_BOT_TOKEN": "bot-token",
        "WEBEX_WEBHOOK_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db",
        "QUEUE_URL": f"sqlite:///{tmp_path}/queue.db",
    }
    probe = (
        "import json, sys; import bot.wsgi; "
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_every_handler_module_contributes_its_commands():
    declared = {cmd.func.__module__ for cmd in handlers.commands.commands.values()}
    modules = {f"handlers.{m.name}" for m in pkgutil.iter_modules(handlers.__path__)}
    assert modules == declared  # a new module must be listed in handlers/__init__.py


def test_no_module_is_over_400_lines():
    root = Path(__file__).resolve().parents[2]
    long = {
        str(path.relative_to(root)): n
        for package in ("bot", "handlers", "storage", "sandbox")
        for path in (root / package).rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}  # split the module into a package (see bot/accounts/)
