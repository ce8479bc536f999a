"""Two worker processes refreshing one org connection spend its refresh token once, on SQLite and
on PostgreSQL; a Service App refreshes with its own client id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet

from bot.accounts import Accounts
from bot.config import Config
from bot.webex import Http
from storage import org_connections
from storage.db import database
from storage.schema import open_database
from tests.accounts.token_server import serve_token_url
from tests.accounts.workers import race, refresh_org_in_process
from tests.scale.conftest import pg_url  # noqa: F401 (fixture)

ORG = "Y2lzY29zcGFyazovL3VzL09SR0FOSVpBVElPTi9vcmc"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("pg_url")
    else:
        yield f"sqlite:///{tmp_path}/bot.db"
    database.close()


@pytest.mark.parametrize("kind,client", [("oauth", "client-id"), ("service-app", "sa-id")])
def test_two_processes_spend_the_org_refresh_token_once(database_url, kind, client):
    key = Fernet.generate_key().decode()
    open_database(database_url)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    accounts = Accounts(Config(token_key=key), Http())
    with serve_token_url(delay=0.5) as server:
        access, refresh = server.issue(ORG)
        org_connections.save_for(
            ORG, kind=kind, connected_by="", connected_by_email="",
            access_token=accounts.encrypt(access), refresh_token=accounts.encrypt(refresh),
            access_expires_at=now + timedelta(minutes=1), refresh_expires_at=None, scopes="",
            now=now,
        )
        args = (database_url, server.api_url, key, ORG, now.isoformat())
        got = race(refresh_org_in_process, args)
        assert server.refresh_grants == 1, got
        assert server.client_ids == [client]
        assert got[0] == got[1] and not got[0].startswith("error")
        row = org_connections.get(ORG)
        assert not row.broken and accounts.decrypt(row.access_token) == got[0]
