"""Webex sandbox: a local emulator of the Webex REST API (and its chat page) for quality-bot.

Run `python -m sandbox [--port 8900] [--host 127.0.0.1] [--seed N] [--state-file FILE]`, or from
a test `sandbox.server.start_in_thread(seed=1, port=0, **World kwargs)`. It never imports the bot;
the two meet over HTTP only.

Modules: `world` (state, clock), `seed` (deterministic org), `story` (its week of meetings and
the ones in progress at start), `live_meetings` (meetings ended by the clock, org-level
`meetings`/`ended` webhooks, `POST /_sandbox/meetings`), `qualities` (media-session data),
`markup` (markdown → html, mentions), `messaging` (message/card/membership rules), `deliveries`
(webhook fan-out and the delivery thread), `http` (errors, auth, pagination), `objects` (JSON
shapes), `api_core` / `api_manage` / `api_teams` / `api_directory` / `api_events` /
`api_webhooks` / `api_oauth` / `api_meetings` (the `/v1` and `/analytics/v1` routes), `admin`
(`/_sandbox` controls and feeds), `app`, `server`.

Controls (no auth, loopback only), all JSON:
- `GET /_sandbox/state`: the contract's state file (+ `integration.client_id/client_secret`).
- `GET /_sandbox/calls|events|deliveries?since=N&wait=S`: `{"items": [...], "next": N}`;
  `wait` long-polls up to S (≤ 30) seconds for a first new item. Calls are
  `{index, method, path, query, status, as}` (`as` = person id, `"bot"`, or null); events are
  `{index, type, data}` with type `message` (data = full message object), `message_updated`
  (the edited message), `message_deleted` (`{id, roomId}`), `action` (attachment action with
  inputs), `membership` or `membership_deleted` (a membership object); deliveries are
  `{index, webhookId, targetUrl, resource, event, dataId, attempts, status, error, ok,
  webhookStatus, at}`.
- `POST /_sandbox/calls/reset`; `GET|POST /_sandbox/clock` (`{"advance": s}` or `{"set": iso}`);
  `POST /_sandbox/tokens/expire {"token"}`; `POST /_sandbox/fail {"path_prefix", "status",
  "count", "retry_after"?, "method"?, "after"?, "delay"?, "bot_only"?}` (`after`: act, then
  answer `status`; `delay`: answer that many seconds late; `bot_only`: only the bot's calls)
  and `DELETE /_sandbox/fail`; `GET /_sandbox/webhooks`
  (every owner's, with `consecutiveFailures`); `GET /_sandbox/contents/<id>` (file bytes
  without a token, for `<img src>`).
- `POST /_sandbox/meetings {"title", "hostEmail", "minutes" (1-1440), "participants": [{"email",
  "name"?, "profile"?}]}` starts a meeting at the sandbox's now and answers the instance
  (`state: inProgress`); the host joins if not listed; unknown emails are guests. Profiles:
  `good`, `wifi`, `cellular`, `tcp`, `cpu`, `upload` (each the clear CONTRACT §11 cause; `upload`
  also hurts what the others receive in the same minutes). It ends after `minutes` on the
  sandbox clock (a ticker, every request and `/_sandbox/clock` all fire due endings), then each
  active `ownedBy: org` `meetings` webhook of the host's org gets one signed, compact
  `meetings`/`ended` delivery with the instance as `data`. Junk answers 400 with the reason.
"""
