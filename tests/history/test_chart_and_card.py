"""The /trends chart and card are pure functions of the aggregates."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import numpy as np
from PIL import Image

from bot.history.chart import trends_chart, weekly_shares
from bot.history.trends import Trends, trends_card
from storage.history import Totals, WeekNetwork

UNTIL = datetime(2026, 12, 1, 12, tzinfo=UTC)
MONDAY = (date(2026, 11, 30) - date(1970, 1, 1)).days


def weeks() -> list[WeekNetwork]:
    return [
        WeekNetwork(MONDAY - 7 * k, net, 600.0, 60.0 * (k % 3), 20, 4)
        for k in range(8)
        for net in ("wifi", "ethernet", "cellular", "satellite")
    ]


def test_weeks_without_minutes_are_gaps_and_odd_networks_are_other():
    mondays, shares = weekly_shares(
        [WeekNetwork(MONDAY, "satellite", 100.0, 25.0, 1, 1)], UNTIL - timedelta(days=14), UNTIL
    )
    assert mondays == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
    assert np.isnan(shares["other"][0]) and shares["other"][2] == 25.0
    assert np.all(np.isnan(shares["wifi"]))


def test_the_chart_is_a_png_at_the_house_width():
    png = trends_chart(weeks(), UNTIL - timedelta(days=56), UNTIL, "Quality trend — you", "sub")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size[0] == 1200 and image.size[1] < 900
    empty = trends_chart([], UNTIL - timedelta(days=7), UNTIL, "Quality trend — you", "sub")
    assert empty.startswith(b"\x89PNG")


def test_the_card_is_adaptive_card_1_3_with_a_markdown_fallback():
    t = Trends(
        who="the organization",
        days=90,
        since=UNTIL - timedelta(days=90),
        until=UNTIL,
        weekly=weeks(),
        current=Totals(12, 60, 1800.0, 90.0),
        previous=Totals(10, 50, 1500.0, 150.0),
        causes=[("Wi-Fi", 7), ("TCP", 2)],
        repeat=[("ann@example.com", "Ann *Lee*", 3)],
    )
    card, markdown = trends_card(t)
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.3"
    assert "actions" not in card
    assert "- Poor: 5.0% of participant-minutes" in markdown
    assert "- vs previous 90 days: -5.0 points, better (was 10.0%)" in markdown
    assert "- Top causes: Wi-Fi (7), TCP (2)" in markdown
    assert "Ann \\*Lee\\* (ann@example.com): 3" in markdown  # names cannot format markdown
