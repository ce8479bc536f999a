"""Worker processes racing to refresh one stored connection (spawn needs importable entry
points), and the test side that starts them."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from datetime import datetime


def race(target: Callable, args: tuple, workers: int = 2) -> list[str]:
    """Start `workers` spawned processes on `target(*args, barrier, results)`, released together
    by the barrier; what each reported (a token, or "error ...")."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(workers), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, results)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    got = [results.get(timeout=30) for _ in procs]
    for proc in procs:
        proc.join(timeout=10)
    return got


def refresh_in_process(database_url, api_url, token_key, person_id, now_iso, barrier, results):
    """A separate worker process asking for the person's token at the same moment as another."""
    accounts = _accounts(database_url, api_url, token_key, now_iso)
    _report(barrier, results, lambda: accounts.tokens_for(person_id).access_token())


def refresh_org_in_process(database_url, api_url, token_key, org_id, now_iso, barrier, results):
    """The same for an org connection (an admin grant or a Service App)."""
    from bot.orgs import Orgs, OrgTokens

    accounts = _accounts(database_url, api_url, token_key, now_iso)
    orgs = Orgs(accounts.config, accounts.http, accounts)
    _report(barrier, results, lambda: OrgTokens(orgs, org_id).access_token())


def _accounts(database_url, api_url, token_key, now_iso):
    from bot.accounts import Accounts
    from bot.config import Config
    from bot.webex import Http
    from storage.schema import open_database

    config = Config(webex_api_url=api_url, webex_client_id="client-id",
                    webex_client_secret="client-secret", webex_service_app_client_id="sa-id",
                    webex_service_app_client_secret="sa-secret", database_url=database_url,
                    token_key=token_key)
    open_database(database_url)
    accounts = Accounts(config, Http())
    now = datetime.fromisoformat(now_iso)
    accounts.clock = lambda: now
    return accounts


def _report(barrier, results, use: Callable[[], str]) -> None:
    barrier.wait(timeout=20)
    try:
        results.put(use())
    except Exception as exc:  # reported to the test, which shows it
        results.put(f"error {type(exc).__name__}: {exc}")
