"""From an inbox event to a handler: fetch what the envelope lacks, decide, route, record."""

from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta

from bot import accounts, echo, journal
from bot.access import ORG_BROKEN, ORG_LOOKUP_FAILED, OrgLookupFailed
from bot.commands import CommandSet, UsageError, split_command
from bot.context import Context
from bot.journal import Journal, active
from bot.mentions import command_text, mark_people, mentions_bot, same_person
from bot.orgs import OrgNeedsReconnect, OrgNotConnected
from bot.recovery import OUTAGE_LIMIT, Heartbeat, Recovery, outage_delay
from bot.runtime import Runtime
from bot.webex import InvalidId, NotFound, RateLimited, Unavailable, WebexError, is_webex_id
from bot.webex.ids import ID_FIELDS, checked
from storage import history, inbox, intake, qualities, reply_steps, spool
from storage.db import aware

log = logging.getLogger(__name__)

PRUNE_EVERY = timedelta(hours=1)
KEEP_EVENTS = timedelta(days=30)  # far longer than Webex redelivers
KEEP_CHARTS = timedelta(days=8)  # the data behind them is kept; they can be drawn again
SOMETHING_WRONG = (
    "Sorry, something went wrong (ref `{ref}`). Please try again in a minute; if it keeps "
    "happening, tell your bot admin the ref."
)
GAVE_UP = {
    "crashes": "Sorry, I could not answer your last message: I was interrupted three times "
    "while working on it (ref `{ref}`). Please try again; if it happens again, tell your bot "
    "admin the ref.",
    "outage": "Sorry, I could not answer your last message: Webex was unavailable to me for "
    "15 minutes (ref `{ref}`). Please ask again.",
}


def failure_ref(message: str, *args: object, traceback: bool) -> str:
    """A short reference for one failure: the log has the details under it, the person gets
    it to quote to their bot admin."""
    ref = secrets.token_hex(4)
    (log.exception if traceback else log.error)(message + " (ref %s)", *args, ref)
    return ref


class HandlerFailed(Exception):
    """A command failed and the person was told, in its thread, with this reference."""

    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


