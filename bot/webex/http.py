"""The transport to Webex: one pooled session, timeouts on every call, typed errors, one retry
policy (429 Retry-After, 5xx backoff, never repeating a POST Webex may have acted on), and
`Link` pagination."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NewConnectionError

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = (3.05, 20)  # connect, read: every call has both


class WebexError(Exception):
    def __init__(self, status: int, message: str, tracking_id: str = "") -> None:
        super().__init__(f"Webex answered {status}: {message}" if status else message)
        self.status = status
        self.message = message
        self.tracking_id = tracking_id


class Unauthorized(WebexError):
    pass


class Forbidden(WebexError):
    pass


class NotFound(WebexError):
    pass


class RateLimited(WebexError):
    def __init__(self, status: int, message: str, tracking_id: str = "", retry_after: float = 1):
        super().__init__(status, message, tracking_id)
        self.retry_after = retry_after


class Unavailable(WebexError):
    """5xx or no connection. `retryable` is False when Webex may have acted already (a POST
    that timed out while reading the answer): sending it again could post a reply twice or
    spend a rotated refresh token twice."""

    def __init__(self, status: int, message: str, tracking_id: str = "", retryable: bool = True):
        super().__init__(status, message, tracking_id)
        self.retryable = retryable


def unavailable(status: int, message: str, tracking_id: str, idempotent: bool) -> Unavailable:
    # A 503 or a connection that never opened means nothing happened: safe to repeat any call.
    return Unavailable(status, message, tracking_id, retryable=idempotent or status == 503)


def _transport_error(exc: requests.RequestException, where: str, idempotent: bool) -> Unavailable:
    never_sent = isinstance(exc, requests.ConnectTimeout) or isinstance(
        getattr(exc.args[0] if exc.args else None, "reason", None), NewConnectionError
    )
    return Unavailable(
        0, f"no answer from {where}: {type(exc).__name__}", retryable=idempotent or never_sent
    )


def error_for(
    status: int,
    message: str,
    tracking_id: str = "",
    retry_after: float = 1.0,
    idempotent: bool = True,
):
    if status == 429:
        return RateLimited(status, message, tracking_id, retry_after)
    kind = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(status)
    if kind:
        return kind(status, message, tracking_id)
    if status >= 500:
        return unavailable(status, message, tracking_id, idempotent)
    return WebexError(status, message, tracking_id)


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value is not None else 1.0
    except ValueError:
        return 1.0


@dataclass
class RetryPolicy:
    """429: wait Retry-After; 5xx and connection errors: exponential backoff with jitter.

    Bounded by attempts and by a total wait, so a worker thread is never parked for ever.
    """

    attempts: int = 5
    max_total_wait: float = 60.0
    base_backoff: float = 0.5
    max_backoff: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep)

    def call(self, attempt: Callable[[], T]) -> T:
        waited = 0.0
        for n in range(1, self.attempts + 1):
            try:
                return attempt()
            except RateLimited as exc:
                delay = exc.retry_after
                if n == self.attempts or waited + delay > self.max_total_wait:
                    raise
            except Unavailable as exc:
                if not exc.retryable:
                    raise
                delay = min(self.max_backoff, self.base_backoff * 2 ** (n - 1))
                delay *= random.uniform(0.5, 1.0)
                if n == self.attempts or waited + delay > self.max_total_wait:
                    raise
                log.info(
                    "Webex unavailable (%s), retrying in %.1fs", exc.status or "no answer", delay
                )
            waited += delay
            self.sleep(delay)
        raise AssertionError("unreachable")


def with_max(url: str, max_value: int | None) -> str:
    """Webex has been seen to put max=null in next links: keep the max we asked for."""
    if max_value is None:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "max"]
    query.append(("max", str(max_value)))
    return urlunsplit(parts._replace(query=urlencode(query)))


class Http:
    """One pooled session; every call timed out, retried by the policy, errors typed."""

    def __init__(self, policy: RetryPolicy | None = None, timeout=TIMEOUT) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "quality-bot/0.1"
        self.policy = policy or RetryPolicy()
        self.timeout = timeout

    def request(
        self, method: str, url: str, *, token: str | None = None, **kwargs
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        idempotent = method.upper() != "POST"
        return self.policy.call(lambda: self._once(method, url, headers, kwargs, idempotent))

    def _once(
        self, method: str, url: str, headers: dict, kwargs: dict, idempotent: bool
    ) -> requests.Response:
        kwargs = dict(kwargs)
        timeout = kwargs.pop("timeout", None) or self.timeout
        try:
            resp = self.session.request(method, url, headers=headers, timeout=timeout, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _transport_error(exc, urlsplit(url).netloc, idempotent) from None
        if resp.status_code < 400:
            return resp
        tracking = resp.headers.get("trackingid", "")
        try:
            body = resp.json()
            message = (
                body.get("message") or body.get("error_description") or body.get("error") or ""
            )
            tracking = tracking or str(body.get("trackingId", ""))
        except (ValueError, AttributeError):
            message = resp.reason or ""
        raise error_for(
            resp.status_code,
            str(message)[:300],
            tracking,
            _retry_after(resp.headers.get("Retry-After")),
            idempotent,
        )

    def json(self, method: str, url: str, *, token: str | None = None, **kwargs) -> dict:
        resp = self.request(method, url, token=token, **kwargs)
        return resp.json() if resp.content else {}

    def paged(
        self, url: str, *, token: str, params: dict | None = None, headers: dict | None = None
    ) -> Iterator[dict]:
        """Every item of every page, following `Link: <...>; rel="next"`."""
        max_value = int(params["max"]) if params and params.get("max") else None
        next_url: str | None = url
        first = True
        while next_url:
            resp = self.request(
                "GET", next_url, token=token, params=params if first else None, headers=headers
            )
            first = False
            yield from resp.json().get("items", [])
            link = resp.links.get("next", {}).get("url")
            next_url = with_max(link, max_value) if link else None
