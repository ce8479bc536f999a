"""All Webex I/O. Nothing else in the bot speaks HTTP to Webex.

`http` is the transport (session, timeouts, typed errors, retries, pagination); `clients` holds
the calls the bot makes with its own token and those made with a person's token. Errors come
out as `WebexError` subclasses carrying the status and tracking id, never a token.
"""

from bot.webex.clients import BotClient, TokenSource, Upload, UserClient
from bot.webex.http import (
    TIMEOUT,
    Forbidden,
    Http,
    NotFound,
    RateLimited,
    RetryPolicy,
    Unauthorized,
    Unavailable,
    WebexError,
    error_for,
    with_max,
)
from bot.webex.ids import InvalidId, is_webex_id

__all__ = [
    "TIMEOUT",
    "BotClient",
    "Forbidden",
    "Http",
    "InvalidId",
    "NotFound",
    "RateLimited",
    "RetryPolicy",
    "TokenSource",
    "Unauthorized",
    "Unavailable",
    "Upload",
    "UserClient",
    "WebexError",
    "error_for",
    "is_webex_id",
    "with_max",
]
