"""The sandbox Flask app: the Webex API at `/v1`, analytics at `/analytics/v1`, controls at
`/_sandbox`, and the chat page (sandbox/static, by its own author) at `/`."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, Response, g, request, send_from_directory
from werkzeug.exceptions import HTTPException

from sandbox import (
    admin,
    api_core,
    api_directory,
    api_events,
    api_manage,
    api_meetings,
    api_oauth,
    api_teams,
    api_webhooks,
    live_meetings,
)
from sandbox.deliveries import Deliverer
from sandbox.http import ApiFault, error_response, tracking_id
from sandbox.seed import seed_world
from sandbox.world import World

log = logging.getLogger("sandbox")
STATIC = Path(__file__).parent / "static"
API_PREFIXES = ("/v1/", "/analytics/v1/")
PLACEHOLDER = "<!doctype html><title>Webex Sandbox</title><p>The chat page is not installed."


def create_app(world: World | None = None, *, seed: int = 1) -> Flask:
    """Build the app around `world` (a freshly seeded one when not given) and start deliveries."""
    if world is None:
        world = World(seed=seed)
    if not world.people:
        seed_world(world)
    if world.deliverer is None:
        world.deliverer = Deliverer(world)
    if world.ticker is None:
        world.ticker = live_meetings.Ticker(world)

    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config["WORLD"] = world
    app.config["MAX_CONTENT_LENGTH"] = 100 * 1024 * 1024  # Webex's file size limit
    app.json.sort_keys = False  # keep Webex's field order; easier to read in logs
    # Webex answers `/v1/people/?id=…` like `/v1/people?id=…` (the JS SDK adds the slash):
    # rules added from here on match with or without it, and never redirect.
    app.url_map.strict_slashes = False
    for bp in (api_core.bp, api_manage.bp, api_teams.bp, api_directory.bp, api_events.bp,
               api_webhooks.bp, api_oauth.bp, api_meetings.bp):
        app.register_blueprint(bp, url_prefix="/v1")
    app.register_blueprint(api_meetings.analytics, url_prefix="/analytics/v1")
    app.register_blueprint(admin.bp, url_prefix="/_sandbox")
    app.register_blueprint(live_meetings.bp, url_prefix="/_sandbox")

    @app.before_request
    def inject_failure():
        if not world.base_url:
            world.base_url = request.host_url.rstrip("/")
        if not request.path.startswith(API_PREFIXES):
            return None
        with world.lock:
            auth = request.headers.get("Authorization", "")
            token = world.tokens.get(auth.removeprefix("Bearer ").strip())
            by_bot = token is not None and token.person_id == world.bot_id
            for f in world.failures:
                if f.bot_only and not by_bot:
                    continue
                if request.path.startswith(f.path_prefix) and f.method in (None, request.method):
                    f.count -= 1
                    if f.count <= 0:
                        world.failures.remove(f)
                    if f.after or f.delay:
                        g.fail_after = f  # act first; the answer is spoiled in after_request
                        return None
                    return error_response(f.status, "Injected failure (sandbox).", f.retry_after)
        return None

    @app.after_request
    def track(resp: Response) -> Response:
        resp.headers["trackingid"] = tracking_id()
        if request.path.startswith(API_PREFIXES):
            who = g.get("caller_id")
            with world.lock:
                world.calls.append({
                    "index": len(world.calls), "method": request.method, "path": request.path,
                    "query": request.args.to_dict(), "status": resp.status_code,
                    "as": "bot" if who == world.bot_id else who,
                })
                world.changed.notify_all()
            # The chat page polls GET /messages every second: log what is worth reading.
            if request.method != "GET" or resp.status_code >= 400 or who == world.bot_id:
                log.info("%s %s -> %s as %s", request.method, request.full_path.rstrip("?"),
                         resp.status_code, "bot" if who == world.bot_id else who or "-")
        return resp

    # Registered after `track`, so it runs before it (Flask runs these in reverse) and the
    # call log records the answer the client really got.
    @app.after_request
    def spoil_answer(resp: Response) -> Response:
        f = g.pop("fail_after", None)
        if f is None:
            return resp
        if f.delay:
            time.sleep(f.delay)  # outside the world lock: the rest of the sandbox runs on
        if f.status:
            return error_response(f.status, "Injected failure after acting (sandbox).",
                                  f.retry_after)
        return resp

    @app.errorhandler(ApiFault)
    def api_fault(exc: ApiFault):
        return error_response(exc.status, exc.message, exc.retry_after)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith(API_PREFIXES):
            return error_response(exc.code or 500, exc.description or exc.name)
        return exc

    @app.get("/")
    def chat_page():
        if (STATIC / "index.html").exists():
            resp = send_from_directory(STATIC, "index.html")
        else:
            resp = Response(PLACEHOLDER, content_type="text/html; charset=utf-8")
        # People's tokens live in this page: never framed, sniffed, cached or leaked by referrer.
        resp.headers["Content-Security-Policy"] = (
            "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    return app
