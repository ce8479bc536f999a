"""`quality-bot doctor`: every check a deployment needs, each with what to do when it fails."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Config
from bot.webex import BotClient, Unauthorized, WebexError
from bot.webhook_admin import WANTED, is_ours, problem

Check = tuple[bool, str]


def _config(config: Config) -> list[Check]:
    results = []
    for name in ("WEBEX_BOT_TOKEN", "WEBEX_WEBHOOK_SECRET"):
        ok = bool(getattr(config, name.lower()))
        results.append((ok, f"{name} is set" if ok else f"{name} is not set: add it to .env"))
    if config.oauth_configured:
        results.append((True, "OAuth integration configured (WEBEX_CLIENT_ID/SECRET)"))
    else:
        results.append(
            (
                False,
                "WEBEX_CLIENT_ID/WEBEX_CLIENT_SECRET missing: /connect cannot work; "
                "create an integration (README, Deploying)",
            )
        )
    if config.token_key:
        try:
            from bot.crypto import token_cipher

            token_cipher(config.token_key)
            results.append((True, "TOKEN_KEY is a valid Fernet key list"))
        except ValueError as exc:
            results.append((False, f"TOKEN_KEY is invalid: {exc}"))
    else:
        results.append((False, "TOKEN_KEY is not set: generate one (README, Configuration)"))
    if config.public_url.startswith("http://127.") or "localhost" in config.public_url:
        results.append(
            (True, f"PUBLIC_URL is {config.public_url} (local: real Webex cannot reach it)")
        )
    return results


def _webex(config: Config, webex: BotClient) -> list[Check]:
    try:
        me = webex.me()
    except Unauthorized:
        return [(False, "the bot token was refused (401): copy a fresh one from the bot's page")]
    except WebexError as exc:
        return [(False, f"Webex could not be reached at {config.webex_api_url}: {exc}")]
    results: list[Check] = [
        (True, f"bot token valid: {me.get('displayName')} <{(me.get('emails') or ['?'])[0]}>")
    ]
    hooks = [h for h in webex.webhooks() if is_ours(h, config)]
    for resource, event in WANTED:
        match = [h for h in hooks if (h.get("resource"), h.get("event")) == (resource, event)]
        why = problem(match[0], config) if match else None
        if not match:
            results.append(
                (False, f"no webhook for {resource}/{event}: run `quality-bot webhooks sync`")
            )
        elif why:
            results.append((False, f"{resource}/{event} {why}: run `quality-bot webhooks sync`"))
        else:
            results.append((True, f"webhook {resource}/{event} active -> {config.webhook_url}"))
    return results


def org_checks(config: Config) -> list[Check]:
    """Org connections (§9), read from the database: broken grants and Service Apps that could
    not refresh are things to fix."""
    from storage import org_connections

    results: list[Check] = []
    for row in org_connections.all_rows():
        who = row.connected_by_email or "a Service App"
        if row.broken:
            results.append(
                (
                    False,
                    f"org {row.org_id}: Webex refused its connection; an admin "
                    "must `/connect org` again (or re-run `org service-app`)",
                )
            )
        elif row.kind == "service-app" and not (
            config.webex_service_app_client_id and config.webex_service_app_client_secret
        ):
            results.append(
                (
                    False,
                    f"org {row.org_id}: a Service App, but "
                    "WEBEX_SERVICE_APP_CLIENT_ID/SECRET are not set to refresh it",
                )
            )
        else:
            results.append((True, f"org {row.org_id} connected ({row.kind}, by {who})"))
    return results


def alerts_checks(runtime) -> list[Check]:
    """The org webhook of each connected org, and how the alerts pipeline is doing."""
    from datetime import timedelta

    from bot.alerts import org
    from bot.webhook_admin import org_hooks
    from storage import alerts as store

    connections = org.connections(runtime)
    if not connections:
        return [(True, "no org connection: alerts after meetings are off (`/connect org`)")]
    results: list[Check] = []
    url = runtime.config.webhook_url
    for c in connections:
        try:
            hooks = org_hooks(org.client(runtime, c.org_id), runtime.config)
        except (WebexError, org.NoOrgConnection) as exc:
            results.append((False, f"org {c.org_id}: its webhooks cannot be read ({exc})"))
            continue
        fine = [
            h
            for h in hooks
            if h.get("ownedBy") == "org"
            and h.get("targetUrl") == url
            and h.get("status", "active") == "active"
        ]
        if len(hooks) == 1 and fine:
            results.append((True, f"org {c.org_id}: webhook meetings/ended active -> {url}"))
        else:
            results.append(
                (
                    False,
                    f"org {c.org_id}: {len(hooks)} meetings/ended webhook(s), {len(fine)} "
                    "correct (want exactly one): run `quality-bot webhooks sync`",
                )
            )
    now = runtime.now()
    late = store.overdue(now, timedelta(minutes=30))
    results.append(
        (late == 0, "alerts: no meeting overdue" if not late else
         f"alerts: {late} meeting(s) overdue by 30+ min: is `quality-bot worker` running?")
    )
    failed = store.recent_failures(now - timedelta(days=7))
    if failed:
        last = failed[0]
        results.append(
            (False, f"alerts: {len(failed)}+ meeting(s) given up in 7 days; latest "
             f"{last.meeting_id}: {last.error}")
        )
    else:
        results.append((True, "alerts: none given up in the last 7 days"))
    unknown = store.delivery_counts().get("unknown", 0)
    if unknown:
        results.append(
            (True, f"alerts: {unknown} message(s) interrupted mid-post (maybe sent; not repeated)")
        )
    return results


def given_up_events(days: int = 7) -> list[Check]:
    """Events the bot stopped trying (workers died on them, or Webex was down for 15 min)."""
    from datetime import UTC, datetime, timedelta

    from storage import inbox

    stuck = inbox.given_up(since=timedelta(days=days), now=datetime.now(UTC))
    if not stuck:
        return [(True, f"no event given up in the last {days} days")]
    refs = ", ".join(f"{e.error_ref} ({e.key.split(':')[0]})" for e in stuck[-5:])
    return [
        (
            False,
            f"{len(stuck)} event(s) given up in the last {days} days, each answered with an "
            f"apology; look up these refs in the worker log: {refs}",
        )
    ]


def run(config: Config, stores: Callable[[], list[Check]], webex: BotClient | None) -> list[Check]:
    results = _config(config)
    results.extend(stores())
    if webex is not None:
        results.extend(_webex(config, webex))
    return results
