"""Alerts after a meeting (contract §10): when a meeting of a connected org ends with poor
quality, each `/alerts on` space, the host and each poor participant hear about it once.

Modules: `rules` and `content` (pure), `pipeline` (the durable per-meeting run and the
exactly-once posting), `polling` (the safety net), `org` (the one adapter to the org connection and
history), `commands` (what `/alerts`, `/notify` and `/status` say). Storage: storage/alerts.py.
The entry points below import their modules lazily, so the web process can reach `org` (for the
org webhook at `/connect org`) without loading the analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime import Runtime


def on_meeting_ended(runtime: Runtime, envelope: dict) -> bool:
    """A `meetings`/`ended` delivery from the inbox: data.id is the meeting instance id."""
    from bot.alerts.pipeline import intake

    return intake(runtime, envelope.get("data") or {}, envelope.get("orgId"), source="webhook")


def run_due(runtime: Runtime) -> int:
    from bot.alerts.pipeline import run_due as due

    return due(runtime)


def poll(runtime: Runtime) -> int:
    from bot.alerts.polling import poll as listing

    return listing(runtime)


def periodic(runtime: Runtime) -> None:
    """Once a minute in every worker: the poll (when its interval has passed), then due runs."""
    poll(runtime)
    run_due(runtime)
