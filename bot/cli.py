"""The `quality-bot` command."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from bot.config import Config


def _config(*required: str) -> Config:
    from bot.logs import setup_logging

    config = Config.from_env().require(*required)
    setup_logging(config.log_level)
    return config


def cmd_serve(args: argparse.Namespace) -> int:
    from bot import warmup, webhook_admin
    from bot.app import build_runtime, create_app
    from bot.worker import build_worker

    config = _config("WEBEX_BOT_TOKEN", "WEBEX_WEBHOOK_SECRET")
    runtime = build_runtime(config)
    # The development server is both roles: the web app and, in-process, the worker.
    worker = build_worker(runtime)
    if args.sync_webhooks:
        for line in webhook_admin.sync(runtime.webex, config, runtime) or [
            "webhooks already in sync"
        ]:
            print(line, flush=True)
    app = create_app(runtime=runtime)
    consumer = None
    if not args.no_worker and not runtime.queue.immediate:
        consumer = runtime.queue.consumer(in_process=True)
        consumer.start()
        worker.recover()
        worker.dispatcher.recovery.start()  # dead workers' and postponed events, every 2 s
        warmup.start()
    try:
        app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from bot import warmup
    from bot.app import build_runtime
    from bot.worker import build_worker

    config = _config("WEBEX_BOT_TOKEN")
    runtime = build_runtime(config)
    if runtime.queue.immediate:
        raise SystemExit("quality-bot: QUEUE_URL=immediate runs tasks inline; there is no worker")
    worker = build_worker(runtime)
    worker.recover()
    worker.dispatcher.recovery.start()  # dead workers' and postponed events, every 2 s
    warmup.start()  # the first chart's imports and fonts, paid before anyone asks
    runtime.queue.consumer(workers=args.workers).run()
    return 0


def cmd_webhooks(args: argparse.Namespace) -> int:
    from bot import webhook_admin
    from bot.webex import BotClient

    required = (
        ("WEBEX_BOT_TOKEN", "WEBEX_WEBHOOK_SECRET")
        if args.action == "sync"
        else ("WEBEX_BOT_TOKEN",)
    )
    config = _config(*required)
    webex = BotClient(config.webex_bot_token, config.webex_api_url)
    if args.action == "sync":
        runtime = _org_runtime(config)
        lines = webhook_admin.sync(webex, config, runtime) or [
            "webhooks already in sync, nothing changed"
        ]
    elif args.action == "list":
        lines = [webhook_admin.describe(h) for h in webex.webhooks()]
        lines += webhook_admin.list_org_hooks(_org_runtime(config))
        lines = lines or ["no webhooks"]
    else:
        if not args.all:
            raise SystemExit(
                "quality-bot: `webhooks delete` needs --all (it removes every webhook "
                "of this bot token)"
            )
        lines = webhook_admin.delete_all(webex) or ["no webhooks to delete"]
    print("\n".join(lines))
    return 0


def _org_runtime(config: Config):
    """The database and clients, for the org connections' webhooks (the queue only enqueues)."""
    from bot.app import build_runtime

    return build_runtime(config)


def cmd_db(args: argparse.Namespace) -> int:
    from storage.schema import open_database, upgrade

    config = _config()
    open_database(config.database_url)
    changes = upgrade()
    print("\n".join(changes) if changes else f"schema is current ({config.database_url})")
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    # The sandbox is another program that only meets the bot over HTTP: exec it, don't import it.
    argv = [sys.executable, "-m", "sandbox", "--port", str(args.port), "--seed", str(args.seed)]
    if args.host:
        argv += ["--host", args.host]
    if args.state_file:
        argv += ["--state-file", args.state_file]
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(port=args.port, sandbox_port=args.sandbox_port)


def cmd_report(args: argparse.Namespace) -> int:
    from bot.report import run_report

    config = _config()
    return run_report(config, args.meeting_ref, args.token_from, args.out, args.csv)


def cmd_meetings(args: argparse.Namespace) -> int:
    from bot.report import run_meetings

    if not 1 <= args.days <= 30:
        raise SystemExit("quality-bot: --days must be from 1 to 30")
    return run_meetings(_config(), args.token_from, args.days)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.history.export import export_file

    config = _config()
    if not 1 <= args.days <= 400:
        raise SystemExit("quality-bot: --days must be from 1 to 400")
    print(export_file(config, args.days, args.out, args.org))
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    from bot.crypto import rotate_key

    config = _config("TOKEN_KEY")
    print(rotate_key(config))
    return 0


