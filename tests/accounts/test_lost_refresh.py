"""Issue 10 item 4: a refresh whose answer is lost (the token endpoint acted, the answer timed
out) is recoverable without the person, whether Webex rotates refresh tokens or not."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from bot.accounts import TOKEN_TIMEOUT, NeedsReconnect
from bot.webex import Unavailable
from storage import tokens
from tests.accounts.conftest import ALICE, TokenURL, connect_directly


class LossyTokenURL(TokenURL):
    """The token endpoint: `rotate=False` keeps a refresh token valid after use (Webex's
    usual behaviour); `lose` answers of the next refreshes are lost after the work is done."""

    def __init__(self, people_tokens, rotate: bool = True) -> None:
        super().__init__(people_tokens)
        self.rotate = rotate
        self.lose = 0

    def __call__(self, request):
        from urllib.parse import parse_qsl

        form = dict(parse_qsl(request.body))
        kept = self.refresh_tokens.get(form.get("refresh_token", ""))
        status, headers, body = super().__call__(request)
        if not self.rotate and kept is not None and status == 200:
            self.refresh_tokens[form["refresh_token"]] = kept  # still valid after use
        if self.lose and form.get("grant_type") == "refresh_token":
            self.lose -= 1
            raise requests.ReadTimeout("the answer was lost")
        return status, headers, body


@pytest.fixture
def token_url(people_tokens) -> LossyTokenURL:
    return LossyTokenURL(people_tokens)


def test_the_token_endpoint_is_waited_for_longer_than_other_calls():
    assert TOKEN_TIMEOUT[1] >= 60  # an answer held 25 s is received, not given up on


def test_without_rotation_the_same_refresh_token_is_simply_retried(
    runtime, webex, token_url, clock
):
    token_url.rotate = False
    grant = connect_directly(runtime, token_url, expires_in=timedelta(minutes=1))
    token_url.lose = 1
    with pytest.raises(Unavailable):
        runtime.accounts.tokens_for(ALICE).access_token()
    row = tokens.get(ALICE)
    assert row.refresh_in_doubt_at is not None and not row.broken
    fresh = runtime.accounts.tokens_for(ALICE).access_token()  # the event's retry
    assert fresh != grant["access_token"]
    assert [r["refresh_token"] for r in token_url.refreshes] == [grant["refresh_token"]] * 2
    row = tokens.get(ALICE)
    assert row.refresh_in_doubt_at is None and not row.broken


def test_with_rotation_the_held_token_serves_until_it_expires(runtime, webex, token_url, clock):
    grant = connect_directly(runtime, token_url, expires_in=timedelta(minutes=4))
    token_url.lose = 1
    with pytest.raises(Unavailable):
        runtime.accounts.tokens_for(ALICE).access_token()
    # The retry spends the already-rotated refresh token and is refused; the person is not
    # asked to /connect while the access token still works.
    assert runtime.accounts.tokens_for(ALICE).access_token() == grant["access_token"]
    assert runtime.accounts.client_for(ALICE).me()["id"] == ALICE
    assert not tokens.get(ALICE).broken
    clock.now += timedelta(minutes=5)  # now it has expired: only the person can help
    with pytest.raises(NeedsReconnect):
        runtime.accounts.tokens_for(ALICE).access_token()
    assert tokens.get(ALICE).broken


def test_a_refusal_without_a_lost_answer_still_asks_to_reconnect(runtime, webex, token_url, clock):
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=4))
    token_url.refresh_tokens.clear()  # revoked at Webex: nothing was in doubt
    with pytest.raises(NeedsReconnect):
        runtime.accounts.tokens_for(ALICE).access_token()


def test_a_reconnect_leaves_no_refresh_in_doubt(runtime, webex, token_url, clock):
    """The doubt was about the old grant: a refusal of the new one is a plain refusal."""
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=4))
    token_url.lose = 1
    with pytest.raises(Unavailable):
        runtime.accounts.tokens_for(ALICE).access_token()
    connect_directly(runtime, token_url, expires_in=timedelta(minutes=4))
    assert tokens.get(ALICE).refresh_in_doubt_at is None
    token_url.refresh_tokens.clear()
    with pytest.raises(NeedsReconnect):
        runtime.accounts.tokens_for(ALICE).access_token()
