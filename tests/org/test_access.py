"""§9 visibility as a pure rule (bot/access.py), the config checks, and who is served, with
Webex answered by `responses`."""

from __future__ import annotations

import pytest
import responses

from bot.access import REFUSAL, Refused, view_key_of, view_of, visible_items
from bot.config import Config
from bot.quality.analysis import analyze_meeting
from bot.quality.cards import quality_card
from tests.quality import factory

HOST = "ana.lima@example.com"


def items() -> list[dict]:
    ana = factory.item("Ana Lima", loss=9)
    bo = factory.item("Bo Chen", email="Bo.Chen@Example.com", loss=12)
    cy = factory.item("Cy Diaz", loss=15, network="cellular")
    cy["localIP"], cy["speakerName"] = "10.1.2.3", "Cy's headset"
    cy_again = factory.item("Cy Diaz", loss=15)  # a rejoin: same person, another session
    return [ana, bo, cy, cy_again]


def meeting() -> dict:
    return {**factory.meeting(title="Budget 2027"), "hostEmail": HOST.upper(),
            "hostDisplayName": "Ana Lima"}


def test_the_host_sees_everyone_named_whatever_the_case_of_the_email():
    seen = view_of(HOST, False, meeting(), items())
    assert seen.key == "all" and seen.items == items()


def test_a_quality_admin_sees_everyone_named():
    seen = view_of("someone.else@example.com", True, meeting(), items())
    assert seen.key == "all" and seen.items == items()


def test_a_participant_sees_themself_and_participant_n_for_the_others():
    seen = view_of("bo.chen@example.com", False, meeting(), items())
    assert seen.key.startswith("participant:") and "bo.chen" not in seen.key
    names = [i["webexUserName"] for i in seen.items]
    assert names == ["Participant 2", "Bo Chen", "Participant 3", "Participant 3"]
    others = [i for i in seen.items if i["webexUserName"] != "Bo Chen"]
    assert all(i["webexUserEmail"] == "" for i in others)
    assert all(i.get("localIP", "") == "" and i.get("speakerName", "") == "" for i in others)
    assert seen.meeting["hostDisplayName"] == "" and seen.meeting["hostEmail"] == ""
    assert seen.meeting["title"] == "Budget 2027"  # they were there: the title is theirs too
    assert "Participant 2 to Participant 3" in seen.note


@pytest.mark.parametrize(
    ("email", "admin"),
    [(HOST, False), ("someone.else@example.com", True), ("BO.CHEN@example.com", False)],
)
def test_the_view_key_is_known_before_the_items_are_read(email, admin):
    """A cached /quality finds the stored chart by this key without parsing the raw items."""
    assert view_key_of(email, admin, meeting()) == view_of(email, admin, meeting(), items()).key


def test_a_stranger_has_a_key_of_their_own_and_is_still_refused():
    key = view_key_of("eve@example.com", False, meeting())
    assert key not in {"all", view_of("bo.chen@example.com", False, meeting(), items()).key}
    assert isinstance(view_of("eve@example.com", False, meeting(), items()), Refused)


def test_the_anonymised_view_reaches_the_card_and_markdown():
    seen = view_of("bo.chen@example.com", False, meeting(), items())
    report = analyze_meeting(seen.items, seen.meeting)
    assert {p.name for p in report.participants} == {"Bo Chen", "Participant 2", "Participant 3"}
    card, markdown = quality_card(report, fetched_at=factory.T0, tz="UTC")
    for leak in ("Ana Lima", "Cy Diaz", "ana.lima", "cy.diaz", "10.1.2.3"):
        assert leak not in markdown and leak not in str(card)
    assert "Participant 3" in markdown


def test_anyone_else_is_refused_without_title_or_names():
    seen = view_of("eve@example.com", False, meeting(), items())
    assert isinstance(seen, Refused) and seen.message == REFUSAL
    for leak in ("Budget", "Ana", "Bo", "Cy"):
        assert leak not in seen.message


def test_visible_items_is_the_interface_for_other_features():
    assert visible_items(HOST, False, meeting(), items()) == items()
    assert isinstance(visible_items("eve@example.com", False, meeting(), items()), Refused)
    mine = visible_items("bo.chen@example.com", False, meeting(), items())
    assert [i["webexUserName"] for i in mine][1] == "Bo Chen"


