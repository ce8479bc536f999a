"""Settings from the environment and from .env: real environment variables win."""

from __future__ import annotations

from bot.config import Config


def test_dotenv_is_read_and_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "export WEBEX_BOT_TOKEN=from-file\n"
        "WEBEX_WEBHOOK_SECRET='quoted $ecret # not a comment'\n"
        'DEFAULT_TIMEZONE="Europe/Berlin"\n'
        "LOG_LEVEL=DEBUG\n"
        "\n"
        "QUALITY_MIN_INTERVAL=120\n",
        encoding="utf-8",
    )
    config = Config.from_env(env={"LOG_LEVEL": "WARNING"}, dotenv=env_file)
    assert config.webex_bot_token == "from-file"
    assert config.webex_webhook_secret == "quoted $ecret # not a comment"
    assert config.default_timezone == "Europe/Berlin"
    assert config.quality_min_interval == 120
    assert config.log_level == "WARNING"


def test_no_dotenv_file_is_fine(tmp_path):
    config = Config.from_env(env={"WEBEX_BOT_TOKEN": "t"}, dotenv=tmp_path / "missing.env")
    assert config.webex_bot_token == "t"
