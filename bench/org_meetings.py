"""`/meetings` for an ordinary member, end to end on the sandbox (message posted -> card posted):
through the org connection (`hostEmail`; the person has no connection of their own) against the
same person's own token. Rounds alternate (bench/rounds.py), so both paths see the same load.

    .venv/bin/python bench/org_meetings.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

ORG, OWN = "org connection (hostEmail)", "own token"


def measure(rounds: int) -> dict[str, list[float]]:
    from rounds import alternate, bot_on_sandbox, feed_next, replies_after

    from storage import tokens
    from tests.org.conftest import Cast, make_harness

    with bot_on_sandbox(make_harness) as h:
        cast = Cast(h)
        assert h.connect_org(cast.admin).status_code == 200
        assert h.connect(cast.host).status_code == 200
        own = tokens.get(cast.host.id)  # set aside: the org rounds run without it
        room = h.room("direct", cast.host)["id"]
        feed = {"next": feed_next(h.sandbox.url)}

        def ask() -> float:
            start = time.perf_counter()
            cast.host.say(room, "/meetings")
            done, feed["next"] = replies_after(h.sandbox.url, feed["next"], h.bot["id"], 1)
            return (done - start) * 1000

        def through_org() -> float:
            tokens.delete_for(cast.host.id)
            return ask()

        def with_own_token() -> float:
            tokens.save_for(
                cast.host.id, email=own.email, display_name=own.display_name,
                access_token=bytes(own.access_token), refresh_token=bytes(own.refresh_token),
                access_expires_at=own.access_expires_at,
                refresh_expires_at=own.refresh_expires_at, scopes=own.scopes,
                now=h.runtime.now(),
            )
            return ask()

        return alternate([(ORG, through_org), (OWN, with_own_token)], rounds)


def main() -> None:
    from rounds import ratios, spread, table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    results = measure(args.rounds)
    print(f"/meetings for a member, end to end on the sandbox, {args.rounds} alternating rounds")
    print(table(results, "ms"))
    print(f"org / own, per round: {spread(ratios(results[ORG], results[OWN]))}")


if __name__ == "__main__":
    main()