def test_quality_admins_with_junk_are_refused_at_start_with_one_line():
    with pytest.raises(SystemExit) as stopped:
        Config.from_env({"QUALITY_ADMINS": "ana@example.com, not-an-email"})
    assert str(stopped.value).count("\n") == 0 and "not-an-email" in str(stopped.value)
    ok = Config.from_env({"QUALITY_ADMINS": " Ana@Example.com ,bo@example.com,"})
    assert ok.quality_admin_emails == ["ana@example.com", "bo@example.com"]


def test_the_service_app_secret_never_shows_in_the_config_repr():
    config = Config(webex_service_app_client_secret="sa-secret-value")
    assert "sa-secret-value" not in repr(config)


# Who is served (responses) --------------------------------------------------------------------
from tests.conftest import API  # noqa: E402

PERSON = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9wZXJzb24"
START = factory.T0
ORG_A, ORG_B = "org-a", "org-b"


def store_org(runtime, org_id: str, by: str = "admin@example.com") -> None:
    from datetime import timedelta

    from storage import org_connections

    now = runtime.now()
    org_connections.save_for(
        org_id, kind="oauth", connected_by="admin-id", connected_by_email=by,
        access_token=runtime.accounts.encrypt("org-access"),
        refresh_token=runtime.accounts.encrypt("org-refresh"),
        access_expires_at=now + timedelta(days=1), refresh_expires_at=None, scopes="x", now=now,
    )


def test_a_failed_org_lookup_gets_a_clear_answer_and_no_data(runtime, webex_api):
    from bot.access import OrgLookupFailed

    store_org(runtime, ORG_A)
    webex_api.get(f"{API}/people/{PERSON}", status=500, json={"message": "down"})
    with pytest.raises(OrgLookupFailed):
        runtime.access.viewer(PERSON, "p@example.com")
    assert not any("/meetings" in c.request.url for c in webex_api.calls)


def test_an_outsider_is_never_served_by_another_orgs_connection(runtime, webex_api):
    from bot.accounts import NotConnected

    store_org(runtime, ORG_A)
    webex_api.get(f"{API}/people/{PERSON}", json={"id": PERSON, "orgId": ORG_B,
                                                 "emails": ["o@partner.example.org"]})
    with pytest.raises(NotConnected):
        runtime.access.viewer(PERSON, "")
    assert not runtime.access.can_be_served(PERSON)


def test_a_member_is_served_by_the_org_and_the_lookup_is_cached(runtime, webex_api):
    store_org(runtime, ORG_A)
    webex_api.get(f"{API}/people/{PERSON}", json={"id": PERSON, "orgId": ORG_A,
                                                 "emails": ["M@example.com"],
                                                 "timezone": "Europe/Paris"})
    viewer = runtime.access.viewer(PERSON, "")
    again = runtime.access.viewer(PERSON, "")
    assert viewer.via_org and viewer.own is None and viewer.email == "m@example.com"
    assert again.timezone == "Europe/Paris" and not again.is_admin
    lookups = [c for c in webex_api.calls if c.request.url.endswith(f"/people/{PERSON}")]
    assert len(lookups) == 1
    assert runtime.access.is_quality_admin("ADMIN@example.com", ORG_A)
    assert not runtime.access.is_quality_admin("admin@example.com", ORG_B)


def test_without_any_org_connection_no_lookup_is_made(runtime, webex_api):
    from bot.accounts import NotConnected

    with pytest.raises(NotConnected):
        runtime.access.viewer(PERSON, "p@example.com")
    assert not any("/people/" + PERSON in c.request.url for c in webex_api.calls)


def test_rotate_key_reencrypts_org_connections_too(runtime):
    from dataclasses import replace

    from cryptography.fernet import Fernet

    from bot.accounts import Accounts
    from bot.crypto import rotate_key
    from storage import org_connections

    store_org(runtime, ORG_A)
    new = Fernet.generate_key().decode()
    line = rotate_key(replace(runtime.config, token_key=f"{new},{runtime.config.token_key}"))
    assert "1 org connection(s)" in line
    fresh = Accounts(replace(runtime.config, token_key=new), runtime.http)
    assert fresh.decrypt(org_connections.get(ORG_A).refresh_token) == "org-refresh"


def grant(scopes: str):
    from datetime import timedelta

    from bot.accounts import Grant

    return Grant("new-access", "new-refresh", START + timedelta(days=14), None, scopes)


