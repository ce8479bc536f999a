"""`quality-bot export` offline, and @mentions as one command word."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli import main
from bot.mentions import mark_people
from storage.db import database
from tests.history.conftest import put, row


def test_cli_export_writes_the_csv_without_webex(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", db)
    monkeypatch.delenv("WEBEX_BOT_TOKEN", raising=False)  # proves no Webex call is possible
    monkeypatch.chdir(tmp_path)  # no stray .env
    from storage.schema import open_database

    open_database(db)
    now = datetime.now(UTC)
    put(
        row("m1", "ann@example.com", start=now - timedelta(days=1), org_id="org-a"),
        row("m2", "bob@example.com", start=now - timedelta(days=2), org_id="org-b"),
        row("m3", "cy@example.com", start=now - timedelta(days=40), org_id="org-a"),
    )
    database.close()
    out = tmp_path / "all.csv"
    assert main(["export", "--days", "30", "--out", str(out)]) == 0
    assert "wrote 2 rows" in capsys.readouterr().out
    header, *data = list(csv.reader(out.open(encoding="utf-8")))
    assert header[0] == "date" and header[-1] == "cause" and len(header) == 15
    assert sorted(r[1] for r in data) == ["m1", "m2"]
    only = tmp_path / "a.csv"
    assert main(["export", "--days", "400", "--out", str(only), "--org", "org-a"]) == 0
    assert sorted(r[1] for r in list(csv.reader(only.open()))[1:]) == ["m1", "m3"]
    database.close()


def test_cli_export_refuses_days_out_of_range(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="--days must be from 1 to 400"):
        main(["export", "--days", "0", "--out", str(tmp_path / "x.csv")])


BOT = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib3QtMDAwMQ"


def test_a_mentioned_person_becomes_one_word_and_the_bot_does_not():
    message = {
        "text": "Quality Bot trends Alice Smith 90",
        "html": f'<p><spark-mention data-object-type="person" data-object-id="{BOT}">Quality '
        'Bot</spark-mention> trends <spark-mention data-object-id="p-alice" '
        'data-object-type="person">Alice Smith</spark-mention> 90</p>',
    }
    assert mark_people("trends Alice Smith 90", message, BOT) == "trends @p-alice 90"
    everyone = {"html": '<spark-mention data-object-type="groupMention">All</spark-mention>'}
    assert mark_people("trends All", everyone, BOT) == "trends All"
