"""Daily summaries (issue 6)."""

from __future__ import annotations


def run_due(runtime) -> None:
    """Send every subscription that is due now."""
