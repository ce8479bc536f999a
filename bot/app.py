"""The Flask app factory: configuration, runtime, blueprints."""

from __future__ import annotations

from flask import Flask, jsonify

from bot.config import Config
from bot.logs import setup_logging
from bot.runtime import Runtime, build_runtime

MAX_BODY = 1024 * 1024  # Webex envelopes are small; anything bigger is not Webex


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
