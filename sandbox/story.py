"""The seeded org's week of meetings: a story a newcomer reads in one look.

Roles (by position in the seeded people list; names come from the seed):
- the admin (0) hosts most meetings; person 1 is the **Wi-Fi sufferer** (poor on every Weekly
  Sync); person 3 the **TCP user** (a VPN that blocks UDP: Design Review, Sprint Planning);
  person 4 presents the **bad All Hands** from a poor uplink, so everyone else heard it badly
  ("from NAME", their own cause "upload"); person 7's laptop runs out of CPU in the Incident Retro;
  a guest joins Acme calls on **mobile data**; the 60-person Architecture Forum is **good**.
- Three meetings are still in progress when the sandbox starts and end on its clock within a few
  minutes (sandbox.live_meetings), the first about 70 s after start with the Wi-Fi sufferer poor,
  so an alert can reach the "IT Quality" space early in a demo.

Guests get names from pools disjoint from the org's, never twice in one meeting, so a guest can
never be mistaken for a colleague.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.live_meetings import series_for, start_meeting
from sandbox.world import Meeting, Participant, Person, World

GUEST_FIRST = ["Aiden", "Beatriz", "Carlos", "Daria", "Elif", "Felix", "Grace", "Hamza", "Irene",
               "Jamal", "Keiko", "Liam", "Marta", "Nikolai", "Olivia", "Pablo", "Rania", "Samuel",
               "Tara", "Ulrich"]
GUEST_LAST = ["Anderson", "Bakker", "Cohen", "Dubois", "Eriksson", "Fischer", "Gomez", "Hughes",
              "Ibrahim", "Johansson", "Kim", "Lindqvist", "Mendes", "Nakamura", "Oyelaran",
              "Petrov", "Quinn", "Reyes", "Sato", "Walsh"]
GUEST_DOMAIN = "guest.example.net"
CLEAN = ["desktop", "desktop", "desktop", "wifi_ok"]
MIXED = [*CLEAN, "mobile_ok"]

ADMIN, WIFI, SALES, TCP, CEO, ADMIN2, HOST6, CPU = range(8)
EVERYONE = -1  # all org people attend


@dataclass
class Scene:
    title: str
    hours_ago: float
    minutes: int
    host: int
    people: list[int]  # org people besides the host (EVERYONE: all of them)
    guests: int = 0
    profiles: dict[str | int, str] = field(default_factory=dict)  # person index or "g<k>"
    late: tuple[str | int, ...] = ()  # joined a quarter in, left a quarter early
    clean: bool = False  # only clean profiles for the others
    rejoin: tuple[str | int, ...] = ()  # dropped out once and rejoined (two media sessions)


# Ended meetings of the last 7 days, newest first.
WEEK = [
    Scene("Weekly Sync", 6, 30, ADMIN, [WIFI, 8, 9, 10], profiles={WIFI: "wifi"}),
    Scene("Customer Call: Acme", 14, 45, SALES, [ADMIN, 11], guests=3,
          profiles={"g0": "cellular", "g2": "phone"}, rejoin=("g0",)),
    Scene("Design Review", 22, 60, ADMIN, [TCP, 8, 12, 9], profiles={TCP: "tcp"}),
    Scene("All Hands", 30, 60, CEO, [EVERYONE], guests=35,
          profiles={CEO: "upload", WIFI: "wifi_ok", "g3": "phone"}),
    Scene("1:1 Check-in", 38, 30, ADMIN, [SALES], clean=True),
    Scene("Sprint Planning", 46, 45, ADMIN, [TCP, 8, 9, 10, 12], profiles={TCP: "tcp"}),
    Scene("Architecture Forum", 54, 90, ADMIN2, [EVERYONE], guests=47, clean=True),
    Scene("Sales Pipeline", 62, 30, SALES, [ADMIN, 11], guests=2,
          profiles={"g0": "phone", "g1": "phone"}),
    Scene("Incident Retro", 70, 60, ADMIN, [CPU, 8, 10], profiles={CPU: "cpu"}),
    Scene("Weekly Sync", 78, 30, ADMIN, [WIFI, 8, 9, 10], profiles={WIFI: "wifi"},
          rejoin=(WIFI,)),
    Scene("Hiring Panel", 86, 45, ADMIN2, [ADMIN, 9, 12], guests=1, profiles={9: "gappy"}),
    Scene("Product Demo", 94, 30, ADMIN, [11, 10], guests=4, late=("g1",)),
    Scene("Support Standup", 102, 25, HOST6, [8, 9, 10, 11]),
    Scene("Customer Call: Acme", 110, 45, SALES, [ADMIN], guests=2, profiles={"g0": "cellular"}),
    Scene("Weekly Sync", 126, 30, ADMIN, [WIFI, 8, 9, 10], profiles={WIFI: "wifi"}),
    Scene("Design Review", 134, 60, ADMIN, [TCP, 8, 12], profiles={TCP: "tcp"}),
    Scene("Lunch & Learn", 142, 60, ADMIN2, [ADMIN, 8, 9, 10, 11, 12], guests=12,
          late=(11, "g4")),
    Scene("Support Standup", 150, 25, HOST6, [8, 9, 10, 11]),
    Scene("1:1 Check-in", 158, 30, ADMIN, [SALES], clean=True),
    Scene("Sprint Planning", 164, 45, ADMIN, [TCP, 8, 9, 10, 12], profiles={TCP: "tcp"}),
]
# Past the 7-day retention, and ended two minutes ago (too fresh to have data).
EXPIRED = Scene("Weekly Sync", 8 * 24 + 2, 30, ADMIN, [8, 9, 10], clean=True)
FRESH = Scene("Design Review", 7 / 60, 5, ADMIN, [8, 9], clean=True)
# In progress at start: (scene, seconds from start until it ends).
LIVE = [
    (Scene("Weekly Sync", 0, 15, ADMIN, [WIFI, 8, 9], profiles={WIFI: "wifi"}), 70),
    (Scene("Customer Call: Globex", 0, 20, SALES, [ADMIN, 11], guests=2,
           profiles={SALES: "upload"}), 240),
    (Scene("Product Demo", 0, 12, ADMIN, [10, 12], guests=2, clean=True), 420),
]


def guests(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` distinct guest (name, email) pairs from the guest pools; up to 20 guests also
    share no first or last name, so nobody reads as someone's relative."""
    if count <= min(len(GUEST_FIRST), len(GUEST_LAST)):
        pairs = list(zip(rng.sample(GUEST_FIRST, count), rng.sample(GUEST_LAST, count),
                         strict=True))
    else:
        pairs = rng.sample([(f, last) for f in GUEST_FIRST for last in GUEST_LAST], count)
    return [(f"{f} {last}", f"{f}.{last}@{GUEST_DOMAIN}".lower()) for f, last in pairs]


