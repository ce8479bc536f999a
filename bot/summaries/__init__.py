"""Daily summaries (issue 6): each subscribed space gets yesterday's meeting quality at its
local time, exactly once.

- `schedule.py`: when a subscription is due (pure wall-clock arithmetic, no database).
- `content.py`: what a day's summary says (reports, trend) and the messages that carry it.
- `delivery.py`: the per-minute scan and the exactly-once, per-space send.
- `notices.py`: what a space is told: pauses, the `/status` line, the next send.

Storage: `storage/subscriptions.py`, `storage/summary_runs.py`, `storage/daily_stats.py`.
Commands: `handlers/subscribe.py`, `handlers/unsubscribe.py`, `handlers/summary.py`.
"""
