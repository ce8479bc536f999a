"""End-to-end harness: the sandbox, the real bot app and a real worker, over loopback HTTP.

People act through the sandbox API with their own tokens, exactly as a Webex client would; the
bot hears them only through signed webhook deliveries.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import requests
from cryptography.fernet import Fernet
from werkzeug.serving import make_server

from bot.app import build_runtime, create_app
from bot.config import Config
from bot.runtime import Runtime
from bot.webhook_admin import sync
from bot.worker import build_worker
from tests.polling import wait_for

__all__ = ["Harness", "Person", "wait_for"]

LINK = re.compile(r"https?://[^\s)>\]]+/authorize\?[^\s)>\]]+")


@dataclass
class Person:
    id: str
    email: str
    name: str
    token: str
    admin: bool
    api: str
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.session.request(method, self.api + path, headers=headers, timeout=10, **kwargs)

    def say(self, room_id: str, text: str, *, mention: dict | None = None) -> dict:
        body: dict = {"roomId": room_id, "text": text}
        if mention:
            body["markdown"] = f"<@personId:{mention['id']}|{mention['displayName']}> {text}"
            body["text"] = f"{mention['displayName']} {text}"
        resp = self.call("POST", "/messages", json=body)
        resp.raise_for_status()
        return resp.json()

    def messages(self, room_id: str) -> list[dict]:
        resp = self.call("GET", "/messages", params={"roomId": room_id, "max": 100})
        resp.raise_for_status()
        return list(reversed(resp.json()["items"]))  # oldest first

    def press(self, card_message: dict, inputs: dict) -> dict:
        resp = self.call(
            "POST",
            "/attachment/actions",
            json={"type": "submit", "messageId": card_message["id"], "inputs": inputs},
        )
        resp.raise_for_status()
        return resp.json()


class Harness:
    def __init__(self, sandbox, tmp_path, **overrides) -> None:
        self.sandbox = sandbox
        state = sandbox.state
        self.bot = state["bot"]
        self.people = {
            p["email"]: Person(
                p["id"], p["email"], p["displayName"], p["token"], p["admin"], state["api_url"]
            )
            for p in state["people"]
        }
        self.rooms = state["rooms"]
        self.server = make_server("127.0.0.1", 0, lambda env, start: [], threaded=True)
        port = self.server.server_port
        integration = state.get("integration", {})
        settings = dict(
            webex_bot_token=self.bot["token"],
            webex_api_url=state["api_url"],
            webex_analytics_url=state["analytics_url"],
            webex_webhook_secret=secrets.token_hex(16),
            webex_client_id=integration.get("client_id", ""),
            webex_client_secret=integration.get("client_secret", ""),
            public_url=f"http://127.0.0.1:{port}",
            database_url=f"sqlite:///{tmp_path}/bot.db",
            queue_url=f"sqlite:///{tmp_path}/queue.db",
            token_key=Fernet.generate_key().decode(),
        )
        self.config = Config(**{**settings, **overrides})
        self.runtime: Runtime = build_runtime(self.config)
        self.worker = build_worker(self.runtime)
        self.server.app = create_app(runtime=self.runtime)
        import threading

        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()
        self.consumer = self.runtime.queue.consumer(workers=2, in_process=True)
        self.consumer.start()
        self.worker.dispatcher.recovery.start()  # as `serve` and `worker` do
        self.sync_changes = sync(self.runtime.webex, self.config)

    def stop(self) -> None:
        self.worker.dispatcher.recovery.stop()
        self.consumer.stop(graceful=True)
        self.server.shutdown()
        self.server.server_close()

    # People and spaces --------------------------------------------------------------------
    @property
    def admin(self) -> Person:
        return next(p for p in self.people.values() if p.admin)

    def non_admin(self) -> Person:
        return next(p for p in self.people.values() if not p.admin)

    def room(self, type_: str, member: Person | None = None) -> dict:
        return next(
            r
            for r in self.rooms
            if r["type"] == type_ and (member is None or member.email in r["memberEmails"])
        )

    def direct_room_of(self, person: Person) -> str:
        """The 1:1 space between the person and the bot (Webex creates it on first message)."""

        def find():
            resp = person.call("GET", "/rooms", params={"type": "direct"})
            for room in resp.json().get("items", []):
                members = person.call("GET", "/memberships", params={"roomId": room["id"]})
                if any(m.get("personId") == self.bot["id"] for m in members.json()["items"]):
                    return room["id"]
            return None

        return wait_for(find, what=f"a 1:1 space between {person.email} and the bot")

    def bot_messages(self, person: Person, room_id: str, after: str | None = None) -> list[dict]:
        items = [m for m in person.messages(room_id) if m.get("personId") == self.bot["id"]]
        if after is not None:
            ids = [m["id"] for m in person.messages(room_id)]
            position = ids.index(after) if after in ids else -1
            later = set(ids[position + 1 :])
            items = [m for m in items if m["id"] in later]
        return items

    def ask(
        self,
        person: Person,
        room_id: str,
        text: str,
        *,
        expect: int = 1,
        timeout: float = 20.0,
        until_card: bool = False,
    ) -> list[dict]:
        """Say something to the bot and wait for `expect` bot messages after it (and, with
        `until_card`, until one of them carries a card: a cold /quality says "Fetching…" first,
        and a later question must not collect the card of this one)."""
        mention = self.bot if self.room_type(room_id) == "group" else None
        sent = person.say(room_id, text, mention=mention)

        def answered() -> list[dict] | None:
            got = self.bot_messages(person, room_id, after=sent["id"])
            if len(got) < expect or (until_card and not any(m.get("attachments") for m in got)):
                return None
            return got

        return wait_for(answered, timeout=timeout, what=f"{expect} bot reply(ies) to {text!r}")

    def room_type(self, room_id: str) -> str:
        return next((r["type"] for r in self.rooms if r["id"] == room_id), "direct")

    def authorize_link(self, person: Person, command: str = "/connect") -> str:
        """Ask /connect (or `command`) as the person (in their 1:1 space, else in the group) and
        return the link the bot sends them privately."""

        def link_in(messages: list[dict]) -> str | None:
            for m in messages:
                found = LINK.search(m.get("markdown") or m.get("text") or "")
                if found:
                    return found.group(0)
            return None

        if any(r["type"] == "direct" and person.email in r["memberEmails"] for r in self.rooms):
            return link_in(self.ask(person, self.room("direct", person)["id"], command))
        self.ask(person, self.room("group", person)["id"], command)
        room_id = self.direct_room_of(person)
        return wait_for(
            lambda: link_in(self.bot_messages(person, room_id)), what="the authorize link"
        )

    @staticmethod
    def consent(link: str, signed_in_as: Person) -> str:
        """Accept the sandbox consent page like a browser; returns where Webex redirects."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        page = requests.get(link, timeout=10)
        assert page.status_code == 200 and "Authorize" in page.text
        resp = requests.post(
            link.split("?")[0],
            timeout=10,
            allow_redirects=False,
            data={**query, "personId": signed_in_as.id, "decision": "accept"},
        )
        assert resp.status_code in (302, 303), resp.text[:300]
        return resp.headers["Location"]

    def connect(self, person: Person) -> requests.Response:
        """Run /connect as the person and complete the consent page; the bot's callback page."""
        return requests.get(self.consent(self.authorize_link(person), person), timeout=30)

    def connect_org(self, person: Person) -> requests.Response:
        """`/connect org` as the person, consented as them; the bot's callback page."""
        link = self.authorize_link(person, "/connect org")
        return requests.get(self.consent(link, person), timeout=30)
