"""Logging set-up with a filter that keeps tokens and secrets out of every log line."""

from __future__ import annotations

import logging
import re

# Bearer headers, OAuth form/JSON fields and long Webex-looking tokens.
PATTERNS = [
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I),
    re.compile(
        r"((?:access_token|refresh_token|client_secret|code|token|secret)['\"]?\s*[:=]\s*['\"]?)"
        r"[^'\"&\s,}]+",
        re.I,
    ),
    # The OAuth callback's query (code and state) in a server's request line: the whole query.
    re.compile(r"(/oauth/callback\?)[^\s\"]*"),
    # Long opaque strings are tokens, except Webex ids (base64 of "ciscospark://...").
    re.compile(r"()\b(?!Y2lzY29zcGFyazovL)[A-Za-z0-9_-]{60,}\b"),
]


def redact(text: str) -> str:
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


def setup_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel(level.upper())
    # urllib3 logs full URLs at DEBUG, which may carry OAuth codes.
    logging.getLogger("urllib3").setLevel(logging.WARNING)
    # The SDK logs its user agent and request details at INFO.
    logging.getLogger("webexpythonsdk").setLevel(logging.WARNING)
