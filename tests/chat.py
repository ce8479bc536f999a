"""Commands as a person types them, run through the worker's real dispatcher."""

from __future__ import annotations


def type_command(worker, text: str, **where: str) -> None:
    """Run `text` ("/word args…") with `where`: person_id, person_email, room_id, room_type and
    thread_id, as the webhook would have found them."""
    word, *words = text.split()
    worker.dispatcher.run(word.lstrip("/"), words, **where)


def markdown_of(posts: list[dict]) -> str:
    return "\n".join(p.get("markdown") or "" for p in posts)