def cmd_org(args: argparse.Namespace) -> int:
    from bot.org_cli import run_org

    return run_org(_config(), args)


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot import doctor
    from bot.queue import Queue
    from bot.webex import BotClient
    from storage.db import ping
    from storage.schema import open_database

    config = Config.from_env()

    def stores() -> list[tuple[bool, str]]:
        try:
            open_database(config.database_url)
            db_ok = ping()
        except Exception as exc:  # doctor reports, it does not crash
            return [(False, f"database {config.database_url} unusable: {exc}")]
        queue_ok = Queue(config.queue_url).ping()
        return [
            *(doctor.given_up_events() if db_ok else []),
            (
                db_ok,
                f"database {config.database_url} " + ("answers" if db_ok else "does not answer"),
            ),
            (
                queue_ok,
                f"queue {config.queue_url} " + ("answers" if queue_ok else "does not answer"),
            ),
            *(doctor.org_checks(config) if db_ok else []),
        ]

    webex = (
        BotClient(config.webex_bot_token, config.webex_api_url) if config.webex_bot_token else None
    )
    results = doctor.run(config, stores, webex)
    if webex is not None:
        try:
            results.extend(doctor.alerts_checks(_org_runtime(config)))
        except Exception as exc:  # doctor reports, it does not crash
            results.append((False, f"alerts could not be checked: {type(exc).__name__}"))
    for ok, line in results:
        print(("ok    " if ok else "FIX   ") + line)
    failed = sum(1 for ok, _ in results if not ok)
    print(f"\n{failed} thing(s) to fix." if failed else "\nAll good.")
    return 1 if failed else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="quality-bot",
        description="A Webex bot that tells people how good their meetings really were.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="the webhook receiver (development server) + a worker")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--no-worker", action="store_true", help="do not run a worker in-process")
    s.add_argument("--sync-webhooks", action="store_true", help="run `webhooks sync` first")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("worker", help="background consumer and the daily-summary scheduler")
    s.add_argument("--workers", type=int, default=4, help="worker threads (default 4)")
    s.set_defaults(func=cmd_worker)

    s = sub.add_parser("webhooks", help="sync, list or delete the bot's Webex webhooks")
    wsub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    wsub.add_parser("sync", help="make Webex hold exactly the bot's webhooks for PUBLIC_URL")
    wsub.add_parser("list", help="list the bot's webhooks")
    d = wsub.add_parser("delete", help="delete webhooks")
    d.add_argument("--all", action="store_true", help="every webhook of the bot token")
    s.set_defaults(func=cmd_webhooks)

    s = sub.add_parser("db", help="database schema")
    dsub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    dsub.add_parser("upgrade", help="create or migrate the schema")
    s.set_defaults(func=cmd_db)

    s = sub.add_parser("sandbox", help="the local Webex API emulator and chat page")
    s.add_argument("--port", type=int, default=8900)
    s.add_argument("--host", default=None)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--state-file", default=None, help="write URLs, people and tokens here (JSON)")
    s.set_defaults(func=cmd_sandbox)

    s = sub.add_parser("demo", help="sandbox + bot + worker in one command")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--sandbox-port", type=int, default=8900)
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("report", help="the /quality chart and table offline")
    s.add_argument(
        "meeting_ref",
        metavar="MEETING_ID",
        help="a meeting id, a meeting number, or #N from `quality-bot meetings`",
    )
    s.add_argument("--token-from", required=True, metavar="PERSON_EMAIL")
    s.add_argument("--out", required=True, metavar="FILE.png")
    s.add_argument("--csv", default=None, metavar="FILE.csv")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("meetings", help="a connected person's ended meetings, with their ids")
    s.add_argument("--token-from", required=True, metavar="PERSON_EMAIL")
    s.add_argument("--days", type=int, default=7, help="how far back (1-30, default 7)")
    s.set_defaults(func=cmd_meetings)

    s = sub.add_parser("export", help="the meeting-quality history as CSV, offline (no Webex call)")
    s.add_argument("--days", type=int, default=30, help="the last DAYS days (1-400, default 30)")
    s.add_argument("--out", required=True, metavar="FILE.csv")
    s.add_argument("--org", default=None, metavar="ORG_ID", help="only this org's rows")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("tokens", help="stored OAuth tokens")
    tsub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    tsub.add_parser("rotate-key", help="re-encrypt every token with the first key of TOKEN_KEY")
    s.set_defaults(func=cmd_tokens)

    s = sub.add_parser("org", help="org connections: status, forget, Service App (Part II §9)")
    osub = s.add_subparsers(dest="action", required=True, metavar="ACTION")
    osub.add_parser("status", help="list org connections (org, kind, connected by, expiry)")
    f = osub.add_parser("forget", help="remove one org connection")
    f.add_argument("org_id", metavar="ORG_ID")
    a = osub.add_parser(
        "service-app",
        help="store a Service App's token pair, read as two lines from standard input",
        description="Reads the access token, then the refresh token, one per line from standard "
        "input (never from arguments), checks it with one meetings listing, and stores it "
        "encrypted as the org connection of ORG_ID (default: the bot's own org). Needs "
        "WEBEX_SERVICE_APP_CLIENT_ID, WEBEX_SERVICE_APP_CLIENT_SECRET and TOKEN_KEY.",
    )
    a.add_argument("--org-id", default="", metavar="ORG_ID")
    s.set_defaults(func=cmd_org)

    s = sub.add_parser("doctor", help="check configuration, tokens, webhooks, database, queue")
    s.set_defaults(func=cmd_doctor)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