def test_a_grant_webex_refuses_to_list_with_is_not_kept(runtime, webex_api):
    """A fake that grants the scopes but refuses the org listing: the one check catches it."""
    from bot.accounts import ConnectRefused
    from storage import org_connections

    webex_api.get(f"{API}/meetings", status=403, json={"message": "admin only"})
    me = {"id": PERSON, "emails": ["m@example.com"], "orgId": ORG_A}
    with pytest.raises(ConnectRefused) as refused:
        runtime.orgs.adopt(PERSON, "room", grant("analytics:read_all spark:people_read"), me)
    assert refused.value.reason == "not_admin" and org_connections.get(ORG_A) is None
    listing = [c.request.url for c in webex_api.calls if "/meetings" in c.request.url]
    assert listing and "max=1" in listing[0] and "state=ended" in listing[0]


def test_a_grant_without_the_analytics_scope_is_not_kept_and_not_even_tried(runtime, webex_api):
    from bot.accounts import ConnectRefused
    from storage import org_connections

    me = {"id": PERSON, "emails": ["m@example.com"], "orgId": ORG_A}
    with pytest.raises(ConnectRefused):
        runtime.orgs.adopt(PERSON, "room", grant("spark:people_read meeting:schedules_read"), me)
    assert org_connections.get(ORG_A) is None
    assert not any("/meetings" in c.request.url for c in webex_api.calls)


def test_an_admin_grant_becomes_the_org_connection_replacing_the_old_one(runtime, webex_api):
    from storage import org_connections

    store_org(runtime, ORG_A, by="old.admin@example.com")
    webex_api.get(f"{API}/meetings", json={"items": []})
    me = {"id": PERSON, "emails": ["New.Admin@example.com"], "orgId": ORG_A}
    done = runtime.orgs.adopt(PERSON, "room", grant("analytics:read_all"), me)
    row = org_connections.get(ORG_A)
    assert done.org_id == ORG_A and row.connected_by_email == "new.admin@example.com"
    assert runtime.accounts.decrypt(row.access_token) == "new-access"
    assert b"new-access" not in bytes(row.access_token)  # encrypted at rest
    assert not runtime.access.is_quality_admin("old.admin@example.com", ORG_A)


def test_connect_org_link_asks_for_the_org_scopes(runtime):
    from urllib.parse import parse_qs, urlsplit

    link = runtime.orgs.authorize_link(PERSON, "room")
    query = parse_qs(urlsplit(link).query)
    assert query["scope"] == [runtime.config.oauth_org_scopes]


def test_a_member_whose_email_is_unknown_never_lists_the_whole_org(runtime, webex_api):
    from bot.access import OrgLookupFailed

    store_org(runtime, ORG_A)
    webex_api.get(f"{API}/people/{PERSON}", json={"id": PERSON, "orgId": ORG_A, "emails": []})
    viewer = runtime.access.viewer(PERSON, "")
    with pytest.raises(OrgLookupFailed):
        viewer.lister.ended_meetings("2026-11-24T00:00:00Z", "2026-12-01T00:00:00Z")
    assert not any("/meetings" in c.request.url for c in webex_api.calls)


def test_org_tokens_never_reach_logs_reprs_or_errors(runtime, webex_api, caplog):
    """Adopt a grant, refresh it after a 401, then have the refresh refused: no token anywhere."""
    import logging
    from datetime import timedelta

    from bot.orgs import OrgNeedsReconnect, OrgTokens
    from tests.conftest import ANALYTICS

    caplog.set_level(logging.DEBUG)
    runtime.clock = lambda: START  # the grant below is fresh
    webex_api.get(f"{API}/meetings", json={"items": []})
    me = {"id": PERSON, "emails": ["a@example.com"], "orgId": ORG_A}
    runtime.orgs.adopt(PERSON, "room", grant("analytics:read_all"), me)
    webex_api.get(f"{ANALYTICS}/meeting/qualities", status=401, json={"message": "expired"})
    webex_api.post(f"{API}/access_token", json={"access_token": "second-access",
                                                "refresh_token": "second-refresh",
                                                "expires_in": 3600})
    client = runtime.orgs.client(ORG_A)
    with pytest.raises(OrgNeedsReconnect) as second_401:
        client.qualities("m1")  # 401, refresh, 401 again: re-authorise
    webex_api.replace(responses.POST, f"{API}/access_token", status=400,
                      json={"error": "invalid_grant"})
    runtime.clock = lambda: START + timedelta(days=30)  # past expiry: refresh before use
    with pytest.raises(OrgNeedsReconnect) as refused:
        OrgTokens(runtime.orgs, ORG_A).access_token()
    seen = caplog.text + repr(client.tokens) + str(second_401.value) + str(refused.value)
    seen += repr(runtime.orgs.info(ORG_A))
    for secret in ("new-access", "new-refresh", "second-access", "second-refresh"):
        assert secret not in seen
    assert runtime.orgs.info(ORG_A).broken