class Dispatcher:
    def __init__(self, runtime: Runtime, commands: CommandSet) -> None:
        self.runtime = runtime
        self.commands = commands
        self._pruned_at: datetime | None = None
        self.heartbeat = Heartbeat(clock=runtime.now)
        self.recovery = Recovery(
            self._enqueue, self.abandon, self._drain_spool, clock=runtime.now
        )

    def _drain_spool(self) -> list[int]:
        """Deliveries the receiver spooled while the database was locked, into the inbox."""

        def store(resource: str, event: str, data_id: str, body: str) -> int | None:
            now = self.runtime.now()
            return intake.accept(resource, event, data_id, body, now=now, wait=2.0)

        return spool.drain(self.runtime.config.spool_path, store)

    def _enqueue(self, event_id: int) -> None:
        assert self.runtime.queue is not None
        self.runtime.queue.enqueue_event(event_id)

    # Queue entry points -------------------------------------------------------------------
    def process(self, event_id: int) -> None:
        event = inbox.claim(event_id, now=self.runtime.now())
        if event is None:
            return  # finished already, or another worker has it
        body = json.loads(event.body)
        # Every reply goes through the event's journal (never posted twice on a re-run), and
        # the claim is renewed while the command runs (a dead worker's claim lapses in 10 s).
        late_since = aware(event.received_at) if event.postponed else None
        steps = Journal(event_id, clock=self.runtime.now, late_since=late_since)
        with self.heartbeat.hold(event_id), active(steps):
            try:
                handled = self.route(body)
            except HandlerFailed as failed:
                inbox.finish(event_id, inbox.FAILED, failed.ref, now=self.runtime.now())
                return
            except (Unavailable, RateLimited) as exc:
                self._postpone(event, body, exc)
                return
            except Exception:
                self._give_up(event_id, body, "event %s failed", traceback=True)
                return
        inbox.finish(event_id, inbox.DONE if handled else inbox.IGNORED, now=self.runtime.now())

    def _postpone(self, event, body: dict, exc: WebexError) -> None:
        """Webex is down or busy beyond our retries: the event is tried again later, for a
        bounded time, then given up with a plain reply."""
        if self.runtime.now() - aware(event.received_at) >= OUTAGE_LIMIT:
            self.abandon(event.id, body, why="outage")
            return
        delay = outage_delay(event.postponed)
        inbox.postpone(event.id, delay, now=self.runtime.now())
        log.warning(
            "event %s postponed %ss: Webex unavailable (%s)",
            event.id,
            int(delay.total_seconds()),
            exc.status or "no answer",
        )

    def abandon(self, event_id: int, body: dict | None = None, why: str = "crashes") -> None:
        """Stop trying (visible in `doctor`) and tell the person in plain words, once."""
        ref = secrets.token_hex(4)
        if not inbox.give_up(event_id, ref, now=self.runtime.now()):
            return  # finished meanwhile, or another worker gave up first
        row = inbox.get(event_id)
        body = body if body is not None else json.loads(row.body) if row else {}
        log.error("event %s given up after repeated %s (ref %s)", event_id, why, ref)
        with active(Journal(event_id, clock=self.runtime.now)):
            self._tell_failure(body, ref, GAVE_UP[why])

    def sweep(self) -> None:
        """Take in receipts the pumps have not, re-enqueue what was accepted but never reached
        a worker (a lost enqueue, a crash), and once an hour forget what is no longer needed."""
        self.recovery.tick()  # also here: a deployment without the recovery thread still heals
        now = self.runtime.now()
        self.take_in()
        for event_id in inbox.unfinished(now=now, older_than=timedelta(seconds=30)):
            self._enqueue(event_id)
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            events = inbox.prune(older_than=KEEP_EVENTS, now=now)
            reply_steps.prune(older_than=KEEP_EVENTS, now=now)
            charts = qualities.prune_rendered(older_than=KEEP_CHARTS, now=now)
            rows = history.prune(before=now - timedelta(days=self.runtime.config.history_days))
            if events or charts or rows:
                log.info(
                    "housekeeping: forgot %d old events, %d old charts and %d history rows",
                    events,
                    charts,
                    rows,
                )

    def take_in(self) -> list[int]:
        """The receiver's receipts into the inbox; the new events. A failure (the database
        locked for 15 s, say) is logged and leaves them for the next pass: it must not stop
        the events already in the inbox from running."""
        try:
            return intake.take_in()
        except Exception:
            log.warning("could not take receipts into the inbox; trying again", exc_info=True)
            return []

    def pending(self, limit: int) -> list[int]:
        """For the inbox pump (bot/pump.py): the receipts taken in, then the events to run
        now, dead workers' included."""
        self.take_in()
        return inbox.pending(limit, now=self.runtime.now())

    def recover(self) -> int:
        """At start: every receipt taken in, every unfinished event back on the queue."""
        self.take_in()
        pending = inbox.unfinished(now=self.runtime.now())
        for event_id in pending:
            self._enqueue(event_id)
        if pending:
            log.info("re-enqueued %d unfinished events", len(pending))
        return len(pending)

    # Routing ------------------------------------------------------------------------------
    def route(self, body: dict) -> bool:
        resource, data = body["resource"], body["data"]
        bad = [key for key in ID_FIELDS if key in data and not is_webex_id(data[key])]
        if bad:
            # Signed, so from Webex or someone holding the secret; either way no Webex id.
            log.warning("ignored a %s event whose %s cannot be Webex ids", resource, bad)
            return False
        if resource == "messages":
            return self.on_message(data)
        if resource == "attachmentActions":
            return self.on_action(data)
        if resource == "memberships":
            return self.on_membership(data)
        if resource == "meetings":
            from bot import alerts

            return alerts.on_meeting_ended(self.runtime, body)
        return False

    def _from_bot(self, person_id: str, email: str) -> bool:
        me = self.runtime.webex.me()
        if same_person(person_id, me["id"]) or email.lower().endswith("@webex.bot"):
            return True
        return self.runtime.webex.person_type(person_id) == "bot"

    def on_message(self, data: dict) -> bool:
        if self._from_bot(data.get("personId", ""), data.get("personEmail", "")):
            return False  # our own replies and other bots: answering would loop
        try:
            message = self.runtime.webex.message(data["id"])
        except NotFound:
            return False  # deleted before we read it: nothing to answer
        me = self.runtime.webex.me()
        room_type = message.get("roomType") or data.get("roomType", "direct")
        if room_type == "group" and not mentions_bot(message, me["id"]):
            return False
        text = mark_people(command_text(message, me["id"], me.get("displayName", "")), message,
                           me["id"])
        word, words = split_command(text)
        self.run(
            word,
            words,
            person_id=message.get("personId") or data["personId"],
            person_email=message.get("personEmail") or data.get("personEmail", ""),
            room_id=message.get("roomId") or data["roomId"],
            room_type=room_type,
            thread_id=message.get("parentId") or message["id"],
        )
        return True

    def on_action(self, data: dict) -> bool:
        try:
            action = self.runtime.webex.action(data["id"])
            card = self.runtime.webex.message(checked(action.get("messageId"), "message"))
        except (NotFound, InvalidId):
            # A press on a deleted card, or an action Webex no longer knows: a normal event.
            log.info("ignored a card action whose action or card is gone")
            return False
        me = self.runtime.webex.me()
        # Only our own cards, pressed in the space they were posted in, may run commands.
        if not same_person(card.get("personId", ""), me["id"]) or card.get("roomId") != action.get(
            "roomId"
        ):
            log.warning("ignored a card action on a message that is not ours in this space")
            return False
        inputs = action.get("inputs") or {}
        cmd = self.commands.find(str(inputs.get("command", "")))
        if cmd is None:
            return False
        words = [str(inputs[key]) for key in cmd.card_inputs if inputs.get(key) not in (None, "")]
        self.run(
            cmd.name,
            words,
            person_id=action["personId"],
            person_email="",
            room_id=action["roomId"],
            room_type=card.get("roomType", "group"),
            # A press is answered at the bottom of the space, where the presser is looking,
            # not in the thread of a card that may be far up the history.
            thread_id=None,
            via_card=True,
        )
        return True

    def on_membership(self, data: dict) -> bool:
        me = self.runtime.webex.me()
        if not same_person(data.get("personId", ""), me["id"]):
            return False
        entries = "\n".join(
            f"- `{usage}` — {text}" for usage, text in self.commands.help_entries()[:4]
        )
        journal.send(
            self.runtime.webex,
            room_id=data["roomId"],
            markdown=f"Hello! I report how good your Webex meetings really were.\n{entries}\n"
            "Type `/help` for every command"
            + (" (mention me first in this space)." if data.get("roomType") == "group" else "."),
        )
        return True

    # Running a command --------------------------------------------------------------------
    def run(self, word: str, words: list[str], **where) -> None:
        webex = self.runtime.webex
        where["mention"] = self._mention(where) if where["room_type"] == "group" else ""
        lead = where["mention"] + " " if where["mention"] else ""
        reply = dict(room_id=where["room_id"], parent_id=where["thread_id"])

        def say(markdown: str) -> None:
            journal.send(webex, **reply, markdown=echo.fit(markdown))

        cmd = self.commands.find(word) if word else None
        if cmd is None:
            guess = self.commands.closest(word) if word else None
            hint = f"Did you mean `/{guess}`? " if guess else ""
            what = f"Unknown command {echo.code(word)}." if word else "I did not see a command."
            say(f"{what} {hint}Type `/help` to see what I can do.")
            return
        if cmd.needs_account and not self.runtime.access.can_be_served(where["person_id"]):
            # Before parsing: a person who cannot use the command first learns how to, not
            # how to spell its arguments.
            say(lead + accounts.CONNECT_HINT.format(command=cmd.name))
            return
        try:
            args = cmd.parse(words)
        except UsageError as exc:
            say(str(exc))
            return
        ctx = Context(self.runtime, self.commands, args, **where)
        try:
            cmd.func(ctx)
        except (accounts.NotConnected, OrgNotConnected):
            say(lead + accounts.CONNECT_HINT.format(command=cmd.name))
        except accounts.NeedsReconnect:
            say(lead + accounts.RECONNECT_HINT)
        except OrgNeedsReconnect:
            say(lead + ORG_BROKEN)
        except OrgLookupFailed:
            say(lead + ORG_LOOKUP_FAILED)
        except UsageError as exc:
            say(str(exc))
        except (Unavailable, RateLimited):
            raise  # transient: the whole event is retried later
        except Exception:
            ref = failure_ref("/%s failed", cmd.name, traceback=True)
            self._say_failure(ref, **reply)
            raise HandlerFailed(ref) from None

    def _mention(self, where: dict) -> str:
        """Who a group-space answer is for: in a busy space "your permission" must name whom."""
        name = self.runtime.webex.display_name(where["person_id"]) or where["person_email"]
        name = name.replace("|", " ").replace(">", " ").strip() or "you"
        return f"<@personId:{where['person_id']}|{name}>"

    def _give_up(self, event_id: int, body: dict, why: str, traceback: bool = False) -> None:
        """The event fails for good: recorded with a ref, and the space is told the ref."""
        ref = failure_ref(why, event_id, traceback=traceback)
        inbox.finish(event_id, inbox.FAILED, ref, now=self.runtime.now())
        self._tell_failure(body, ref)

    def _tell_failure(self, body: dict, ref: str, text: str = "") -> None:
        data = body.get("data") or {}
        room_id = data.get("roomId")
        if room_id and body.get("resource") != "memberships":
            self._say_failure(ref, room_id=room_id, parent_id=None, text=text)

    def _say_failure(
        self, ref: str, *, room_id: str, parent_id: str | None, text: str = ""
    ) -> None:
        try:
            journal.send(
                self.runtime.webex,
                key="failure",  # one apology per event, whatever its ref
                room_id=room_id,
                parent_id=parent_id,
                markdown=(text or SOMETHING_WRONG).format(ref=ref),
            )
        except WebexError:
            log.warning("could not tell the space about failure ref %s", ref)
