"""All Webex I/O: the SDK for messaging, one requests.Session for the rest, one retry policy.

Nothing else in the bot speaks HTTP to Webex. Errors come out as `WebexError` subclasses that
carry the status and tracking id, never a token.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NewConnectionError
from webexpythonsdk import WebexAPI
from webexpythonsdk.exceptions import ApiError, RateLimitError

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
        try:
            resp = self.session.request(
                method, url, headers=headers, timeout=self.timeout, **kwargs
            )
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


def _sdk(call: Callable[[], T], idempotent: bool = True) -> T:
    """Translate SDK errors into ours so one policy governs retries."""
    try:
        return call()
    except RateLimitError as exc:
        raise RateLimited(
            429, str(exc.message)[:300], exc.tracking_id or "", exc.retry_after
        ) from None
    except ApiError as exc:
        raise error_for(
            exc.status_code, str(exc.message)[:300], exc.tracking_id or "", idempotent=idempotent
        ) from None
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _transport_error(exc, "Webex", idempotent) from None


def as_dict(obj: Any) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    return dict(obj._json_data)


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str = "image/png"


class BotClient:
    """Everything the bot does with its own token."""

    def __init__(self, token: str, api_url: str, http: Http | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.http = http or Http()
        self._token = token
        self._me: dict | None = None
        self._me_lock = threading.Lock()
        self._person_types: dict[str, str] = {}

    @cached_property
    def sdk(self) -> WebexAPI:
        # Built on first use: commands such as `report` never need the bot token. The SDK joins
        # URLs, so its base needs the trailing slash; its own rate-limit wait would block the
        # thread without bound, so it raises and our policy decides instead.
        return WebexAPI(
            access_token=self._token,
            base_url=self.api_url + "/",
            single_request_timeout=TIMEOUT[1],
            wait_on_rate_limit=False,
        )

    def _call(self, fn: Callable[[], T], idempotent: bool = True) -> T:
        return self.http.policy.call(lambda: _sdk(fn, idempotent))

    def me(self) -> dict:
        """The bot's identity, fetched once per process."""
        with self._me_lock:
            if self._me is None:
                self._me = as_dict(self._call(self.sdk.people.me))
            return self._me

    def person(self, person_id: str) -> dict:
        return as_dict(self._call(lambda: self.sdk.people.get(person_id)))

    def person_type(self, person_id: str) -> str:
        """person|bot|appuser, cached: people rarely change kind."""
        if person_id not in self._person_types:
            try:
                kind = self.person(person_id).get("type", "person")
            except WebexError as exc:
                # Unknown kind must not cost the person their answer; bots are caught by email.
                log.info("could not look up person type (%s); assuming a person", exc.status)
                return "person"
            self._person_types[person_id] = kind
        return self._person_types[person_id]

    def room(self, room_id: str) -> dict:
        return as_dict(self._call(lambda: self.sdk.rooms.get(room_id)))

    def is_member(self, room_id: str, person_id: str) -> bool:
        url = f"{self.api_url}/memberships"
        params = {"roomId": room_id, "personId": person_id}
        return any(True for _ in self.http.paged(url, token=self._token, params=params))

    def message(self, message_id: str) -> dict:
        return as_dict(self._call(lambda: self.sdk.messages.get(message_id)))

    def action(self, action_id: str) -> dict:
        return as_dict(self._call(lambda: self.sdk.attachment_actions.get(action_id)))

    def send(
        self,
        *,
        room_id: str | None = None,
        to_person_id: str | None = None,
        to_person_email: str | None = None,
        text: str | None = None,
        markdown: str | None = None,
        parent_id: str | None = None,
        card: dict | None = None,
        upload: Upload | None = None,
    ) -> dict:
        """Post one message. A card and a file never share a message (Webex allows one each)."""
        fields: dict[str, Any] = {
            "roomId": room_id,
            "toPersonId": to_person_id,
            "toPersonEmail": to_person_email,
            "text": text,
            "markdown": markdown,
            "parentId": parent_id,
        }
        fields = {k: v for k, v in fields.items() if v}
        if upload is not None:
            # The SDK takes only paths for files; in-memory PNGs go multipart ourselves.
            files = {"files": (upload.filename, upload.content, upload.content_type)}
            return self.http.json(
                "POST", f"{self.api_url}/messages", token=self._token, data=fields, files=files
            )
        if card is not None:
            fields["attachments"] = [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ]
        kwargs = {
            "roomId": fields.get("roomId"),
            "toPersonId": fields.get("toPersonId"),
            "toPersonEmail": fields.get("toPersonEmail"),
            "text": fields.get("text"),
            "markdown": fields.get("markdown"),
            "parentId": fields.get("parentId"),
            "attachments": fields.get("attachments"),
        }
        return as_dict(self._call(lambda: self.sdk.messages.create(**kwargs), idempotent=False))

    # Webhooks: the bot's own registrations.
    def webhooks(self) -> list[dict]:
        return [as_dict(w) for w in self._call(lambda: list(self.sdk.webhooks.list()))]

    def create_webhook(self, **fields: Any) -> dict:
        return as_dict(self._call(lambda: self.sdk.webhooks.create(**fields), idempotent=False))

    def update_webhook(self, webhook_id: str, **fields: Any) -> dict:
        return as_dict(self._call(lambda: self.sdk.webhooks.update(webhook_id, **fields)))

    def delete_webhook(self, webhook_id: str) -> None:
        self._call(lambda: self.sdk.webhooks.delete(webhook_id))


class TokenSource:
    """What a UserClient needs from the account store: a fresh token, and a forced refresh."""

    def access_token(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def refresh(self, rejected: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class UserClient:
    """Calls made with one person's own token, for that person's command only."""

    def __init__(self, tokens: TokenSource, api_url: str, analytics_url: str, http: Http) -> None:
        self.tokens = tokens
        self.api_url = api_url.rstrip("/")
        self.analytics_url = analytics_url.rstrip("/")
        self.http = http

    def _with_refresh(self, call: Callable[[str], T]) -> T:
        """A 401 means the token died early: refresh once and retry once."""
        token = self.tokens.access_token()
        try:
            return call(token)
        except Unauthorized:
            return call(self.tokens.refresh(token))

    def me(self) -> dict:
        return self._with_refresh(
            lambda t: self.http.json("GET", f"{self.api_url}/people/me", token=t)
        )

    def ended_meetings(self, start: str, end: str, page_size: int = 100) -> list[dict]:
        params = {
            "meetingType": "meeting",
            "state": "ended",
            "from": start,
            "to": end,
            "max": page_size,
        }
        url = f"{self.api_url}/meetings"
        return self._with_refresh(lambda t: list(self.http.paged(url, token=t, params=params)))

    def meetings_by_number(self, number: str) -> list[dict]:
        url = f"{self.api_url}/meetings"
        return self._with_refresh(
            lambda t: list(self.http.paged(url, token=t, params={"meetingNumber": number}))
        )

    def meeting(self, meeting_id: str) -> dict:
        url = f"{self.api_url}/meetings/{meeting_id}"
        return self._with_refresh(lambda t: self.http.json("GET", url, token=t))

    def qualities(self, meeting_id: str, page_size: int = 100) -> list[dict]:
        url = f"{self.analytics_url}/meeting/qualities"
        params = {"meetingId": meeting_id, "max": page_size}
        return self._with_refresh(lambda t: list(self.http.paged(url, token=t, params=params)))
