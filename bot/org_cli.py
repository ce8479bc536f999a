"""`quality-bot org status|forget ORG_ID|service-app [--org-id ORG_ID]` (§9). Each prints one
line per fact and never a token: tokens come from standard input only."""

from __future__ import annotations

import argparse
import sys

from bot.config import Config, ConfigError
from bot.orgs import OrgSetupError


def run_org(config: Config, args: argparse.Namespace) -> int:
    from bot.app import build_runtime

    if args.action == "service-app":
        # Before any token is read: what the pair needs to be stored and refreshed.
        config.require(
            "TOKEN_KEY", "WEBEX_SERVICE_APP_CLIENT_ID", "WEBEX_SERVICE_APP_CLIENT_SECRET"
        )
    runtime = build_runtime(config)
    orgs = runtime.orgs
    if args.action == "status":
        infos = orgs.infos()
        for info in infos:
            state = "BROKEN (connect again)" if info.broken else "ok"
            print(
                f"{info.org_id}  kind={info.kind}  connected-by={info.connected_by_email or '-'}"
                f"  access-token-expires={info.access_expires_at:%Y-%m-%dT%H:%M:%SZ}  {state}"
            )
        if not infos:
            print("no org connections")
        return 0
    if args.action == "forget":
        if orgs.forget(args.org_id):
            print(f"forgot the org connection of {args.org_id}")
            return 0
        print(f"no org connection for {args.org_id}")
        return 1
    if not config.webex_bot_token and not args.org_id:
        raise ConfigError("WEBEX_BOT_TOKEN is not set (needed to find the bot's org; or --org-id)")
    access, refresh = sys.stdin.readline(), sys.stdin.readline()
    try:
        print(orgs.store_service_app(access.strip(), refresh.strip(), args.org_id))
    except OrgSetupError as exc:
        raise SystemExit(f"quality-bot: {exc}") from None
    except ValueError as exc:  # a bad TOKEN_KEY: the message names its position, not the key
        raise SystemExit(f"quality-bot: {exc}") from None
    return 0
