"""WSGI entry for gunicorn: `gunicorn bot.wsgi:app`."""

from bot.app import create_app

app = create_app()

if app.extensions["quality-bot"].queue.immediate:
    # QUEUE_URL=immediate runs each task inline, in this process: it is its own worker.
    from bot.worker import build_worker

    build_worker(app.extensions["quality-bot"])
