"""webexpythonsdk (the real client, from PyPI) across every endpoint the sandbox serves.

Each test is a small story a bot or its test suite would run against Webex: create a space,
manage its people, talk, edit, read 1:1 history, schedule a meeting, sign in with OAuth.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from webexpythonsdk import WebexAPI
from webexpythonsdk.exceptions import ApiError

from tests.sandbox.test_oauth import REDIRECT, authorize
from tests.sandbox.test_sdk import CARD, png_file


def api(sandbox, token: str) -> WebexAPI:
    return WebexAPI(access_token=token, base_url=sandbox.api_url + "/", wait_on_rate_limit=False)


def status_of(call) -> int:
    with pytest.raises(ApiError) as err:
        call()
    return err.value.status_code


def others(sandbox, n: int) -> list[dict]:
    return [p for p in sandbox.state["people"] if not p["admin"]][:n]


def test_rooms_lifecycle(sandbox):
    me = api(sandbox, sandbox.user["token"])
    room = me.rooms.create("Launch plan", description="Ship it")
    assert room.type == "group" and room.creatorId == sandbox.user["id"] and not room.isLocked
    assert me.rooms.get(room.id).title == "Launch plan"
    assert room.id in [r.id for r in me.rooms.list(type="group", sortBy="created")]
    assert [m.personId for m in me.memberships.list(roomId=room.id)] == [sandbox.user["id"]]
    info = me.rooms.get_meeting_info(room.id)
    assert info.roomId == room.id and info.meetingNumber and info.sipAddress
    renamed = me.rooms.update(room.id, title="Launch plan v2")
    assert renamed.title == "Launch plan v2" and me.rooms.get(room.id).title == "Launch plan v2"
    outsider = api(sandbox, sandbox.admin_person["token"])
    assert status_of(lambda: outsider.rooms.get(room.id)) == 404
    assert status_of(lambda: me.rooms.create("")) == 400
    me.rooms.delete(room.id)
    assert status_of(lambda: me.rooms.get(room.id)) == 404
    direct = sandbox.direct_room(sandbox.user["email"])["id"]
    assert status_of(lambda: me.rooms.update(direct, title="renamed")) == 400
    assert status_of(lambda: me.rooms.delete(direct)) == 403


def test_memberships_lifecycle(sandbox):
    owner = api(sandbox, sandbox.user["token"])
    guest, third = others(sandbox, 3)[1:]
    room = owner.rooms.create("Moderated")
    added = owner.memberships.create(room.id, personEmail=guest["email"])
    assert added.personId == guest["id"] and added.roomId == room.id and not added.isModerator
    assert owner.memberships.get(added.id).personEmail == guest["email"]
    by_email = list(owner.memberships.list(roomId=room.id, personEmail=guest["email"]))
    assert [m.id for m in by_email] == [added.id]
    assert status_of(lambda: owner.memberships.create(room.id, personId=guest["id"])) == 409

    mine = next(m for m in owner.memberships.list(roomId=room.id)
                if m.personId == sandbox.user["id"])
    assert owner.memberships.update(mine.id, isModerator=True).isModerator
    assert owner.rooms.get(room.id).isLocked  # a moderator makes the space moderated
    visitor = api(sandbox, guest["token"])
    # In a moderated space only moderators manage others; anyone may leave.
    assert status_of(lambda: visitor.memberships.create(room.id, personId=third["id"])) == 403
    assert status_of(lambda: visitor.memberships.delete(mine.id)) == 403
    visitor.memberships.delete(added.id)
    assert status_of(lambda: owner.memberships.get(added.id)) == 404
    assert status_of(lambda: visitor.rooms.get(room.id)) == 404
    bot_in = owner.memberships.create(room.id, personId=sandbox.bot["id"])
    owner.memberships.delete(bot_in.id)
    assert sandbox.bot["id"] not in [m.personId for m in owner.memberships.list(roomId=room.id)]


def test_message_edit_and_direct_listing(sandbox):
    person = api(sandbox, sandbox.admin_person["token"])
    bot = api(sandbox, sandbox.bot["token"])
    first = person.messages.create(toPersonEmail=sandbox.bot["email"], text="frist")
    edited = person.messages.update(first.id, roomId=first.roomId, text="first")
    assert edited.text == "first" and edited.id == first.id and edited.updated
    assert bot.messages.get(first.id).text == "first"
    with_markdown = person.messages.update(first.id, roomId=first.roomId, markdown="**first**")
    assert with_markdown.html == "<p><strong>first</strong></p>" and with_markdown.text == "first"
    assert status_of(lambda: bot.messages.update(first.id, roomId=first.roomId, text="x")) == 403
    assert status_of(lambda: person.messages.update(first.id, roomId="nope", text="x")) == 400

    reply = bot.messages.create(toPersonId=sandbox.admin_person["id"], text="hello",
                                parentId=first.id)
    mine = list(bot.messages.list_direct(personEmail=sandbox.admin_person["email"]))
    assert [m.id for m in mine[:2]] == [reply.id, first.id]  # newest first
    theirs = list(person.messages.list_direct(personId=sandbox.bot["id"]))
    assert [m.id for m in theirs] == [m.id for m in mine]
    thread = list(bot.messages.list_direct(personId=sandbox.admin_person["id"],
                                           parentId=first.id))
    assert [m.id for m in thread] == [reply.id]
    nobody = others(sandbox, 4)[3]
    assert list(bot.messages.list_direct(personEmail=nobody["email"])) == []


def test_files_local_and_by_url(sandbox, tmp_path):
    person = api(sandbox, sandbox.admin_person["token"])
    room = sandbox.direct_room(sandbox.admin_person["email"])["id"]
    local = str(png_file(tmp_path / "red.png"))
    uploaded = person.messages.create(roomId=room, text="local", files=[local])
    content_id = uploaded.files[0].rsplit("/", 1)[-1]
    public = f"{sandbox.url}/_sandbox/contents/{content_id}"
    linked = person.messages.create(roomId=room, text="by url", files=[public])
    assert len(linked.files) == 1 and linked.files[0] != uploaded.files[0]
    headers = {"Authorization": f"Bearer {sandbox.bot['token']}"}
    original = requests.get(uploaded.files[0], headers=headers, timeout=5)
    copy = requests.get(linked.files[0], headers=headers, timeout=5)
    assert copy.content == original.content and copy.content.startswith(b"\x89PNG")
    assert copy.headers["Content-Type"] == "image/png"
    assert 'filename="red.png"' in copy.headers["Content-Disposition"]
    dead = f"{sandbox.url}/_sandbox/contents/nothing-here"
    assert status_of(lambda: person.messages.create(roomId=room, files=[dead])) == 400


def test_people_admin_lifecycle(sandbox):
    admin = api(sandbox, sandbox.admin_person["token"])
    created = admin.people.create(["New.Hire@sandbox.example.com"], firstName="New",
                                  lastName="Hire")
    assert created.emails == ["new.hire@sandbox.example.com"] and created.displayName == "New Hire"
    assert [p.id for p in admin.people.list(email="new.hire@sandbox.example.com")] == [created.id]
    token = next(p["token"] for p in sandbox.admin("GET", "state")["people"]
                 if p["id"] == created.id)
    assert api(sandbox, token).people.me().id == created.id  # the new person can act
    updated = admin.people.update(created.id, displayName="Newly Hired", firstName="Newly",
                                  lastName="Hired")
    assert admin.people.get(created.id).displayName == updated.displayName == "Newly Hired"
    assert [p.id for p in admin.people.list(displayName="Newly")] == [created.id]
    user = api(sandbox, sandbox.user["token"])
    assert status_of(lambda: user.people.create(["x@sandbox.example.com"])) == 403
    assert status_of(lambda: admin.people.create(["new.hire@sandbox.example.com"])) == 409
    admin.people.delete(created.id)
    assert status_of(lambda: admin.people.get(created.id)) == 404
    assert status_of(lambda: api(sandbox, token).people.me()) == 401


def test_cards_through_the_sdk(sandbox):
    bot = api(sandbox, sandbox.bot["token"])
    person = api(sandbox, sandbox.admin_person["token"])
    room = sandbox.direct_room(sandbox.admin_person["email"])["id"]
    card = bot.messages.create(roomId=room, text="fallback", attachments=[CARD])
    action = person.attachment_actions.create("submit", card.id, {"note": "yes"})
    assert bot.attachment_actions.get(action.id).inputs == {"note": "yes"}


def test_meetings_schedule_list_get_delete(sandbox):
    host = api(sandbox, sandbox.user["token"])
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    scheduled = host.meetings.create("Planning poker", start.isoformat(),
                                     (start + timedelta(minutes=30)).isoformat())
    assert scheduled.meetingType == "meetingSeries" and scheduled.meetingNumber
    assert scheduled.hostEmail == sandbox.user["email"]
    window = {"from_": (start - timedelta(hours=1)).isoformat(),
              "to": (start + timedelta(hours=1)).isoformat()}
    assert [m.id for m in host.meetings.list(**window)] == [scheduled.id]
    assert host.meetings.get(scheduled.id).title == "Planning poker"
    ended = list(host.meetings.list(meetingType="meeting", state="ended"))
    for m in ended:
        assert host.meetings.get(m.id).state == "ended"
    host.meetings.delete(scheduled.id)
    assert status_of(lambda: host.meetings.get(scheduled.id)) == 404


def test_oauth_tokens_through_the_sdk(sandbox):
    integration = sandbox.state["integration"]
    code = authorize(sandbox, sandbox.user)["code"]
    sdk = WebexAPI(access_token="unused", base_url=sandbox.api_url + "/")
    granted = sdk.access_tokens.get(integration["client_id"], integration["client_secret"],
                                    code, REDIRECT)
    assert api(sandbox, granted.access_token).people.me().id == sandbox.user["id"]
    renewed = sdk.access_tokens.refresh(integration["client_id"],
                                        integration["client_secret"], granted.refresh_token)
    assert renewed.access_token != granted.access_token
    assert api(sandbox, renewed.access_token).people.me().id == sandbox.user["id"]


def test_teams_and_team_memberships(sandbox):
    lead = api(sandbox, sandbox.user["token"])
    mate = others(sandbox, 2)[1]
    team = lead.teams.create("Quality guild", description="Calls that work")
    assert team.creatorId == sandbox.user["id"]
    assert [t.id for t in lead.teams.list()] == [team.id]
    general = list(lead.rooms.list(teamId=team.id))
    assert [r.title for r in general] == ["Quality guild"] and general[0].teamId == team.id
    joined = lead.team_memberships.create(team.id, personEmail=mate["email"])
    assert joined.personId == mate["id"] and not joined.isModerator
    assert {m.personId for m in lead.team_memberships.list(team.id)} == {
        sandbox.user["id"], mate["id"]}
    member = api(sandbox, mate["token"])
    assert member.teams.get(team.id).name == "Quality guild"
    assert general[0].id in [r.id for r in member.rooms.list(teamId=team.id)]
    side = lead.rooms.create("Guild backlog", teamId=team.id)
    assert side.teamId == team.id
    assert status_of(lambda: member.teams.update(team.id, name="Mine now")) == 403
    assert lead.team_memberships.update(joined.id, isModerator=True).isModerator
    assert member.teams.update(team.id, name="Quality guild 2").name == "Quality guild 2"
    assert lead.rooms.get(general[0].id).title == "Quality guild 2"
    member.team_memberships.delete(joined.id)
    assert status_of(lambda: member.teams.get(team.id)) == 404
    assert status_of(lambda: member.rooms.get(general[0].id)) == 404
    lead.teams.delete(team.id)
    assert list(lead.teams.list()) == []
    assert status_of(lambda: lead.rooms.get(side.id)) == 404


def test_a_deleted_person_leaves_their_teams(sandbox):
    admin = api(sandbox, sandbox.admin_person["token"])
    team = admin.teams.create("Short stay")
    hire = admin.people.create(["short.stay@sandbox.example.com"])
    admin.team_memberships.create(team.id, personId=hire.id)
    admin.people.delete(hire.id)
    assert [m.personId for m in admin.team_memberships.list(team.id)] == [
        sandbox.admin_person["id"]]


def test_org_directory(sandbox):
    admin = api(sandbox, sandbox.admin_person["token"])
    me = admin.people.me()
    orgs = list(admin.organizations.list())
    assert [o.id for o in orgs] == [me.orgId] and admin.organizations.get(me.orgId).displayName
    licenses = list(admin.licenses.list(orgId=me.orgId, max=1))
    assert len(licenses) == 3 and set(me.licenses) < {lic.id for lic in licenses}
    by_name = {lic.name: lic for lic in licenses}
    assert admin.licenses.get(by_name["Advanced Messaging"].id).totalUnits == 100
    roles = {r.id: r.name for r in admin.roles.list()}
    assert roles[me.roles[0]] == "Full Administrator"
    assert admin.roles.get(me.roles[0]).name == "Full Administrator"
    assert status_of(lambda: admin.roles.get("nope")) == 404


def test_events_log_the_org_activity(sandbox):
    person = api(sandbox, sandbox.user["token"])
    admin = api(sandbox, sandbox.admin_person["token"])
    before = datetime.now(UTC) - timedelta(seconds=1)
    sent = person.messages.create(toPersonEmail=sandbox.bot["email"], text="audit me")
    person.messages.delete(sent.id)
    room = person.rooms.create("Audited")
    newest = list(admin.events.list(max=2))
    assert [(e.resource, e.type) for e in newest[:1]] == [("memberships", "created")]
    messages = list(admin.events.list(resource="messages", actorId=sandbox.user["id"]))
    assert [(e.type, e.data.id) for e in messages] == [("deleted", sent.id), ("created", sent.id)]
    assert all(e.actorId == sandbox.user["id"] and e.orgId for e in messages)
    created = list(admin.events.list(type="created", _from=before.isoformat()))
    assert {e.resource for e in created} == {"messages", "rooms", "memberships"}
    assert admin.events.get(messages[0].id).data.id == sent.id
    assert room.id in {getattr(e.data, "roomId", None) or e.data.id for e in created}
    assert status_of(lambda: list(person.events.list())) == 403
