"""The baseline for bench/webhook_ack.py: a bare Flask route that reads the body and says 200."""

from flask import Flask, request

app = Flask(__name__)


@app.post("/webhooks/webex")
def receive():
    request.get_data()
    return {"status": "ok"}, 200
