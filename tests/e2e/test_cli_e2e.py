"""CLI commands against the sandbox: doctor and webhooks."""

import os
from unittest import mock

import pytest

from bot.cli import main

pytestmark = pytest.mark.e2e


def env_of(config):
    return {
        "WEBEX_BOT_TOKEN": config.webex_bot_token,
        "WEBEX_API_URL": config.webex_api_url,
        "WEBEX_WEBHOOK_SECRET": config.webex_webhook_secret,
        "PUBLIC_URL": config.public_url,
        "DATABASE_URL": config.database_url,
        "QUEUE_URL": config.queue_url,
        "TOKEN_KEY": config.token_key,
        "WEBEX_CLIENT_ID": config.webex_client_id,
        "WEBEX_CLIENT_SECRET": config.webex_client_secret,
    }


def test_doctor_all_good_then_points_at_a_missing_webhook(harness, capsys):
    with mock.patch.dict(os.environ, env_of(harness.config)):
        assert main(["doctor"]) == 0
        assert "All good." in capsys.readouterr().out
        hook = next(h for h in harness.runtime.webex.webhooks() if h["resource"] == "memberships")
        harness.runtime.webex.delete_webhook(hook["id"])
        assert main(["doctor"]) == 1
        out = capsys.readouterr().out
        assert "no webhook for memberships/created: run `quality-bot webhooks sync`" in out
        assert main(["webhooks", "sync"]) == 0
        assert "created memberships/created" in capsys.readouterr().out
        assert main(["webhooks", "list"]) == 0
        assert capsys.readouterr().out.count(harness.config.webhook_url) == 3


def test_doctor_reports_a_refused_bot_token(harness, capsys):
    env = {**env_of(harness.config), "WEBEX_BOT_TOKEN": "not-a-token"}
    with mock.patch.dict(os.environ, env):
        assert main(["doctor"]) == 1
    assert "bot token was refused (401)" in capsys.readouterr().out


def test_webhooks_delete_all(harness, capsys):
    with mock.patch.dict(os.environ, env_of(harness.config)):
        assert main(["webhooks", "delete", "--all"]) == 0
        assert capsys.readouterr().out.count("deleted") == 3
        assert harness.runtime.webex.webhooks() == []
