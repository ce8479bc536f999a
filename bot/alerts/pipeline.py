"""The durable per-meeting pipeline: seen -> due at end + ALERT_DELAY -> qualities read once
(shared cache and lease) -> analysed -> claims planned -> posted.

Every step is a row in storage/alerts.py, so a restart resumes where the last worker stopped:
- a meeting is run only by the worker holding its lease (compare-and-set claim); a dead worker's
  lease runs out and the next tick takes the meeting over;
- all claims of a meeting (one per space, one per person) are created in ONE transaction as
  `pending` before anything is posted; each is then moved pending -> sending -> sent by
  compare-and-set, so no claim is ever posted twice and none is lost by a crash mid-posting;
- Webex trouble postpones the meeting with backoff; after GIVE_UP_AFTER it is recorded failed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.alerts import org, rules
from bot.alerts.content import alert_message, host_message, participant_message
from bot.history import record_meeting
from bot.meetings import OWNER, claim_token, counts_against_limit
from bot.quality.analysis import analyze_meeting
from bot.webex import Forbidden, NotFound, RateLimited, Unavailable, WebexError
from storage import alerts as store
from storage import qualities

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # longer than one meeting's fetch, analysis and posts take
DETAIL_FIELDS = ("start", "end", "title", "hostEmail")


class Postpone(Exception):
    """Webex trouble: try this meeting again later."""

    def __init__(self, why: str, until: datetime | None = None) -> None:
        super().__init__(why)
        self.until = until


def new_token() -> str:
    return claim_token()


# Scheduling ----------------------------------------------------------------------------------
def _enqueue(runtime: Runtime, meeting_id: str, token: str | None, delay: float = 0) -> None:
    """The meeting's run as a task (bot/tasks.py); inline when the queue is immediate."""
    queue = runtime.queue
    if queue.immediate:
        if delay <= 0:
            process(runtime, meeting_id, token)
        return  # not due yet: the periodic tick runs it
    if delay > 0:
        queue.tasks.alert_meeting.schedule((meeting_id, token), delay=delay)
    else:
        queue.tasks.alert_meeting(meeting_id, token)


def run_due(runtime: Runtime, limit: int = 500) -> int:
    """Periodic (every minute, every worker): claim each due meeting and queue its run. The
    claim is taken here, so a second worker's tick skips it; a lost task's lease runs out."""
    now = runtime.now()
    queued = 0
    for meeting_id in store.due(now, limit):
        token = new_token()
        if store.claim(meeting_id, token, now, LEASE) is not None:
            _enqueue(runtime, meeting_id, token)
            queued += 1
    return queued


# Intake --------------------------------------------------------------------------------------
def _org_for(runtime: Runtime, given: str | None) -> str | None:
    """The connected org a delivery or listing belongs to; None for any other org."""
    orgs = [c.org_id for c in org.connections(runtime)]
    if given:
        return given if given in orgs else None
    return orgs[0] if len(orgs) == 1 else None


def intake(runtime: Runtime, data: dict, org_id: str | None, source: str = "webhook") -> bool:
    """A meeting ended (webhook or poll): remember it once and schedule its due run.
    False when it is not ours to watch or was seen before."""
    meeting_id = str(data.get("id") or "")
    if not meeting_id or data.get("state") not in (None, "", "ended"):
        return False
    if data.get("meetingType") not in (None, "", "meeting"):
        return False  # series and scheduled meetings are not instances: no quality data
    org_id = _org_for(runtime, org_id)
    if org_id is None or store.get(meeting_id) is not None:
        return False
    meeting = dict(data)
    if any(not meeting.get(k) for k in DETAIL_FIELDS):
        meeting = _complete(runtime, org_id, meeting)
    now = runtime.now()
    due = rules.due_at(meeting, now, runtime.config.alert_delay)
    if not store.see(meeting_id, org_id, meeting, rules.ended_at(meeting), due, source, now):
        return False
    _enqueue(runtime, meeting_id, None, delay=max(0.0, (due - now).total_seconds()))
    return True


