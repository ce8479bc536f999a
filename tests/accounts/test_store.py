"""Token encryption, key rotation, and OAuth states at the storage level."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet

from bot.accounts import Accounts, Grant, NotConnected
from bot.crypto import rotate_key, token_cipher
from storage import oauth_states, tokens
from tests.accounts.conftest import ALICE, BOB, START, connect_directly


def test_cipher_first_key_encrypts_all_keys_decrypt():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = token_cipher(old).encrypt(b"secret")
    both = token_cipher(f"{new}, {old}")
    assert both.decrypt(sealed) == b"secret"
    assert Fernet(new).decrypt(both.encrypt(b"x")) == b"x"


@pytest.mark.parametrize("key", ["", " , ", "not-a-key", "{good},short"])
def test_bad_token_key_is_a_clear_error_without_the_key(key):
    key = key.replace("{good}", Fernet.generate_key().decode())
    with pytest.raises(ValueError) as caught:
        token_cipher(key)
    message = str(caught.value)
    assert "TOKEN_KEY" in message and "Fernet.generate_key" in message
    for part in key.split(","):
        if part.strip():
            assert part.strip() not in message


def test_rotate_key_reencrypts_every_token_with_the_first_key(runtime, token_url, clock):
    alice = connect_directly(runtime, token_url, ALICE)
    bob = connect_directly(runtime, token_url, BOB)
    versions = {p: tokens.get(p).version for p in (ALICE, BOB)}
    old = runtime.config.token_key
    new = Fernet.generate_key().decode()
    line = rotate_key(replace(runtime.config, token_key=f"{new},{old}"))
    assert line.startswith("re-encrypted 2 connection(s)")
    # The old key can go now: the new one alone reads everything.
    accounts = Accounts(replace(runtime.config, token_key=new), runtime.http)
    for person, grant in ((ALICE, alice), (BOB, bob)):
        row = tokens.get(person)
        assert accounts.decrypt(row.access_token) == grant["access_token"]
        assert accounts.decrypt(row.refresh_token) == grant["refresh_token"]
        assert row.version == versions[person]  # a rotation is not a refresh


def test_rotate_key_reports_tokens_no_key_can_read(runtime, token_url, clock):
    connect_directly(runtime, token_url, ALICE)
    stranger = Fernet.generate_key().decode()
    line = rotate_key(replace(runtime.config, token_key=stranger))
    assert "re-encrypted 0" in line and "1 could not be decrypted" in line


def test_rotation_never_overwrites_a_concurrent_refresh(runtime, token_url, clock):
    connect_directly(runtime, token_url, ALICE)
    row = tokens.get(ALICE)
    assert tokens.compare_and_swap(ALICE, row.version, access_token=b"a", refresh_token=b"r",
                                   access_expires_at=START, refresh_expires_at=None, now=START)
    assert not tokens.reencrypt(ALICE, row.version, b"stale", b"stale")
    assert bytes(tokens.get(ALICE).access_token) == b"a"


def test_compare_and_swap_lets_one_of_two_writers_win(runtime, token_url, clock):
    connect_directly(runtime, token_url, ALICE)
    version = tokens.get(ALICE).version
    common = dict(access_expires_at=START, refresh_expires_at=None, now=START)
    assert tokens.compare_and_swap(ALICE, version, access_token=b"1", refresh_token=b"1", **common)
    assert not tokens.compare_and_swap(ALICE, version, access_token=b"2", refresh_token=b"2",
                                       **common)
    assert bytes(tokens.get(ALICE).refresh_token) == b"1"


def test_refresh_lease_is_exclusive_until_it_runs_out(runtime, token_url, clock):
    connect_directly(runtime, token_url, ALICE)
    version = tokens.get(ALICE).version
    until = START + timedelta(minutes=2)
    assert tokens.claim_refresh(ALICE, version, until, START)
    assert not tokens.claim_refresh(ALICE, version, until, START + timedelta(minutes=1))
    assert tokens.claim_refresh(ALICE, version, until, START + timedelta(minutes=3))


def test_state_is_single_use_unexpired_and_stored_hashed(runtime):
    state = oauth_states.issue(ALICE, "room-1", timedelta(minutes=10), START)
    assert oauth_states.why_refused("made-up", START) == "unknown"
    later = START + timedelta(minutes=10)
    assert oauth_states.consume(state, later) is None
    assert oauth_states.why_refused(state, later) == "expired"
    row = oauth_states.consume(state, START + timedelta(minutes=9))
    assert row.person_id == ALICE and row.room_id == "room-1"
    assert oauth_states.consume(state, START) is None
    assert oauth_states.why_refused(state, START) == "used"
    assert oauth_states.delete_for(ALICE) == 1


def test_grant_repr_hides_tokens():
    grant = Grant.from_answer(
        {"access_token": "AAA-secret", "refresh_token": "RRR-secret", "expires_in": 60},
        START, "scope",
    )
    assert "secret" not in repr(grant) and grant.refresh_expires_at is None
    kept = Grant.from_answer({"access_token": "A2", "expires_in": 60}, START, "s", "R-old")
    assert kept.refresh_token == "R-old"  # no rotation in the answer: the old one still works


def test_rotate_key_with_a_bad_key_stops_with_one_line(runtime):
    with pytest.raises(SystemExit) as stopped:
        rotate_key(replace(runtime.config, token_key="not-a-key"))
    assert "TOKEN_KEY key #1" in str(stopped.value.code)


def test_connection_found_by_email_case_blind(runtime, webex, token_url, clock):
    connect_directly(runtime, token_url, ALICE)
    assert runtime.accounts.client_for_email(" Alice@Example.com").me()["id"] == ALICE
    with pytest.raises(NotConnected):
        runtime.accounts.client_for_email("nobody@example.com")
