"""The environment, read once, as a frozen dataclass (contract §3)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

from dotenv import dotenv_values

EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")


class ConfigError(SystemExit):
    """A missing or invalid setting: stops the command with one line naming it."""

    def __init__(self, message: str) -> None:
        super().__init__(f"quality-bot: {message}")


def read_dotenv(path: Path) -> dict[str, str]:
    """The KEY=VALUE settings of a .env file (python-dotenv's syntax: comments, quotes,
    `export`), without touching os.environ: the caller lets real env vars win. No `${VAR}`
    expansion, so a secret containing `$` is read as written."""
    if not path.is_file():
        return {}
    return {
        key: value
        for key, value in dotenv_values(path, interpolate=False, encoding="utf-8").items()
        if value is not None
    }


@dataclass(frozen=True)
class Config:
    webex_bot_token: str = ""
    webex_api_url: str = "https://webexapis.com/v1"
    webex_analytics_url: str = "https://analytics.webexapis.com/v1"
    webex_webhook_secret: str = ""
    webex_client_id: str = ""
    webex_client_secret: str = ""
    public_url: str = "http://127.0.0.1:8080"
    database_url: str = "sqlite:///data/quality-bot.db"
    queue_url: str = "sqlite:///data/queue.db"
    token_key: str = ""
    oauth_scopes: str = "spark:people_read meeting:schedules_read analytics:read_all"
    oauth_org_scopes: str = (
        "spark:people_read meeting:admin_schedule_read meeting:admin_participants_read "
        "analytics:read_all"
    )
    quality_admins: str = ""  # comma-separated emails (Part II §9)
    webex_service_app_client_id: str = ""
    webex_service_app_client_secret: str = ""
    quality_min_interval: int = 300
    default_timezone: str = "UTC"
    log_level: str = "INFO"
    history_days: int = 400  # days the per-participant history is kept (§12)
    # Alerts after a meeting (contract §10, §13)
    alert_delay: int = 900
    alert_poll_interval: int = 600
    alert_min_poor_minutes: int = 3
    # Where the receiver writes deliveries it cannot store while the database is locked; the
    # workers drain it. Empty: `inbox.spool` beside a SQLite database, else data/inbox.spool.
    inbox_spool: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, dotenv: Path | None = None) -> Config:
        merged = read_dotenv(dotenv if dotenv is not None else Path.cwd() / ".env")
        merged.update(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = merged.get(f.name.upper())
            if raw is None or raw == "":
                continue
            if f.type == "int":
                try:
                    values[f.name] = int(raw)
                except ValueError:
                    message = f"{f.name.upper()} must be a whole number, got {raw!r}"
                    raise ConfigError(message) from None
            else:
                values[f.name] = raw.strip()
        config = cls(**values)  # type: ignore[arg-type]
        config.validate()
        return config.normalised()

    def validate(self) -> None:
        """Values that would only fail later, inside a command, stop the start instead."""
        import logging
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if not isinstance(logging.getLevelName(self.log_level.upper()), int):
            raise ConfigError(f"LOG_LEVEL {self.log_level!r} is not a level (DEBUG, INFO, ...)")
        try:
            ZoneInfo(self.default_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                f"DEFAULT_TIMEZONE {self.default_timezone!r} is not an IANA zone "
                "(e.g. Europe/Berlin)"
            ) from None
        if self.quality_min_interval < 0:
            raise ConfigError("QUALITY_MIN_INTERVAL must not be negative")
        junk = [e for e in self.quality_admin_emails if not EMAIL.fullmatch(e)]
        if junk:
            raise ConfigError(
                f"QUALITY_ADMINS must be comma-separated emails; {junk[0]!r} is not an email"
            )
        if self.history_days < 1:
            raise ConfigError("HISTORY_DAYS must be at least 1")
        for name in ("alert_delay", "alert_min_poor_minutes"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name.upper()} must not be negative")
        if self.alert_poll_interval < 1:
            raise ConfigError("ALERT_POLL_INTERVAL must be at least 1 second")

    def normalised(self) -> Config:
        return replace(
            self,
            webex_api_url=self.webex_api_url.rstrip("/"),
            webex_analytics_url=self.webex_analytics_url.rstrip("/"),
            public_url=self.public_url.rstrip("/"),
        )

    def require(self, *names: str) -> Config:
        """Stop at once, naming the first missing variable, so nothing starts half-configured."""
        for name in names:
            if not getattr(self, name.lower()):
                raise ConfigError(f"{name.upper()} is not set (see README, Configuration)")
        return self

    @property
    def quality_admin_emails(self) -> list[str]:
        """Lower-cased, blanks dropped, in the order given: emails are compared case-blind."""
        return [e.strip().lower() for e in self.quality_admins.split(",") if e.strip()]

    @property
    def webhook_url(self) -> str:
        return self.public_url + "/webhooks/webex"

    @property
    def redirect_uri(self) -> str:
        return self.public_url + "/oauth/callback"

    @property
    def authorize_url(self) -> str:
        return self.webex_api_url + "/authorize"

    @property
    def token_url(self) -> str:
        return self.webex_api_url + "/access_token"

    @property
    def spool_path(self) -> str:
        if self.inbox_spool:
            return self.inbox_spool
        if self.database_url.startswith("sqlite:///") and ":memory:" not in self.database_url:
            folder = os.path.dirname(self.database_url.split("://", 1)[1][1:]) or "."
            return os.path.join(folder, "inbox.spool")
        return os.path.join("data", "inbox.spool")

    @property
    def oauth_configured(self) -> bool:
        return bool(self.webex_client_id and self.webex_client_secret)

    def __repr__(self) -> str:
        # Secrets must never reach a log line through a repr.
        secret = {
            "webex_bot_token",
            "webex_webhook_secret",
            "webex_client_secret",
            "webex_service_app_client_secret",
            "token_key",
        }

        def show(name: str) -> str:
            value = getattr(self, name)
            return "'***'" if name in secret and value else repr(value)

        shown = ", ".join(f"{f.name}={show(f.name)}" for f in fields(self))
        return f"Config({shown})"
