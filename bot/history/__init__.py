"""The meeting history (contract §12): what every analysis leaves behind, and what /trends,
/export and the daily summaries' trend read. Storage is in storage/history.py."""

from bot.history.record import history_rows, record_meeting

__all__ = ["history_rows", "record_meeting"]