def _complete(runtime: Runtime, org_id: str, meeting: dict) -> dict:
    """Missing fields read with GET /meetings/{id} and the org token; on trouble the run
    completes them later, so intake never fails over it."""
    try:
        found = org.client(runtime, org_id).meeting(meeting["id"])
    except (WebexError, org.NoOrgConnection) as exc:
        log.info("meeting details not readable yet (%s); completed at its run", exc)
        return meeting
    return {**found, **{k: v for k, v in meeting.items() if v not in (None, "")}}


# One meeting's run ---------------------------------------------------------------------------
def process(runtime: Runtime, meeting_id: str, token: str | None = None) -> str:
    """Run one meeting as far as it goes; returns its status after this run."""
    if token is None:
        token = new_token()
        if store.claim(meeting_id, token, runtime.now(), LEASE) is None:
            return "taken"
    row = store.get(meeting_id)
    if row is None or row.lease_owner != token:
        return "taken"
    status = row.status
    try:
        if status == "waiting":
            status = _analyse_and_plan(runtime, row, token)
        if status == "planned":
            status = deliver(runtime, meeting_id, token)
    except Postpone as later:
        return _postpone(runtime, row, token, str(later), later.until)
    except org.NoOrgConnection:
        store.finish(meeting_id, token, "failed", runtime.now(), "the org is no longer connected")
        return "failed"
    except Exception as exc:
        log.exception("alert run for %s failed", meeting_id)
        return _postpone(runtime, row, token, f"{type(exc).__name__}: {exc}"[:300], None)
    return status


def _first_due(runtime: Runtime, row) -> datetime:
    from storage.db import aware

    return aware(row.ended_at or row.seen_at) + timedelta(seconds=runtime.config.alert_delay)


def _postpone(runtime: Runtime, row, token: str, why: str, until: datetime | None) -> str:
    now = runtime.now()
    if rules.give_up(_first_due(runtime, row), now):
        log.error("alerts for meeting %s given up: %s", row.meeting_id, why)
        store.finish(row.meeting_id, token, "failed", now, f"given up: {why}")
        return "failed"
    until = max(until or now, now + rules.backoff(row.attempts))
    log.warning("alerts for meeting %s postponed to %s: %s", row.meeting_id, until, why)
    store.postpone(row.meeting_id, token, until, why)
    return "postponed"


def _analyse_and_plan(runtime: Runtime, row, token: str) -> str:
    meeting = store.meeting_dict(row)
    user = org.client(runtime, row.org_id)
    if any(not meeting.get(k) for k in DETAIL_FIELDS):
        try:
            meeting = {**meeting, **user.meeting(row.meeting_id)}
            store.store_meeting(row.meeting_id, token, meeting)
        except NotFound:
            pass  # details appear ~15 min after the end; qualities may still be there
        except (Unavailable, RateLimited) as exc:
            raise Postpone(f"meeting details: Webex {exc.status}") from None
    try:
        data = qualities.fetch_once(
            row.meeting_id,
            lambda: user.qualities(row.meeting_id),
            min_interval=runtime.config.quality_min_interval,
            owner=f"{OWNER}:alerts",
            clock=runtime.now,
            meeting=meeting,
            counts_against_limit=counts_against_limit,
        )
    except Forbidden:
        store.finish(row.meeting_id, token, "failed", runtime.now(), "qualities refused (403)")
        return "failed"
    except qualities.FetchRefused as exc:
        raise Postpone(f"qualities: {exc.status}", exc.retry_at) from None
    except (NotFound, WebexError) as exc:
        raise Postpone(f"qualities: Webex {exc.status or 'no answer'}") from None
    if not data.items:
        raise Postpone("no quality data yet")
    report = analyze_meeting(data.items, data.meeting or meeting)
    record_meeting(meeting, report, row.org_id)  # logs, never raises: no alert lost over it
    poor = rules.poor_participants(report, runtime.config.alert_min_poor_minutes)
    if not poor:
        store.finish(row.meeting_id, token, "silent", runtime.now())
        return "silent"
    claims = plan_claims(runtime, row.org_id, meeting, poor, len(report.participants))
    if not store.plan(row.meeting_id, token, claims):
        raise Postpone("lease lost before planning")
    return "planned"


