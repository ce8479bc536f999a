"""The demo banner's "Try it" steps match what start-up set up."""

from __future__ import annotations

from bot.demo import _try_it

STATE = {
    "people": [
        {"displayName": "Viktor Rossi", "admin": True},
        {"displayName": "Maya Patel", "admin": False},
    ]
}


def test_org_connected_steps_start_with_a_non_admin_and_no_connect():
    text = _try_it(STATE, STATE["people"][0], True, "ALERTS")
    first = text.split("\n  2.")[0]
    assert "Maya Patel (not an admin)" in first and "/meetings" in first
    assert "no /connect needed" in first
    assert "  3. ALERTS" in text and "@Quality Bot" in text


def test_org_not_connected_steps_ask_the_admin_for_connect_org():
    text = _try_it(STATE, STATE["people"][0], False, "ALERTS")
    assert text.startswith("  1. As Viktor Rossi (an admin)") and "/connect org" in text
    assert "no /connect needed" not in text
