"""Deterministic seeded org: people, spaces, and a week of meetings (sandbox.story).

Only the cheap skeleton is built here (who attended what, when, on which kind of network);
the per-minute samples are generated on first request by `sandbox.qualities`, so start-up stays
fast whatever the meeting sizes.
"""

from __future__ import annotations

import base64
import random
import secrets
import string
import uuid
from datetime import timedelta

from sandbox.story import seed_story
from sandbox.world import Meeting, Participant, Person, Room, Series, Token, World, webex_id

BOT_EMAIL = "quality-bot@webex.bot"
BOT_NAME = "Quality Bot"
DOMAIN = "sandbox.example.com"

USER_SCOPES = frozenset(
    {
        "spark:all",
        "spark:people_read",
        "spark:messages_read",
        "spark:messages_write",
        "spark:rooms_read",
        "spark:memberships_read",
        "spark:memberships_write",
        "meeting:schedules_read",
    }
)
ADMIN_SCOPES = USER_SCOPES | {
    "meeting:admin_schedule_read",
    "analytics:read_all",
    "spark-admin:people_read",
}
BOT_SCOPES = frozenset({"spark:all"})

FIRST = ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Giulia", "Hiro", "Ines", "Jonas",
         "Kavya", "Lars", "Maya", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tomas",
         "Uma", "Viktor", "Wen", "Yara", "Zoe"]
