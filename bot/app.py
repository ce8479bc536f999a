"""The web process's composition root: the receiver, the OAuth callback and the health check.

It imports no handler, no dispatcher and no chart code: the receiver only stores a receipt
(`storage/intake.py`), and the worker (`bot/worker.py`) does the rest.
"""

from __future__ import annotations

from flask import Flask, jsonify

from bot.access import Access
from bot.accounts import Accounts
from bot.config import Config
from bot.logs import setup_logging
from bot.orgs import Orgs
from bot.queue import Queue
from bot.runtime import Runtime
from bot.webex import BotClient, Http
from storage.schema import open_database

MAX_BODY = 1024 * 1024  # Webex envelopes are small; anything bigger is not Webex


def build_runtime(config: Config, *, http: Http | None = None) -> Runtime:
    """Open the database (upgrading it) and build every long-lived collaborator once."""
    open_database(config.database_url)
    http = http or Http()
    webex = BotClient(config.webex_bot_token, config.webex_api_url, http)
    runtime = Runtime(config, webex, http, Accounts(config, http), Queue(config.queue_url))
    runtime.accounts.clock = runtime.now  # one clock: whatever the runtime's is, even a test's
    runtime.orgs = runtime.accounts.orgs = Orgs(config, http, runtime.accounts, webex)
    runtime.access = Access(runtime.accounts, runtime.orgs, webex, runtime.now)
    return runtime


def create_app(config: Config | None = None, runtime: Runtime | None = None) -> Flask:
    config = config or (runtime.config if runtime else Config.from_env())
    config.require("WEBEX_BOT_TOKEN", "WEBEX_WEBHOOK_SECRET")
    setup_logging(config.log_level)
    runtime = runtime or build_runtime(config)

    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_BODY, WEBHOOK_SECRET=config.webex_webhook_secret.encode()
    )
    app.extensions["quality-bot"] = runtime

    from bot import health, oauth, webhooks

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(oauth.bp)
    app.register_blueprint(health.bp)

    @app.errorhandler(413)
    def too_large(_error):
        return jsonify(error=f"the body is larger than {MAX_BODY} bytes"), 413

    @app.errorhandler(404)
    def not_found(_error):
        return jsonify(error="no such route"), 404

    @app.errorhandler(405)
    def wrong_method(_error):
        return jsonify(error="method not allowed"), 405

    return app