def _cast(rng: random.Random, scene: Scene, people: list[Person]) -> list[tuple[str, str, str]]:
    """(name, email, profile) for the scene: host first, then org people, then guests."""
    host = people[scene.host]
    org = [p for p in people if p is not host] if scene.people == [EVERYONE] else [
        people[i] for i in scene.people]
    keyed: list[tuple[str | int, str, str]] = [
        (people.index(p), p.display_name, p.email) for p in [host, *org]]
    keyed += [(f"g{k}", name, email) for k, (name, email) in enumerate(guests(rng, scene.guests))]
    pool = CLEAN if scene.clean else MIXED
    return [(name, email, scene.profiles.get(key) or rng.choice(pool))
            for key, name, email in keyed]


def _ended(world: World, rng: random.Random, scene: Scene, people: list[Person],
           now: datetime) -> None:
    start = (now - timedelta(hours=scene.hours_ago))
    if scene.hours_ago >= 1:
        start = start.replace(minute=rng.choice([0, 30]))
    end = start + timedelta(minutes=scene.minutes)
    host = people[scene.host]
    series = series_for(world, scene.title, host, now - timedelta(days=60), rng)
    cast = _cast(rng, scene, people)
    def keyed(keys: tuple[str | int, ...]) -> set[str]:
        return {people[k].email if isinstance(k, int) else k for k in keys}

    late, rejoin = keyed(scene.late), keyed(scene.rejoin)
    parts = []
    for i, (name, email, profile) in enumerate(cast):
        # Joins within 25 s and leaves within 20 s keep everyone's minutes aligned.
        join = start + timedelta(seconds=rng.randint(0, 25))
        leave = end - timedelta(seconds=rng.randint(0, 20))
        guest_key = f"g{i - (len(cast) - scene.guests)}" if i >= len(cast) - scene.guests else ""
        if email in late or guest_key in late:
            span = (end - start) / 4
            join, leave = start + span, end - span
        person = Participant(name, email, profile, join, leave, presenter=i == 0)
        if email in rejoin or guest_key in rejoin:
            # The flaky connection drops once; the client rejoins a couple of minutes later.
            drop = join + (leave - join) * rng.uniform(0.35, 0.6)
            back = drop + timedelta(seconds=rng.randint(60, 180))
            person.sessions = [(join, drop), (back, leave)]
        parts.append(person)
    digits = str(rng.randint(10**17, 10**18 - 1))
    meeting = Meeting(f"{series.id}_I_{digits}", series.id, start, end, parts)
    world.meetings[meeting.id] = meeting


def seed_story(world: World, rng: random.Random, now: datetime, people: list[Person]) -> None:
    """The week's ended meetings, one expired and one fresh, and three in progress."""
    for scene in [*WEEK, EXPIRED, FRESH]:
        _ended(world, rng, scene, people, now)
    started = world.now().replace(microsecond=0)
    for scene, ends_in in LIVE:
        end = started + timedelta(seconds=ends_in)
        start = end - timedelta(minutes=scene.minutes)
        host = people[scene.host]
        series = series_for(world, scene.title, host, now - timedelta(days=60), rng)
        digits = str(rng.randint(10**17, 10**18 - 1))
        start_meeting(world, scene.title, host, scene.minutes, _cast(rng, scene, people),
                      start=start, meeting_id=f"{series.id}_I_{digits}")
