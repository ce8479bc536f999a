"""§9 end to end: the org connection's life (connect refused, Service App, status, disconnect,
expiry) and cached data that must never widen access. On the sandbox, SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import requests

from bot.access import ORG_BROKEN, REFUSAL
from bot.meetings import NO_ADMIN
from tests.e2e.harness import wait_for
from tests.org.test_org_e2e import group_id, quality_replies, texts

pytestmark = pytest.mark.e2e


def cli(h, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess:
    """`quality-bot ...` in its own process against the harness's database."""
    base = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": h.config.database_url,
        "TOKEN_KEY": h.config.token_key,
        "WEBEX_BOT_TOKEN": h.config.webex_bot_token,
        "WEBEX_API_URL": h.config.webex_api_url,
        "WEBEX_ANALYTICS_URL": h.config.webex_analytics_url,
        "QUEUE_URL": h.config.queue_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
        # The test's own directory (where the queue file lives): no stray .env is read.
        timeout=60, env={**base, **env}, cwd=os.path.dirname(h.config.queue_url[len("sqlite:///"):]),
    )


def test_cached_data_never_widens_access(bot_only):
    h, cast = bot_only()
    meeting = cast.meeting_id
    # Part I first: the admin's own token reads the qualities, which are now cached.
    assert h.connect(cast.admin).status_code == 200
    admin_room = h.room("direct", cast.admin)["id"]
    assert any(m.get("files") for m in quality_replies(h, cast.admin, admin_room, meeting))
    # The host connects their own account: Webex gives a non-admin no analytics scope, so the
    # cached answer is not theirs to see either.
    assert h.connect(cast.host).status_code == 200
    host_room = h.room("direct", cast.host)["id"]
    got = quality_replies(h, cast.host, host_room, meeting)
    assert NO_ADMIN in texts(got) and not any(m.get("files") for m in got)

    # Now the org is connected: the host sees all (full view rendered and cached) ...
    assert h.connect_org(cast.admin).status_code == 200
    got = quality_replies(h, cast.host, host_room, meeting)
    assert cast.participant.name in texts(got)
    # ... and the participant and the stranger asking right after get their own view.
    got = quality_replies(h, cast.participant, group_id(h), meeting)
    assert cast.host.name not in texts(got) and "Participant" in texts(got)
    got = quality_replies(h, cast.stranger, group_id(h), meeting)
    assert REFUSAL in texts(got) and not any(m.get("files") for m in got)


def test_a_non_admin_cannot_connect_the_org(bot_only):
    h, cast = bot_only()
    page = h.connect_org(cast.host)
    assert page.status_code == 403 and "nothing was kept" in page.text
    host_room = h.room("direct", cast.host)["id"]
    told = wait_for(lambda: [m for m in h.bot_messages(cast.host, host_room)
                             if "kept nothing" in (m.get("markdown") or "")],
                    what="the reason in Webex")
    assert "full admin" in told[-1]["markdown"]
    assert h.runtime.orgs.infos() == []
    [hint] = h.ask(cast.stranger, group_id(h), "/meetings")
    assert "/connect" in hint["markdown"]