def plan_claims(
    runtime: Runtime, org_id: str, meeting: dict, poor: list, participants: int
) -> list[tuple[str, str, dict]]:
    """Every message this alert makes: (target, kind, content), one per space and per person."""
    from bot.summaries.notices import space_timezone

    default_tz = runtime.config.default_timezone
    meeting_tz = meeting.get("timezone") or default_tz
    claims: list[tuple[str, str, dict]] = []
    for room_id in store.spaces_on(org_id):
        tz = space_timezone(room_id, meeting_tz)
        content = alert_message(meeting, poor, participants, tz).as_dict()
        claims.append((f"space:{room_id}", "space", content))
    domains = _org_domains(runtime, org_id)
    host = str(meeting.get("hostEmail") or "").lower()
    host_in = bool(host) and _host_in_org(runtime, org_id, meeting, host, domains)
    if host_in:
        domains.add(rules.email_domain(host))
    off = store.notify_off([host, *(pp.email for pp in poor)])
    if host_in and host not in off:
        own = next((pp for pp in poor if pp.email == host), None)
        content = host_message(meeting, poor, participants, meeting_tz, own).as_dict()
        claims.append((f"person:{host}", "host", content))
    for pp in poor:
        if not pp.email or pp.email == host or pp.email in off:
            continue
        if rules.email_domain(pp.email) not in domains:
            continue  # not in the org: guests and other orgs get nothing
        content = participant_message(meeting, pp, meeting_tz).as_dict()
        claims.append((f"person:{pp.email}", "participant", content))
    return list({target: (target, kind, c) for target, kind, c in claims}.values())


def _org_domains(runtime: Runtime, org_id: str) -> set[str]:
    """Mail domains known to belong to the org: whoever connected it and the quality admins.
    Quality items name people only by email, and §6 allows no people search by email."""
    found = {rules.email_domain(c.connected_by_email) for c in org.connections(runtime)
             if c.org_id == org_id}
    found |= {rules.email_domain(e) for e in runtime.config.quality_admin_emails}
    return {d for d in found if d}


def _host_in_org(runtime: Runtime, org_id: str, meeting: dict, host: str, domains) -> bool:
    host_id = str(meeting.get("hostUserId") or "")
    if host_id:
        try:
            found = org.org_of(runtime, host_id)
        except WebexError:
            found = None
        if found is not None:
            return found == org_id
    return rules.email_domain(host) in domains


# Posting -------------------------------------------------------------------------------------
def deliver(runtime: Runtime, meeting_id: str, token: str) -> str:
    """Post every pending claim once. Raises Postpone while some could not be posted yet."""
    store.abandon_sending(meeting_id, runtime.now())
    waiting = 0
    for claim in store.deliveries(meeting_id):
        if claim.status != "pending":
            continue
        if not store.extend(meeting_id, token, runtime.now(), LEASE):
            raise Postpone("lease lost while posting")
        email = claim.target.partition(":")[2]
        if claim.kind != "space" and not store.notify_enabled(email):
            store.skip(claim.id, "notify off")
            continue
        if not store.take(claim.id, token, runtime.now()):
            continue
        outcome, error = _post(runtime, claim)
        store.settle(claim.id, token, outcome, runtime.now(), error)
        if outcome == "pending":
            waiting += 1
            break  # Webex is down: the rest waits for the retry, in order
    if waiting:
        raise Postpone("Webex unavailable while posting")
    store.finish(meeting_id, token, "alerted", runtime.now())
    return "alerted"


def _post(runtime: Runtime, claim: store.Delivery) -> tuple[str, str]:
    """(outcome, error): sent; pending when Webex surely did not post it (retry later);
    unknown when it may have (never repeated); failed when it never will (bot left the space)."""
    kind, _, target = claim.target.partition(":")
    markdown, card = claim.content["markdown"], claim.content["card"]
    try:
        if kind == "space":
            runtime.webex.send(room_id=target, markdown=markdown, card=card)
        else:
            runtime.webex.send(to_person_email=target, markdown=markdown, card=card)
    except RateLimited as exc:
        return "pending", f"429 retry after {exc.retry_after}s"
    except Unavailable as exc:
        if exc.retryable:
            return "pending", f"Webex {exc.status or 'no answer'}"
        return "unknown", f"Webex {exc.status or 'timeout'} after sending: maybe posted"
    except WebexError as exc:
        log.warning("alert for %s could not be posted: %s", claim.target, exc.status)
        return "failed", f"Webex {exc.status}: {exc.message}"[:300]
    return "sent", ""
