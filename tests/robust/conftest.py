"""Fixtures shared by the robustness tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.webex import TokenSource, UserClient
from tests.conftest import ANALYTICS, API


class FixedToken(TokenSource):
    def access_token(self) -> str:
        return "user-token"

    def refresh(self, rejected: str) -> str:
        return "user-token-2"


@pytest.fixture
def connected(runtime, webex_api, monkeypatch):
    """Alice (person-1) has her own connection with analytics; replies are accepted."""
    webex_api.post(f"{API}/messages", json={"id": "reply-1"})
    webex_api.get(f"{API}/people/person-1", json={"id": "person-1", "type": "person"})
    user = UserClient(FixedToken(), API, ANALYTICS, runtime.http)
    monkeypatch.setattr(runtime.accounts, "is_connected", lambda person_id: True)
    monkeypatch.setattr(runtime.accounts, "client_for", lambda person_id: user)
    connected_info = SimpleNamespace(broken=False, has_analytics=True, display_name="Alice")
    monkeypatch.setattr(runtime.accounts, "info", lambda person_id: connected_info)
    return webex_api