def test_service_app_status_forget_and_refresh_with_its_own_client(bot_only):
    h, cast = bot_only()
    app = h.sandbox.state["serviceApp"]
    org_id = h.sandbox.state["org"]["id"]
    secrets_env = {"WEBEX_SERVICE_APP_CLIENT_ID": app["clientId"],
                   "WEBEX_SERVICE_APP_CLIENT_SECRET": app["clientSecret"]}
    pair = f"{app['accessToken']}\n{app['refreshToken']}\n"
    done = cli(h, "org", "service-app", stdin=pair, **secrets_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().count("\n") == 0 and org_id in done.stdout
    for secret in (app["accessToken"], app["refreshToken"], app["clientSecret"]):
        assert secret not in done.stdout + done.stderr
    status = cli(h, "org", "status")
    assert org_id in status.stdout and "service-app" in status.stdout

    # A member with no connection of their own is served by the Service App.
    host_room = h.room("direct", cast.host)["id"]
    got = quality_replies(h, cast.host, host_room, cast.meeting_id)
    assert any(m.get("files") for m in got)

    # Webex expires the access token early: the bot refreshes it with the Service App's client.
    world = h.sandbox.world
    with world.lock:
        world.tokens[app["accessToken"]].expires_at = world.now() - timedelta(seconds=1)
    [listing] = h.ask(cast.host, host_room, "/meetings 1")
    assert "Org Review" in listing["markdown"]
    with world.lock:
        assert world.refresh_tokens[app["refreshToken"]].used
        renewed = [t for t in world.tokens.values()
                   if t.client_id == app["clientId"] and t.value != app["accessToken"]]
    assert renewed

    forgot = cli(h, "org", "forget", org_id)
    assert forgot.returncode == 0 and org_id in forgot.stdout
    [hint] = h.ask(cast.host, host_room, "/meetings")
    assert "/connect" in hint["markdown"]


def test_service_app_with_a_bad_token_stores_nothing(bot_only):
    h, _ = bot_only()
    app = h.sandbox.state["serviceApp"]
    done = cli(h, "org", "service-app", stdin="not-a-token\nnor-this\n",
               WEBEX_SERVICE_APP_CLIENT_ID=app["clientId"],
               WEBEX_SERVICE_APP_CLIENT_SECRET=app["clientSecret"])
    assert done.returncode != 0 and "refused" in done.stderr
    assert "not-a-token" not in done.stderr + done.stdout
    assert h.runtime.orgs.infos() == []


def test_status_and_disconnect_org(bot_only):
    h, cast = bot_only()
    assert h.connect_org(cast.admin).status_code == 200
    admin_room = h.room("direct", cast.admin)["id"]
    [status] = h.ask(cast.admin, admin_room, "/status")
    assert "Organization: connected** by " + cast.admin.email in status["markdown"]
    assert "You **are** a quality admin" in status["markdown"]
    [status] = h.ask(cast.stranger, group_id(h), "/status")
    assert "Organization: connected" in status["markdown"]
    assert "You are **not** a quality admin" in status["markdown"]
    # A newcomer reads first whether /quality works for them, and is not sent to /connect.
    assert status["markdown"].startswith("**`/meetings` and `/quality` work for you** through")
    assert "need not be" in status["markdown"]
    # Typing /connect by habit: told it is not needed, not sent looking for an admin account.
    h.ask(cast.stranger, group_id(h), "/connect")
    room = h.direct_room_of(cast.stranger)
    [hint] = wait_for(lambda: h.bot_messages(cast.stranger, room), what="the /connect link")
    assert "You need not connect" in hint["markdown"] and "Pro Pack" not in hint["markdown"]

    [refused] = h.ask(cast.stranger, group_id(h), "/disconnect org")
    assert "Only the person who connected" in refused["markdown"] and h.runtime.orgs.infos()
    [done] = h.ask(cast.admin, admin_room, "/disconnect org")
    assert "Disconnected your organization" in done["markdown"]
    assert h.runtime.orgs.infos() == []


def test_a_revoked_org_connection_tells_admins_once_and_the_asker_plainly(bot_only):
    h, cast = bot_only()
    assert h.connect_org(cast.admin).status_code == 200
    world = h.sandbox.world
    with world.lock:  # Webex revokes the grant: the access token dies, the refresh token too
        for token in world.tokens.values():
            if token.client_id == world.client_id and token.person_id == cast.admin.id:
                token.expires_at = world.now() - timedelta(seconds=1)
        for refresh in world.refresh_tokens.values():
            if refresh.person_id == cast.admin.id:
                refresh.used = True
    host_room = h.room("direct", cast.host)["id"]
    [answer] = h.ask(cast.host, host_room, "/meetings")
    assert answer["markdown"] == ORG_BROKEN
    [again] = h.ask(cast.stranger, group_id(h), "/meetings")
    assert again["markdown"].endswith(ORG_BROKEN)  # after the mention of the asker

    admin_room = h.room("direct", cast.admin)["id"]

    def notices():
        return [m for m in h.bot_messages(cast.admin, admin_room)
                if "expired or was revoked" in (m.get("markdown") or "")]

    wait_for(notices, what="the quality admin's notice")
    [status] = h.ask(cast.admin, admin_room, "/status")
    assert "needs renewing" in status["markdown"]
    assert len(notices()) == 1


def test_a_participants_card_button_goes_through_the_same_rules(bot_only):
    """A button press carries no email: the bot's own lookup decides, with the same view."""
    h, cast = bot_only()
    assert h.connect_org(cast.admin).status_code == 200
    [listing] = h.ask(cast.participant, group_id(h), "/meetings 1")
    assert "Org Review" in listing["markdown"]
    cast.participant.press(listing, {"command": "quality", "meetingId": cast.meeting_id})

    def answered():
        got = h.bot_messages(cast.participant, group_id(h), after=listing["id"])
        return got if any(m.get("files") for m in got) and any(
            m.get("attachments") for m in got) else None

    got = wait_for(answered, timeout=60, what="the chart and card after the press")
    said = texts(got)
    assert cast.participant.name in said and "Participant" in said
    assert cast.host.name not in said and cast.host.email not in said


def test_another_orgs_admin_never_gets_cached_data_through_their_own_token(bot_only):
    """Part I keeps "Webex decides": an admin of the second org who attended cannot read the
    first org's qualities at Webex, so the cached copy is not theirs either."""
    from tests.org.conftest import add_meeting

    h, cast = bot_only()
    guest = cast.outsider_admin
    meeting = add_meeting(h.sandbox.world, cast.admin.email, [
        (cast.admin.name, cast.admin.email, "desktop"), (guest.name, guest.email, "wifi_bursts"),
    ], title="Vendor Sync")
    assert h.connect(cast.admin).status_code == 200
    admin_room = h.room("direct", cast.admin)["id"]
    assert any(m.get("files") for m in quality_replies(h, cast.admin, admin_room, meeting))
    assert h.connect(guest).status_code == 200
    got = quality_replies(h, guest, h.room("direct", guest)["id"], meeting)
    assert NO_ADMIN in texts(got) and not any(m.get("files") for m in got)


def test_a_failed_org_lookup_is_answered_clearly_without_anyones_data(bot_only):
    from bot.access import ORG_LOOKUP_FAILED

    h, cast = bot_only()
    assert h.connect_org(cast.admin).status_code == 200
    host_room = h.room("direct", cast.host)["id"]
    h.sandbox.world.failures.clear()
    requests.post(f"{h.sandbox.url}/_sandbox/fail", timeout=5, json={
        "path_prefix": f"/v1/people/{cast.host.id}", "status": 404, "count": 20, "method": "GET"})
    [answer] = h.ask(cast.host, host_room, "/meetings")
    assert answer["markdown"] == ORG_LOOKUP_FAILED
    [answer] = h.ask(cast.host, host_room, f"/quality {cast.meeting_id}")
    assert answer["markdown"] == ORG_LOOKUP_FAILED
