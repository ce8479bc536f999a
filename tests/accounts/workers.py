"""Entry points for worker processes started by the tests (spawn needs importable functions)."""

from __future__ import annotations

from datetime import datetime


def refresh_in_process(database_url, api_url, token_key, person_id, now_iso, barrier, results):
    """A separate worker process asking for the person's token at the same moment as another."""
    from bot.accounts import Accounts
    from bot.config import Config
    from bot.webex import Http
    from storage.schema import open_database

    config = Config(webex_api_url=api_url, webex_client_id="client-id",
                    webex_client_secret="client-secret", database_url=database_url,
                    token_key=token_key)
    open_database(database_url)
    accounts = Accounts(config, Http())
    now = datetime.fromisoformat(now_iso)
    accounts.clock = lambda: now
    barrier.wait(timeout=20)
    try:
        results.put(accounts.tokens_for(person_id).access_token())
    except Exception as exc:  # reported to the test, which shows it
        results.put(f"error {type(exc).__name__}: {exc}")
