"""Fixtures for tests that need a live Webex sandbox (fidelity and end-to-end tests).

Use from any conftest with `from tests.conftest_sandbox import receiver, sandbox  # noqa: F401`
(or list `"tests.conftest_sandbox"` in the root conftest's `pytest_plugins`).

- `sandbox`: a fresh seeded sandbox on a loopback port, fast webhook retries; `.state` is the
  contract's state file content, `.world` the live state, `.admin(path)` calls `/_sandbox`.
- `receiver`: a webhook target on a loopback port recording every request; set `.status` to make
  it fail.
- `wait_until(predicate)`: bounded polling instead of blind sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sandbox.server import SandboxHandle, start_in_thread
from tests.polling import wait_for as wait_until

__all__ = ["wait_until"]



@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A tiny webhook target. `url` is its base; any path is accepted."""

    url: str = ""
    status: int = 200
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        req = Request(environ)
        with self.lock:
            self.requests.append(Received(req.path, dict(req.headers), req.get_data()))
            status = self.status
        return Response("ok", status=status)(environ, start_response)

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)


class Sandbox:
    """A running sandbox plus shortcuts used all over the tests."""

    def __init__(self, handle: SandboxHandle) -> None:
        self.handle = handle
        self.world = handle.world
        self.state = handle.state
        self.url, self.api_url = handle.url, handle.api_url
        self.analytics_url = handle.analytics_url
        self.bot = handle.state["bot"]
        self.admin_person = next(p for p in handle.state["people"] if p["admin"])
        self.user = next(p for p in handle.state["people"] if not p["admin"])
        self.group = next(r for r in handle.state["rooms"] if r["type"] == "group")

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = requests.request(method, f"{self.url}/_sandbox/{path}", timeout=10, **kwargs)
        resp.raise_for_status()
        return resp.json()

    def call(self, method: str, path: str, token: str, base: str | None = None,
             **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        return requests.request(method, f"{base or self.api_url}/{path.lstrip('/')}",
                                headers=headers, timeout=10, **kwargs)

    def direct_room(self, email: str) -> dict[str, Any]:
        return next(r for r in self.state["rooms"]
                    if r["type"] == "direct" and email in r["memberEmails"])

    def advance(self, seconds: float) -> None:
        self.admin("POST", "clock", json={"advance": seconds})


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    handle = start_in_thread(seed=1, port=0, delivery_backoff=0.01, delivery_timeout=2.0)
    try:
        yield Sandbox(handle)
    finally:
        handle.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    server = make_server("127.0.0.1", 0, target.wsgi, threaded=True)
    target.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
