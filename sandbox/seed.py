"""Deterministic seeded org: people, spaces, and a week of ended meetings.

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
TITLES = ["Weekly Sync", "Design Review", "Customer Call: Acme", "Sprint Planning", "All Hands",
          "1:1 Check-in", "Incident Retro", "Sales Pipeline", "Architecture Forum", "Hiring Panel",
          "Product Demo", "Support Standup"]
# Scenario mix for the recent meetings: most are clean, a few carry each known failure mode.
SCENARIOS = ["good", "good", "wifi", "good", "cellular", "good", "tcp", "phone", "good", "wifi",
             "late", "good", "mixed", "good", "gaps", "good", "cellular", "good", "mixed", "good"]
SIZES = [2, 3, 4, 5, 6, 8, 12, 15, 25, 40, 60]


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

    _seed_meetings(world, rng, now, people)


def _participants(rng: random.Random, scenario: str, size: int, host: Person,
                  people: list[Person], start, end) -> list[Participant]:
    """Host first, then org people, then guests; profiles drawn to match the scenario."""
    invited = [host, *rng.sample([p for p in people if p is not host], min(size - 1, 8))]
    names = [(p.display_name, p.email) for p in invited]
    while len(names) < size:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        names.append((f"{first} {last}", f"{first}.{last}{len(names)}@guest.example.net".lower()))
    result = []
    for i, (name, email) in enumerate(names):
        profile = rng.choice(["desktop", "desktop", "desktop", "wifi_ok", "mobile_ok"])
        join = start + timedelta(seconds=rng.randint(0, 150))
        leave = end - timedelta(seconds=rng.randint(0, 90))
        if scenario == "wifi" and i in (1, 3):
            profile = "wifi_bursts"
        elif scenario == "cellular" and i == 1:
            profile = "cellular"
        elif scenario == "tcp" and i == 1:
            profile = "tcp"
        elif scenario == "phone" and i in (1, 2):
            profile = "phone"
        elif scenario == "gaps" and i in (0, 2):
            profile = "gappy"
        elif scenario == "mixed":
            profile = ["wifi_bursts", "cellular", "tcp", "phone", "gappy"][i % 5] if i else profile
        if (scenario == "late" and i == 1) or (scenario == "mixed" and i == 2):
            span = (end - start) / 4
            join, leave = start + span, end - span
        person = Participant(name, email, profile, join, leave, presenter=i == 0)
        if scenario in ("wifi", "cellular") and i == 1:
            # The flaky connection drops once; the client rejoins a couple of minutes later.
            drop = join + (leave - join) * rng.uniform(0.35, 0.6)
            back = drop + timedelta(seconds=rng.randint(60, 180))
            person.sessions = [(join, drop), (back, leave)]
        result.append(person)
    return result


def _seed_meetings(world: World, rng: random.Random, now, people: list[Person]) -> None:
    admin = people[0]
    series_list: list[Series] = []
    for i, title in enumerate(TITLES):
        host = admin if i % 4 != 3 else people[1 + i % 5]
        number = "2" + "".join(rng.choices(string.digits, k=9))
        s = Series(uuid.UUID(int=rng.getrandbits(128)).hex, title, number, host.id,
                   now - timedelta(days=60))
        world.series[s.id] = s
        series_list.append(s)

    def add(series: Series, start, minutes: int, scenario: str, size: int) -> None:
        end = start + timedelta(minutes=minutes)
        digits = str(rng.randint(10**17, 10**18 - 1))
        host = world.people[series.host_id]
        parts = _participants(rng, scenario, size, host, people, start, end)
        meeting = Meeting(f"{series.id}_I_{digits}", series.id, start, end, parts)
        world.meetings[meeting.id] = meeting

    # ~20 ended instances over the last 7 days; the first three series recur.
    for i, scenario in enumerate(SCENARIOS):
        series = series_list[i % len(series_list)] if i < 12 else series_list[i % 3]
        hours_ago = 6 + i * 8 + rng.randint(0, 3)
        start = (now - timedelta(hours=hours_ago)).replace(minute=rng.choice([0, 30]))
        size = 60 if i == 8 else rng.choice(SIZES[:8]) if scenario != "good" else rng.choice(SIZES)
        add(series, start, rng.choice([25, 30, 45, 60, 90]), scenario, max(size, 3))
    # Past the 7-day retention, and too fresh to have data yet.
    add(series_list[0], now - timedelta(days=8, hours=2), 30, "good", 4)
    add(series_list[1], now - timedelta(minutes=7), 5, "good", 3)
