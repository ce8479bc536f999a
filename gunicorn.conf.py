"""gunicorn settings for `gunicorn bot.wsgi:app` (Procfile `web`)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8080')}"
# Threads suit the receiver: each request is a signature check and one insert (a receipt).
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Load the app once in the master so a configuration error stops start-up with one clear line.
preload_app = True
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# Query strings can carry OAuth codes: log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


def post_fork(server, worker):
    # A connection opened while the app was preloaded must not be shared across processes.
    from storage.db import database

    if database.obj is not None and not database.is_closed():
        database.close()
