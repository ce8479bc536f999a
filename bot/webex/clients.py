"""The bot's and each person's Webex calls. Messaging goes through webexpythonsdk, everything
else (and in-memory file uploads) through the shared `Http`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import requests
from webexpythonsdk import WebexAPI, dict_data_factory
from webexpythonsdk.exceptions import ApiError, RateLimitError

from bot.webex.http import (
    TIMEOUT,
    Http,
    RateLimited,
    Unauthorized,
    WebexError,
    _transport_error,
    error_for,
)
from bot.webex.ids import checked, segment

log = logging.getLogger(__name__)
T = TypeVar("T")


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
        self._people: dict[str, dict] = {}

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
            object_factory=dict_data_factory,  # plain dicts, not models: we pass JSON through
        )

    def _call(self, fn: Callable[[], T], idempotent: bool = True) -> T:
        return self.http.policy.call(lambda: _sdk(fn, idempotent))

    def me(self) -> dict:
        """The bot's identity, fetched once per process."""
        with self._me_lock:
            if self._me is None:
                self._me = self._call(self.sdk.people.me)
            return self._me

    def person(self, person_id: str) -> dict:
        path = segment(person_id, "person")
        return self._call(lambda: self.sdk.people.get(path))

    def person_type(self, person_id: str) -> str:
        """person|bot|appuser, cached: people rarely change kind."""
        return self._cached_person(person_id).get("type", "person")

    def display_name(self, person_id: str) -> str:
        """For mentions in replies; cached with the kind, "" when Webex would not say."""
        return str(self._cached_person(person_id).get("displayName") or "")

    def _cached_person(self, person_id: str) -> dict:
        if person_id not in self._people:
            try:
                found = self.person(person_id)
            except WebexError as exc:
                # Unknown kind must not cost the person their answer; bots are caught by email.
                log.info("could not look up a person (%s); assuming a person", exc.status)
                return {}
            self._people[person_id] = {k: found.get(k) for k in ("type", "displayName")}
        return self._people[person_id]

    def is_member(self, room_id: str, person_id: str) -> bool:
        url = f"{self.api_url}/memberships"
        params = {"roomId": checked(room_id, "room"), "personId": checked(person_id, "person")}
        return any(True for _ in self.http.paged(url, token=self._token, params=params))

    def message(self, message_id: str) -> dict:
        path = segment(message_id, "message")
        return self._call(lambda: self.sdk.messages.get(path))

    def action(self, action_id: str) -> dict:
        path = segment(action_id, "card action")
        return self._call(lambda: self.sdk.attachment_actions.get(path))

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
        return self._call(lambda: self.sdk.messages.create(**kwargs), idempotent=False)

    # Webhooks: the bot's own registrations.
    def webhooks(self) -> list[dict]:
        return self._call(lambda: list(self.sdk.webhooks.list()))

    def create_webhook(self, **fields: Any) -> dict:
        return self._call(lambda: self.sdk.webhooks.create(**fields), idempotent=False)

    def update_webhook(self, webhook_id: str, **fields: Any) -> dict:
        path = segment(webhook_id, "webhook")
        return self._call(lambda: self.sdk.webhooks.update(path, **fields))

    def delete_webhook(self, webhook_id: str) -> None:
        path = segment(webhook_id, "webhook")
        self._call(lambda: self.sdk.webhooks.delete(path))


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

    def ended_meetings(
        self, start: str, end: str, page_size: int = 100, host_email: str | None = None
    ) -> list[dict]:
        """`host_email` (admin and org tokens only): the meetings as that person sees them."""
        params: dict = {
            "meetingType": "meeting",
            "state": "ended",
            "from": start,
            "to": end,
            "max": page_size,
        }
        if host_email:
            params["hostEmail"] = host_email
        url = f"{self.api_url}/meetings"
        return self._with_refresh(lambda t: list(self.http.paged(url, token=t, params=params)))

    def can_list_ended(self) -> list[dict]:
        """One cheap `GET /meetings?meetingType=meeting&state=ended&max=1` (first page only): does
        this token list meetings at all? Raises the typed error when not."""
        url = f"{self.api_url}/meetings"
        params = {"meetingType": "meeting", "state": "ended", "max": 1}
        return self._with_refresh(
            lambda t: self.http.json("GET", url, token=t, params=params).get("items", [])
        )

    def meetings_by_number(self, number: str) -> list[dict]:
        url = f"{self.api_url}/meetings"
        return self._with_refresh(
            lambda t: list(self.http.paged(url, token=t, params={"meetingNumber": number}))
        )

    def meeting(self, meeting_id: str) -> dict:
        url = f"{self.api_url}/meetings/{segment(meeting_id, 'meeting')}"
        return self._with_refresh(lambda t: self.http.json("GET", url, token=t))

    def qualities(self, meeting_id: str, page_size: int = 100) -> list[dict]:
        url = f"{self.analytics_url}/meeting/qualities"
        params = {"meetingId": checked(meeting_id, "meeting"), "max": page_size}
        return self._with_refresh(lambda t: list(self.http.paged(url, token=t, params=params)))

    # The org's own webhook (meetings/ended, ownedBy org): bot tokens cannot own meeting hooks.
    def webhooks(self) -> list[dict]:
        url = f"{self.api_url}/webhooks"
        return self._with_refresh(
            lambda t: list(self.http.paged(url, token=t, params={"max": 100}))
        )

    def create_webhook(self, **fields: Any) -> dict:
        url = f"{self.api_url}/webhooks"
        return self._with_refresh(lambda t: self.http.json("POST", url, token=t, json=fields))

    def update_webhook(self, webhook_id: str, **fields: Any) -> dict:
        url = f"{self.api_url}/webhooks/{segment(webhook_id, 'webhook')}"
        return self._with_refresh(lambda t: self.http.json("PUT", url, token=t, json=fields))

    def delete_webhook(self, webhook_id: str) -> None:
        url = f"{self.api_url}/webhooks/{segment(webhook_id, 'webhook')}"
        self._with_refresh(lambda t: self.http.request("DELETE", url, token=t))
