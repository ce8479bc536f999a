"""`webhooks sync`: exactly the bot's three hooks, repaired in place, other apps left alone."""

import pytest

from bot.webhook_admin import WANTED, hook_name, sync


class FakeWebex:
    def __init__(self, hooks):
        self.hooks = {h["id"]: dict(h) for h in hooks}
        self.log = []

    def webhooks(self):
        return list(self.hooks.values())

    def create_webhook(self, **fields):
        new = {"id": f"new-{len(self.hooks)}", "status": "active", **fields}
        self.hooks[new["id"]] = new
        self.log.append(("create", fields["resource"]))
        return new

    def update_webhook(self, webhook_id, **fields):
        self.hooks[webhook_id].update(fields)
        self.log.append(("update", webhook_id))

    def delete_webhook(self, webhook_id):
        del self.hooks[webhook_id]
        self.log.append(("delete", webhook_id))


def hook(hid, resource, event, config, **extra):
    return {
        "id": hid,
        "name": hook_name(resource, event),
        "resource": resource,
        "event": event,
        "targetUrl": config.webhook_url,
        "secret": config.webex_webhook_secret,
        "status": "active",
        **extra,
    }


def test_creates_the_three_then_is_idempotent(config):
    webex = FakeWebex([])
    changes = sync(webex, config)
    assert len(changes) == 3 and all(c.startswith("created") for c in changes)
    assert {(h["resource"], h["event"]) for h in webex.hooks.values()} == set(WANTED)
    assert all(h["secret"] == config.webex_webhook_secret for h in webex.hooks.values())
    assert sync(webex, config) == []


def test_repairs_url_secret_and_inactive_in_place(config):
    webex = FakeWebex(
        [
            hook(
                "a", "messages", "created", config, targetUrl="https://old.example/webhooks/webex"
            ),
            hook("b", "attachmentActions", "created", config, secret="old"),
            hook("c", "memberships", "created", config, status="inactive"),
        ]
    )
    changes = sync(webex, config)
    assert [c.split()[0] for c in changes] == ["updated"] * 3
    assert "(inactive)" in changes[2]
    assert all(
        h["targetUrl"] == config.webhook_url
        and h["status"] == "active"
        and h["secret"] == config.webex_webhook_secret
        for h in webex.hooks.values()
    )
    assert [kind for kind, _ in webex.log] == ["update"] * 3


def test_deletes_own_duplicates_and_stale_but_never_other_apps(config):
    other_app = {
        "id": "x",
        "name": "someone else",
        "resource": "messages",
        "event": "created",
        "targetUrl": "https://other.example/hook",
        "status": "active",
    }
    webex = FakeWebex(
        [
            hook("a", "messages", "created", config),
            hook("a2", "messages", "created", config),
            hook("old", "rooms", "created", config, name="quality-bot rooms/created"),
            other_app,
        ]
    )
    changes = sync(webex, config)
    assert ("delete", "a2") in webex.log and ("delete", "old") in webex.log
    assert "x" in webex.hooks
    assert any(c.startswith("deleted duplicate") for c in changes)


@pytest.mark.parametrize(
    "argv,missing",
    [
        (["serve"], "WEBEX_BOT_TOKEN"),
        (["worker"], "WEBEX_BOT_TOKEN"),
        (["webhooks", "sync"], "WEBEX_BOT_TOKEN"),
        (["tokens", "rotate-key"], "TOKEN_KEY"),
    ],
)
def test_missing_required_variable_stops_with_one_line(argv, missing, monkeypatch, tmp_path):
    from bot.cli import main

    for name in ("WEBEX_BOT_TOKEN", "WEBEX_WEBHOOK_SECRET", "TOKEN_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    with pytest.raises(SystemExit) as stop:
        main(argv)
    message = str(stop.value.code)
    assert missing in message and "\n" not in message


def test_serve_needs_the_webhook_secret_too(monkeypatch, tmp_path):
    from bot.cli import main

    monkeypatch.setenv("WEBEX_BOT_TOKEN", "t")
    monkeypatch.delenv("WEBEX_WEBHOOK_SECRET", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="WEBEX_WEBHOOK_SECRET"):
        main(["serve"])


def test_dotenv_is_read_and_environment_wins(monkeypatch, tmp_path):
    from bot.config import Config

    (tmp_path / ".env").write_text(
        "WEBEX_BOT_TOKEN='from-file'\nQUALITY_MIN_INTERVAL=60\n"
        "# comment\nPUBLIC_URL=https://bot.example/\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEBEX_BOT_TOKEN", "from-env")
    config = Config.from_env()
    assert config.webex_bot_token == "from-env"
    assert config.quality_min_interval == 60
    assert config.webhook_url == "https://bot.example/webhooks/webex"
    assert config.redirect_uri == "https://bot.example/oauth/callback"
    assert "from-env" not in repr(config)


def test_cli_help_lists_every_command(capsys):
    from bot.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in (
        "serve",
        "worker",
        "webhooks",
        "db",
        "sandbox",
        "demo",
        "report",
        "tokens",
        "doctor",
    ):
        assert command in out


def test_a_filtered_hook_is_replaced_and_then_in_sync(config):
    webex = FakeWebex([hook("f", "messages", "created", config, filter="roomId=abc")])
    changes = sync(webex, config)
    assert ("delete", "f") in webex.log and "f" not in webex.hooks
    assert not any(h.get("filter") for h in webex.hooks.values())
    assert any(c.startswith("deleted filtered") for c in changes)
    assert sync(webex, config) == []


@pytest.mark.parametrize(
    "name,value,needle",
    [
        ("LOG_LEVEL", "loud", "LOG_LEVEL"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE"),
        ("QUALITY_MIN_INTERVAL", "soon", "QUALITY_MIN_INTERVAL"),
    ],
)
def test_invalid_values_stop_with_one_line(name, value, needle, monkeypatch, tmp_path):
    from bot.config import Config

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stop:
        Config.from_env()
    assert needle in str(stop.value.code) and "\n" not in str(stop.value.code)


def test_upgrade_adds_missing_columns_and_indexes_to_an_old_database(tmp_path):
    import sqlite3

    from storage.db import database
    from storage.schema import open_database, upgrade

    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE inboxevent (id INTEGER PRIMARY KEY, key VARCHAR(255) UNIQUE, "
        "resource VARCHAR(255), event VARCHAR(255), body TEXT, status VARCHAR(255), "
        "attempts INTEGER, received_at DATETIME)"
    )
    con.commit()
    con.close()
    open_database(f"sqlite:///{path}")
    try:
        con = sqlite3.connect(path)
        columns = {row[1] for row in con.execute("PRAGMA table_info(inboxevent)")}
        indexes = {row[1] for row in con.execute("PRAGMA index_list(inboxevent)")}
        con.close()
        assert {"lease_until", "error_ref", "finished_at"} <= columns
        assert any("received_at" in name for name in indexes)
        assert any("status" in name for name in indexes)
        assert upgrade() == []  # a second run finds nothing to do
    finally:
        database.close()
