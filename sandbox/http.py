"""HTTP plumbing shared by the API blueprints: Webex-shaped errors, auth, Link pagination."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue

from sandbox.world import Person, Token, World, parse_iso

NO_TOKEN = "The request requires a valid access token set in the Authorization request header."


class ApiFault(Exception):
    """Raised anywhere inside a request to answer a Webex-shaped error."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


def tracking_id() -> str:
    if "tracking_id" not in g:
        g.tracking_id = f"ROUTER_{uuid.uuid4()}".upper()
    return g.tracking_id


def error_response(status: int, message: str, retry_after: float | None = None):
    body = {"message": message, "errors": [{"description": message}], "trackingId": tracking_id()}
    resp = jsonify(body)
    resp.status_code = status
    if retry_after is not None:
        resp.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return resp


def loopback_only() -> None:
    """`before_request` of the `/_sandbox` control blueprints: callers on this machine only."""
    if not (request.remote_addr or "").startswith(("127.", "::1", "::ffff:127.")):
        abort(403)


def world() -> World:
    return current_app.config["WORLD"]


def bearer() -> Token:
    """The caller's token, or a 401 exactly like Webex for missing/unknown/expired ones."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    w = world()
    token = w.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
    if token is None or (token.expires_at is not None and token.expires_at <= w.now()):
        raise ApiFault(401, NO_TOKEN)
    g.caller_id = token.person_id
    return token


def caller() -> Person:
    return world().people[bearer().person_id]


def json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiFault(400, "The request body must be a JSON object.")
    return body


def int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiFault(400, f"Invalid '{name}' parameter: {raw!r}") from None
    if not low <= value <= high:
        raise ApiFault(400, f"'{name}' must be between {low} and {high}.")
    return value


def time_arg(name: str, zone: tzinfo = UTC) -> datetime | None:
    """An optional ISO 8601 query parameter (naive times in `zone`); a 400 when malformed."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return parse_iso(raw, zone)
    except ValueError:
        raise ApiFault(400, f"Invalid '{name}': expected an ISO 8601 time.") from None


def next_link(**overrides: Any) -> str:
    """An absolute URL for the next page: this request's query with `overrides` applied."""
    params = {k: v for k, v in request.args.items() if k not in overrides}
    params.update({k: str(v) for k, v in overrides.items() if v is not None})
    return f'<{request.base_url}?{urlencode(params)}>; rel="next"'


def paged(items: list[Any], default_max: int = 100, cap: int = 1000) -> ResponseReturnValue:
    """Offset pagination with a `Link: <...>; rel="next"` header, as Webex list endpoints do."""
    size = int_arg("max", default_max, 1, cap)
    offset = int_arg("offset", 0, 0, 10**9)
    page = items[offset:offset + size]
    resp = jsonify({"items": page})
    if offset + size < len(items):
        resp.headers["Link"] = next_link(offset=offset + size, max=size)
    return resp
