"""Values that go into a Webex URL path. Webex ids are unpadded base64 of a `ciscospark://` URI
(letters, digits, `-`, `_`, `=`); meeting ids are hex with `_I_` or a timestamp suffix. Anything
else cannot name a Webex object, so it is refused before any call: a `../rooms` or a
`x?meetingId=` typed by a person must never become another path or query with their token."""

from __future__ import annotations

import re
from urllib.parse import quote

ID = re.compile(r"[A-Za-z0-9_=-]{1,512}")
# The fields of a webhook envelope's `data` that name Webex objects (and become URL paths).
ID_FIELDS = ("id", "roomId", "personId", "messageId")


class InvalidId(ValueError):
    """A value that cannot be a Webex id; its message never repeats the value (it may be long
    or hostile), only what kind of id was expected."""

    def __init__(self, what: str) -> None:
        super().__init__(f"not a valid Webex {what} id")
        self.what = what


def is_webex_id(value: object) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


def checked(value: object, what: str = "object") -> str:
    """The value itself when it can be a Webex id (for query parameters, which the transport
    encodes); InvalidId otherwise."""
    if not is_webex_id(value):
        raise InvalidId(what)
    return str(value)


def segment(value: object, what: str = "object") -> str:
    """One path segment: validated, then quoted anyway (belt and braces)."""
    return quote(checked(value, what), safe="")
