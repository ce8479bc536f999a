"""`quality-bot webhooks sync|list|delete`: make Webex hold exactly the bot's webhooks."""

from __future__ import annotations

from bot.config import Config
from bot.webex import BotClient

# The one list of what the bot subscribes to; the receiver (bot/webhooks.py) accepts exactly it.
WANTED = (("messages", "created"), ("attachmentActions", "created"), ("memberships", "created"))
PREFIX = "quality-bot"


def hook_name(resource: str, event: str) -> str:
    return f"{PREFIX} {resource}/{event}"


def is_ours(hook: dict, config: Config) -> bool:
    """Ours by name or by target; webhooks of other apps sharing the token are left alone."""
    return hook.get("name", "").startswith(PREFIX) or hook.get("targetUrl") == config.webhook_url


def problem(hook: dict, config: Config) -> str | None:
    """What `webhooks sync` would repair in this webhook of ours, or None when it is right
    (used by sync itself and by `quality-bot doctor`)."""
    if hook.get("targetUrl") != config.webhook_url:
        return f"points at {hook.get('targetUrl')}"
    if hook.get("status", "active") != "active":
        return "is inactive"
    if hook.get("filter"):
        return "has a filter"
    if hook.get("secret", config.webex_webhook_secret) != config.webex_webhook_secret:
        return "has another secret"
    if hook.get("name") != hook_name(hook.get("resource", ""), hook.get("event", "")):
        return "has another name"
    return None


def sync(webex: BotClient, config: Config) -> list[str]:
    """Create, repair or delete until exactly the wanted webhooks exist; returns what changed."""
    changes: list[str] = []
    ours = [h for h in webex.webhooks() if is_ours(h, config)]
    for resource, event in WANTED:
        name = hook_name(resource, event)
        same = [h for h in ours if h.get("resource") == resource and h.get("event") == event]
        keep, extra = (same[0], same[1:]) if same else (None, [])
        if keep is not None and keep.get("filter"):
            # PUT cannot clear a filter: replace the hook, or it would stay stale for ever.
            webex.delete_webhook(keep["id"])
            changes.append(f"deleted filtered {resource}/{event} {keep['id']}")
            keep = None
        if keep is None:
            webex.create_webhook(
                name=name,
                targetUrl=config.webhook_url,
                resource=resource,
                event=event,
                secret=config.webex_webhook_secret,
            )
            changes.append(f"created {resource}/{event} -> {config.webhook_url}")
        elif problem(keep, config):
            was = "inactive" if keep.get("status") == "inactive" else "changed"
            webex.update_webhook(
                keep["id"],
                name=name,
                targetUrl=config.webhook_url,
                secret=config.webex_webhook_secret,
                status="active",
            )
            changes.append(f"updated {resource}/{event} ({was}) -> {config.webhook_url}")
        for hook in extra:
            webex.delete_webhook(hook["id"])
            changes.append(f"deleted duplicate {resource}/{event} {hook['id']}")
    wanted = set(WANTED)
    for hook in ours:
        if (hook.get("resource"), hook.get("event")) not in wanted:
            webex.delete_webhook(hook["id"])
            changes.append(f"deleted stale {hook.get('resource')}/{hook.get('event')} {hook['id']}")
    return changes


def describe(hook: dict) -> str:
    return (
        f"{hook.get('id')}  {hook.get('resource')}/{hook.get('event')}  "
        f"{hook.get('status', '?')}  {hook.get('targetUrl')}  {hook.get('name', '')}"
    )


def delete_all(webex: BotClient) -> list[str]:
    removed = []
    for hook in webex.webhooks():
        webex.delete_webhook(hook["id"])
        removed.append(f"deleted {describe(hook)}")
    return removed
