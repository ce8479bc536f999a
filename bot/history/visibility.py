"""Which history rows a /trends or /export shows (contract §9 and §12).

The decisions — a person's org, who is a quality admin — are bot/access.py's; this module only
turns them into a storage scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.access import OrgLookupFailed
from storage import tokens
from storage.history import Scope

if TYPE_CHECKING:
    from bot.runtime import Runtime


def org_of(runtime: Runtime, person_id: str) -> str:
    """The person's org id (bot token, cached); raises access.OrgLookupFailed, which the
    dispatcher answers plainly: never a guess that could show another org's rows."""
    return runtime.access.org_of(person_id) or ""


def is_quality_admin(runtime: Runtime, email: str, org_id: str) -> bool:
    return runtime.access.is_quality_admin(email, org_id or None)


def stored_email(runtime: Runtime, person_id: str) -> str:
    """The email of the person's stored connection, "" without one (no Webex call)."""
    row = tokens.get(person_id)
    return row.email.strip().lower() if row is not None and row.email else ""


def email_of(runtime: Runtime, person_id: str, known: str = "") -> str:
    """The person's primary email: the one Webex gave with their message, else their stored
    connection's, else Webex's (bot token, GET /people/{id})."""
    if known:
        return known.strip().lower()
    stored = stored_email(runtime, person_id)
    if stored:
        return stored
    emails = runtime.webex.person(person_id).get("emails") or []
    return str(emails[0]).strip().lower() if emails else ""


# Who a /trends or /export shows -----------------------------------------------------------------
REFUSE_ORG = (
    "Only quality admins can see the organization's trends. `/trends` shows your own meetings."
)
REFUSE_PERSON = (
    "Only quality admins can see another person's trends. `/trends` shows your own meetings."
)
# History rows are found by the participant's email: without one, no row is surely theirs (an
# empty email would match every email-less guest's row, of any org).
NO_EMAIL = (
    "Webex does not give me your email address, so I cannot tell which meetings are yours. "
    "Ask your Webex administrator to add one to your account."
)


@dataclass(frozen=True)
class View:
    scope: Scope
    who: str  # "you", "the organization" or the person's email
    org_view: bool = False


@dataclass(frozen=True)
class Refused:
    message: str


def person_from_target(runtime: Runtime, target: str) -> str:
    """An email as typed, or `@<personId>` (an @mention, see bot.mentions) looked up."""
    if target.startswith("@") and "@" not in target[1:]:
        return email_of(runtime, target[1:])
    return target.lstrip("@").strip().lower()


def trends_view(runtime: Runtime, person_id: str, email: str, target: str | None) -> View | Refused:
    """Own rows for everyone; the org's or another person's for quality admins only (§9)."""
    me = email_of(runtime, person_id, email)
    if not me:
        return Refused(NO_EMAIL)
    if not target:
        return View(Scope(email=me), "you")
    org = org_of(runtime, person_id)
    if target == "org":
        if not is_quality_admin(runtime, me, org):
            return Refused(REFUSE_ORG)
        return View(Scope(org_id=org), "the organization", org_view=True)
    other = person_from_target(runtime, target)
    if other == me:
        return View(Scope(email=me), "you")
    if not is_quality_admin(runtime, me, org):
        return Refused(REFUSE_PERSON)
    return View(Scope(org_id=org, email=other), other)


def export_view(runtime: Runtime, person_id: str, email: str) -> View | Refused:
    """A quality admin gets the org's rows, anyone else the rows where they are the participant."""
    me = email_of(runtime, person_id, email)
    if not me:
        return Refused(NO_EMAIL)
    org = org_of(runtime, person_id)
    if is_quality_admin(runtime, me, org):
        return View(Scope(org_id=org), "the organization", org_view=True)
    return View(Scope(email=me), "you")


def summary_identity(runtime: Runtime, person_id: str) -> dict[str, str]:
    """What bot.summaries.content.compose needs to keep and read a subscriber's history: their
    org (cached lookup; unknown when Webex will not say, which costs only the org view's count
    of these rows, never the summary), and the email their meetings are found by."""
    try:
        org_id = org_of(runtime, person_id)
    except OrgLookupFailed:
        org_id = ""
    return {"org_id": org_id, "email": stored_email(runtime, person_id)}
