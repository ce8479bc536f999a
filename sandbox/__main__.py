"""`python -m sandbox [--host] [--port] [--seed] [--state-file]`: the Webex API emulator."""

from __future__ import annotations

import argparse

from sandbox.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated org data")
    parser.add_argument("--state-file", help="write the state JSON here once serving")
    args = parser.parse_args(argv)
    run(args.host, args.port, args.seed, args.state_file)


if __name__ == "__main__":
    main()
