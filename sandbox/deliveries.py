"""Webhook fan-out and delivery, off the request thread, like Webex.

`fan_out` decides (under the world lock, at event time) which webhooks hear an event and freezes
each envelope to bytes; the `Deliverer` thread POSTs them in order, signs the exact bytes,
retries a few times with a short backoff, and deactivates a webhook after repeated failures.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from sandbox import objects
from sandbox.world import Webhook, World, iso, webex_id

log = logging.getLogger(__name__)


@dataclass
class Job:
    webhook_id: str
    resource: str
    event: str
    data_id: str
    body: bytes


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as Webex sends it: byte-identical to JavaScript's
    `JSON.stringify(JSON.parse(body))`, so clients that re-serialise before hashing (the
    webex-node-bot-framework does) verify the signature, exactly as they do against Webex."""
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


# A "firehose" webhook (resource `all`) covers only the messaging resources. Card presses
# (`attachmentActions`) and meeting events need their own webhook on Webex: the Webex
# webhooks guide lists the firehose's resources, webex-node-bot-framework registers
# `all` + `attachmentActions/created` side by side for that reason, and WebexPythonSDK
# documents that card submissions are never delivered without an `attachmentActions` webhook.
# So each registered webhook hears each event at most once, and a client holding both a
# firehose and an `attachmentActions` webhook gets each press exactly once (from the latter).
FIREHOSE_RESOURCES = frozenset({"messages", "memberships", "rooms"})


def _covers(hook: Webhook, resource: str) -> bool:
    return hook.resource == resource or (hook.resource == "all"
                                         and resource in FIREHOSE_RESOURCES)


def filter_ok(w: World, hook: Webhook, data: dict[str, Any]) -> bool:
    if not hook.filter:
        return True
    for part in hook.filter.split("&"):
        key, _, value = part.partition("=")
        if key == "mentionedPeople":
            wanted = hook.owner_id if value == "me" else value
            if wanted not in data.get("mentionedPeople", []):
                return False
        elif key in data and str(data[key]).lower() != value.lower():
            return False
    return True


def fan_out(w: World, resource: str, event: str, data: dict[str, Any], actor_id: str,
            audience: Iterable[str]) -> None:
    """Queue `data` for every active webhook of an `audience` member that matches the event."""
    owners = set(audience)
    with w.lock:
        # Every event also goes to the org's activity log (the Events API, sandbox.api_events).
        w.activity.append({"id": webex_id("EVENT"), "resource": resource, "type": event,
                           "actorId": actor_id, "created": w.now(), "data": dict(data)})
        for hook in list(w.webhooks.values()):
            if hook.status != "active" or hook.owner_id not in owners:
                continue
            if not _covers(hook, resource) or hook.event not in (event, "all"):
                continue
            owner = w.people[hook.owner_id]
            # Bots hear group-space messages only when mentioned (their own posts included).
            if (resource == "messages" and owner.is_bot and data.get("roomType") == "group"
                    and owner.id not in data.get("mentionedPeople", [])
                    and data.get("personId") != owner.id):
                continue
            if filter_ok(w, hook, data):
                queue_delivery(w, hook, resource, event, actor_id, data)


def queue_delivery(w: World, hook: Webhook, resource: str, event: str, actor_id: str,
                   data: dict[str, Any]) -> None:
    """Queue one delivery to `hook`: its own fields (never the secret) around the event."""
    envelope = objects.webhook(w, hook)
    envelope.pop("secret", None)
    envelope.update({"resource": resource, "event": event, "actorId": actor_id, "data": data})
    if w.deliverer is not None:
        w.deliverer.put(Job(hook.id, resource, event, str(data.get("id")),
                            envelope_bytes(envelope)))


class Deliverer:
    """One background thread that delivers jobs in the order they were queued."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.jobs: queue.Queue[Job | None] = queue.Queue()
        self.session = requests.Session()
        self.thread = threading.Thread(target=self._run, name="sandbox-deliveries", daemon=True)
        self.thread.start()

    def put(self, job: Job) -> None:
        self.jobs.put(job)

    def stop(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=10)

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:
                self._deliver(job)
            except Exception:  # a delivery bug must never kill the thread
                log.exception("delivery of %s failed", job.data_id)

    def _deliver(self, job: Job) -> None:
        w = self.world
        with w.lock:
            hook = w.webhooks.get(job.webhook_id)
            if hook is None or hook.status != "active":
                return  # deleted or deactivated while queued
            url, secret = hook.target_url, hook.secret
        headers = {"Content-Type": "application/json", "User-Agent": "Webex Sandbox Webhooks",
                   "TrackingID": f"WH_{uuid.uuid4()}".upper()}
        if secret:
            headers["X-Spark-Signature"] = sign(secret, job.body)
        status, error, attempts = None, None, 0
        for attempt in range(1 + w.delivery_retries):
            attempts += 1
            try:
                resp = self.session.post(url, data=job.body, headers=headers,
                                         timeout=w.delivery_timeout)
                status, error = resp.status_code, None
                if 200 <= resp.status_code < 300:
                    break
            except requests.RequestException as exc:
                status, error = None, type(exc).__name__
            if attempt < w.delivery_retries:
                time.sleep(w.delivery_backoff * 2**attempt)
        ok = status is not None and 200 <= status < 300
        log.info("webhook %s/%s %s -> %s after %d attempt(s)", job.resource, job.event, url,
                 status or error, attempts)
        with w.lock:
            hook = w.webhooks.get(job.webhook_id)
            if hook is not None:
                hook.consecutive_failures = 0 if ok else hook.consecutive_failures + 1
                if hook.consecutive_failures >= w.inactive_after:
                    hook.status = "inactive"
            w.deliveries.append({
                "index": len(w.deliveries), "webhookId": job.webhook_id, "targetUrl": url,
                "resource": job.resource, "event": job.event, "dataId": job.data_id,
                "attempts": attempts, "status": status, "error": error, "ok": ok,
                "webhookStatus": hook.status if hook else "deleted", "at": iso(w.now()),
            })
            w.changed.notify_all()