LAST = ["Martin", "Okafor", "Nguyen", "Schmidt", "Rossi", "Tanaka", "Silva", "Kowalski", "Haddad",
        "Jensen", "Patel", "Moreau", "Costa", "Berg", "Ito", "Novak", "Garcia", "Larsen"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _token(rng: random.Random, org_uuid: str) -> str:
    body = "".join(rng.choices(string.ascii_letters + string.digits, k=64))
    return f"{body}_P0A1_{org_uuid}"


def new_token(world: World) -> str:
    """A fresh personal token shaped like the seeded ones (for people created later)."""
    raw = world.org_id + "=" * (-len(world.org_id) % 4)
    org_uuid = base64.b64decode(raw).decode().rsplit("/", 1)[-1]
    return f"{secrets.token_hex(32)}_P0A1_{org_uuid}"


def seed_world(world: World) -> None:
    """Fill an empty world from `world.seed`; times are relative to the world's clock."""
    rng = random.Random(world.seed)
    now = world.now().replace(second=0, microsecond=0)
    epoch = now - timedelta(days=400)
    org_uuid = _uuid(rng)
    world.org_id = webex_id("ORGANIZATION", org_uuid)
    world.client_id = "C" + "".join(rng.choices("0123456789abcdef", k=64))
    world.client_secret = "".join(rng.choices("0123456789abcdef", k=64))

    def add_person(first: str, last: str, email: str, kind: str = "person",
                   admin: bool = False) -> Person:
        name = f"{first} {last}".strip()
        person = Person(webex_id("PEOPLE", _uuid(rng)), email, name, first, last,
                        epoch + timedelta(days=rng.randint(0, 300)), kind, admin)
        world.people[person.id] = person
        scopes = BOT_SCOPES if kind == "bot" else ADMIN_SCOPES if admin else USER_SCOPES
        token = Token(_token(rng, org_uuid), person.id, scopes)
        world.tokens[token.value] = token
        return person

    bot = add_person(BOT_NAME, "", BOT_EMAIL, kind="bot")
    bot.first_name, bot.last_name = BOT_NAME, ""
    world.bot_id = bot.id
    firsts = rng.sample(FIRST, 13)
    lasts = rng.sample(LAST, 13)
    people = []
    for i, (first, last) in enumerate(zip(firsts, lasts, strict=True)):
        email = f"{first}.{last}@{DOMAIN}".lower()
        people.append(add_person(first, last, email, admin=i in (0, 5)))
    admin, users = people[0], people[1:]

    def add_room(title: str, kind: str, member_ids: list[str]) -> None:
        created = epoch + timedelta(days=rng.randint(300, 390))
        room_id = webex_id("ROOM", _uuid(rng))
        world.rooms[room_id] = Room(room_id, title, kind, member_ids[0], created, created)
        for pid in member_ids:
            world.add_membership(room_id, pid).created = created

    add_room(admin.display_name, "direct", [admin.id, bot.id])
    add_room(users[0].display_name, "direct", [users[0].id, bot.id])
    add_room("Team Quality", "group", [admin.id, bot.id, *(u.id for u in users[:6])])
    # Where a demo turns alerts on: the admins and a colleague, not the people alerts are about.
    add_room("IT Quality", "group", [admin.id, bot.id, people[5].id, people[9].id])

    seed_story(world, rng, now, people)
    seed_org_extras(world)


SERVICE_APP_SCOPES = frozenset({"spark:people_read", "meeting:admin_schedule_read",
                                "meeting:admin_participants_read", "analytics:read_all"})
OTHER_DOMAIN = "partner.example.org"


def seed_org_extras(world: World) -> None:
    """Part II: a Service App the main org's admin authorized, and a second org (its own admin,
    two people, a meeting) for outsider tests. A separate random stream keeps everything seeded
    before exactly as it was."""
    from sandbox.world import REFRESH_TTL, RefreshToken

    rng = random.Random(f"{world.seed}-org")
    now = world.now().replace(second=0, microsecond=0)
    org_uuid = world.org_id  # tokens of the main org end with its id, like the seeded ones
    app = Person(webex_id("PEOPLE", _uuid(rng)), "quality-service-app@webex.serviceapp",
                 "Quality Service App", "Quality", "Service App", now - timedelta(days=30),
                 "appuser", admin=True)
    world.people[app.id] = app
    client_id = "C" + "".join(rng.choices("0123456789abcdef", k=64))
    secret = "".join(rng.choices("0123456789abcdef", k=64))
    access = Token(_token(rng, org_uuid), app.id, SERVICE_APP_SCOPES,
                   now + world.access_ttl, client_id)
    refresh = RefreshToken(_token(rng, org_uuid), app.id, client_id, SERVICE_APP_SCOPES,
                           now + REFRESH_TTL)
    world.tokens[access.value] = access
    world.refresh_tokens[refresh.value] = refresh
    world.service_app = {"clientId": client_id, "clientSecret": secret,
                         "accessToken": access.value, "refreshToken": refresh.value}

    other_uuid = _uuid(rng)
    world.other_org_id = webex_id("ORGANIZATION", other_uuid)
    bot = world.people[world.bot_id]
    outsiders = []
    for i, (first, last) in enumerate([("Olga", "Volkova"), ("Bernd", "Ruiz"), ("Yuki", "Tamura")]):
        person = Person(webex_id("PEOPLE", _uuid(rng)), f"{first}.{last}@{OTHER_DOMAIN}".lower(),
                        f"{first} {last}", first, last, now - timedelta(days=200), admin=i == 0,
                        org_id=world.other_org_id)
        world.people[person.id] = person
        token = Token(_token(rng, other_uuid), person.id, ADMIN_SCOPES if i == 0 else USER_SCOPES)
        world.tokens[token.value] = token
        outsiders.append(person)
    for person in outsiders[:2]:
        room = Room(webex_id("ROOM", _uuid(rng)), person.display_name, "direct", person.id,
                    now - timedelta(days=20), now - timedelta(days=20))
        world.rooms[room.id] = room
        for pid in (person.id, bot.id):
            world.add_membership(room.id, pid).created = room.created
    series = Series(uuid.UUID(int=rng.getrandbits(128)).hex, "Partner Weekly",
                    "2" + "".join(rng.choices(string.digits, k=9)), outsiders[0].id,
                    now - timedelta(days=30))
    world.series[series.id] = series
    start = now - timedelta(hours=5)
    end = start + timedelta(minutes=30)
    parts = [Participant(p.display_name, p.email, "desktop", start, end - timedelta(minutes=1),
                         presenter=i == 0) for i, p in enumerate(outsiders)]
    meeting_id = f"{series.id}_I_{rng.randint(10**17, 10**18 - 1)}"
    world.meetings[meeting_id] = Meeting(meeting_id, series.id, start, end, parts)
