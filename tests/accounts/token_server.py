"""A real HTTP token URL on loopback, for workers in other processes: rotates refresh tokens,
answers invalid_grant to a spent one, and counts refresh grants."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class TokenServer:
    delay: float
    api_url: str = ""
    refresh_tokens: dict[str, str] = field(default_factory=dict)
    refresh_grants: int = 0
    client_ids: list[str] = field(default_factory=list)  # who asked, per grant
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, person_id: str) -> tuple[str, str]:
        access, refresh = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
        self.refresh_tokens[refresh] = person_id
        return access, refresh

    def __call__(self, environ, start_response):
        request = Request(environ)
        form = request.form
        with self.lock:
            self.refresh_grants += form.get("grant_type") == "refresh_token"
            self.client_ids.append(form.get("client_id", ""))
            person = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
        time.sleep(self.delay)  # a slow Webex: the other worker has time to try too
        if request.path != "/v1/access_token" or person is None:
            body, status = {"error": "invalid_grant"}, 400
        else:
            access, refresh = self.issue(person)
            body, status = {"access_token": access, "expires_in": 1209600,
                            "refresh_token": refresh, "refresh_token_expires_in": 7776000}, 200
        return Response(json.dumps(body), status=status,
                        content_type="application/json")(environ, start_response)


@contextmanager
def serve_token_url(delay: float = 0.0) -> Iterator[TokenServer]:
    server_app = TokenServer(delay)
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    server_app.api_url = f"http://127.0.0.1:{server.server_port}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_app
    finally:
        server.shutdown()
        server.server_close()
