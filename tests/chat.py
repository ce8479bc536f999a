"""Commands as a person types them, run through the worker's real dispatcher, and the
messages the bot posts back as the fake Webex receives them."""

from __future__ import annotations

import email
import json


def type_command(worker, text: str, **where: str) -> None:
    """Run `text` ("/word args…") with `where`: person_id, person_email, room_id, room_type and
    thread_id, as the webhook would have found them."""
    word, *words = text.split()
    worker.dispatcher.run(word.lstrip("/"), words, **where)


def markdown_of(posts: list[dict]) -> str:
    return "\n".join(p.get("markdown") or "" for p in posts)


def posted(request) -> dict:
    """A POST /messages body as a dict: JSON as sent, or a multipart upload's fields with its
    file decoded under "file" (filename, contentType, content)."""
    kind = request.headers.get("Content-Type", "")
    if not kind.startswith("multipart/"):
        return json.loads(request.body)
    body = request.body if isinstance(request.body, bytes) else request.body.read()
    head = f"Content-Type: {kind}\r\n\r\n".encode()
    out: dict = {}
    for part in email.message_from_bytes(head + body).walk():
        name = part.get_param("name", header="content-disposition")
        if name == "files":
            out["file"] = {
                "filename": part.get_filename(),
                "contentType": part.get_content_type(),
                "content": part.get_payload(decode=True),
            }
        elif name:
            out[name] = part.get_payload(decode=True).decode()
    return out
