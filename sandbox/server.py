"""Running the sandbox: in the foreground (`python -m sandbox`) or on a thread for tests."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from sandbox.admin import state
from sandbox.app import create_app
from sandbox.world import World

log = logging.getLogger("sandbox")


def write_state(path: str | Path, data: dict[str, Any]) -> None:
    """Atomic: readers polling for the file never see half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _serve(host: str, port: int, world: World) -> BaseWSGIServer:
    app = create_app(world)
    server = make_server(host, port, app, threaded=True)
    shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    world.base_url = f"http://{shown}:{server.server_port}"
    return server


@dataclass
class SandboxHandle:
    url: str
    api_url: str
    analytics_url: str
    state: dict[str, Any]
    world: World
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        if self.world.ticker is not None:
            self.world.ticker.stop()
        if self.world.deliverer is not None:
            self.world.deliverer.stop()


def start_in_thread(seed: int = 1, port: int = 0, host: str = "127.0.0.1",
                    state_file: str | Path | None = None, **world_kwargs: Any) -> SandboxHandle:
    """Start a fresh sandbox on a daemon thread; `world_kwargs` go to `World` (e.g. access_ttl)."""
    world = World(seed=seed, **world_kwargs)
    server = _serve(host, port, world)
    data = state(world)
    if state_file:
        write_state(state_file, data)
    # A short poll keeps stop() fast: shutdown() waits for the loop to notice.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="sandbox-http", daemon=True)
    thread.start()
    return SandboxHandle(world.base_url, data["api_url"], data["analytics_url"], data, world,
                         server, thread)


def run(host: str = "127.0.0.1", port: int = 8900, seed: int = 1,
        state_file: str | None = None) -> None:
    """Serve in the foreground until SIGINT/SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per chat-page poll is noise
    world = World(seed=seed)
    server = _serve(host, port, world)
    if state_file:
        write_state(state_file, state(world))

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(f"Webex sandbox: API {world.base_url}/v1 · analytics {world.base_url}/analytics/v1 · "
          f"chat {world.base_url}/", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()
        if world.ticker is not None:
            world.ticker.stop()
        if world.deliverer is not None:
            world.deliverer.stop()
