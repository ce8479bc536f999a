"""Issue 10 item 11: the bot's OAuth pages send security headers, and the development server's
request log never carries the OAuth state (nor the code)."""

from __future__ import annotations

import io
import logging
import threading

import pytest
import requests
from werkzeug.serving import make_server

from bot.logs import RedactingFilter, setup_logging

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?code=abc",
        "?code=abc&state=unknown-state",
        "?error=access_denied&state=s1",
        "?error=x&error_description=%3Cscript%3E",
    ],
)
def test_every_oauth_page_sends_the_security_headers(client, query):
    resp = client.get(f"/oauth/callback{query}")
    assert resp.content_type.startswith("text/html")
    for name, value in EXPECTED.items():
        assert resp.headers[name] == value
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert "<script>" not in resp.get_data(as_text=True)


def test_the_dev_server_request_line_keeps_no_state_or_code(app, webex_api):
    """Through the real logging set-up of `quality-bot serve`: werkzeug's request line goes
    to the root handler, whose filter must drop the callback's query."""
    webex_api.add_passthru("http://127.0.0.1")
    setup_logging("INFO")
    [handler] = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RedactingFilter) for f in h.filters)
    ]
    seen = io.StringIO()
    old = handler.setStream(seen)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/oauth/callback"
        requests.get(url, params={"code": "the-code-42", "state": "the-state-4242"}, timeout=5)
    finally:
        server.shutdown()
        thread.join()
        handler.setStream(old)
    request_lines = [line for line in seen.getvalue().splitlines() if "/oauth/callback" in line]
    assert request_lines, seen.getvalue()
    assert not any("the-state-4242" in line or "the-code-42" in line for line in request_lines)
