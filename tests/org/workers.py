"""Entry point for worker processes racing to refresh an org connection (spawn needs it here)."""

from __future__ import annotations

from datetime import datetime


def refresh_org_in_process(database_url, api_url, token_key, org_id, now_iso, barrier, results):
    from bot.accounts import Accounts
    from bot.config import Config
    from bot.orgs import Orgs, OrgTokens
    from bot.webex import Http
    from storage.schema import open_database

    config = Config(webex_api_url=api_url, webex_client_id="client-id",
                    webex_client_secret="client-secret", webex_service_app_client_id="sa-id",
                    webex_service_app_client_secret="sa-secret", database_url=database_url,
                    token_key=token_key)
    open_database(database_url)
    http = Http()
    accounts = Accounts(config, http)
    now = datetime.fromisoformat(now_iso)
    accounts.clock = lambda: now
    barrier.wait(timeout=20)
    try:
        results.put(OrgTokens(Orgs(config, http, accounts), org_id).access_token())
    except Exception as exc:  # reported to the test, which shows it
        results.put(f"error {type(exc).__name__}: {exc}")
