"""`quality-bot webhooks sync|list|delete`: make Webex hold exactly the bot's webhooks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Config
from bot.webex import BotClient

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.webex import UserClient

# The one list of what the bot subscribes to; the receiver (bot/webhooks.py) accepts exactly it.
WANTED = (("messages", "created"), ("attachmentActions", "created"), ("memberships", "created"))
PREFIX = "quality-bot"
# The org's one meetings/ended hook (§10), created with the org connection's token.
ORG_HOOK = ("meetings", "ended")


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


def _repair(client: BotClient | UserClient, hook_id: str, name: str, config: Config) -> None:
    """PUT back what `problem` checks and PUT can change (not filter nor ownedBy: such a hook
    is replaced instead); the one repair for the bot's hooks and the org's."""
    client.update_webhook(
        hook_id,
        name=name,
        targetUrl=config.webhook_url,
        secret=config.webex_webhook_secret,
        status="active",
    )


def sync(webex: BotClient, config: Config, runtime: Runtime | None = None) -> list[str]:
    """Create, repair or delete until exactly the wanted webhooks exist; returns what changed.
    With a runtime, each connected org's meetings/ended webhook too (§10)."""
    changes = _sync_bot(webex, config)
    if runtime is not None:
        changes += sync_orgs(runtime)
    return changes


def _sync_bot(webex: BotClient, config: Config) -> list[str]:
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
            _repair(webex, keep["id"], name, config)
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


# The org webhook (§10): bots cannot own meeting webhooks, so it is created with the org token.
def org_hooks(user: UserClient, config: Config) -> list[dict]:
    """This bot's meetings/ended hooks among the org token's webhooks."""
    return [
        h
        for h in user.webhooks()
        if (h.get("resource"), h.get("event")) == ORG_HOOK and is_ours(h, config)
    ]


def sync_org_hook(user: UserClient, config: Config, label: str = "") -> list[str]:
    """Make the org token hold exactly one correct meetings/ended webhook."""
    name, where = hook_name(*ORG_HOOK), f" (org {label})" if label else ""
    changes: list[str] = []
    hooks = org_hooks(user, config)
    # ownedBy and filter cannot be changed by PUT: such a hook is replaced.
    good = [h for h in hooks if h.get("ownedBy") == "org" and not h.get("filter")]
    keep = good[0] if good else None
    for hook in hooks:
        if hook is not keep:
            user.delete_webhook(hook["id"])
            changes.append(f"deleted extra meetings/ended {hook['id']}{where}")
    if keep is None:
        user.create_webhook(
            name=name,
            targetUrl=config.webhook_url,
            resource=ORG_HOOK[0],
            event=ORG_HOOK[1],
            secret=config.webex_webhook_secret,
            ownedBy="org",
        )
        changes.append(f"created meetings/ended (ownedBy org) -> {config.webhook_url}{where}")
    elif problem(keep, config):
        _repair(user, keep["id"], name, config)
        changes.append(f"updated meetings/ended {keep['id']} -> {config.webhook_url}{where}")
    return changes


def ensure_org_webhook(org_id: str, runtime: Runtime) -> list[str]:
    """For the end of `/connect org` and for `webhooks sync`: the org's one meetings/ended hook."""
    from bot.alerts import org

    return sync_org_hook(org.client(runtime, org_id), runtime.config, org_id)


def sync_orgs(runtime: Runtime) -> list[str]:
    from bot.alerts import org
    from bot.webex import WebexError

    changes: list[str] = []
    for connection in org.connections(runtime):
        try:
            changes += ensure_org_webhook(connection.org_id, runtime)
        except (WebexError, org.NoOrgConnection) as exc:
            changes.append(f"org {connection.org_id}: meetings/ended webhook not synced ({exc})")
    return changes


def list_org_hooks(runtime: Runtime) -> list[str]:
    from bot.alerts import org
    from bot.webex import WebexError

    lines: list[str] = []
    for connection in org.connections(runtime):
        try:
            hooks = org_hooks(org.client(runtime, connection.org_id), runtime.config)
        except (WebexError, org.NoOrgConnection) as exc:
            lines.append(f"org {connection.org_id}: webhooks not readable ({exc})")
            continue
        lines += [f"{describe(h)}  ownedBy={h.get('ownedBy', '?')}  (org token)" for h in hooks]
    return lines
