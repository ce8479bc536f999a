"""`/v1/teams` and `/v1/team/memberships`: teams group spaces, as on Webex.

A new team gets a general space of the same title; its creator moderates the team. Team
members are members of that general space (added and removed with the team membership); other
team spaces (`POST /rooms` with `teamId`, by a team member) keep their own memberships.
Only team moderators rename or delete a team or change others' team memberships; deleting a
team deletes its spaces. Team events are not delivered by webhooks (Webex has none either).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox import objects
from sandbox.http import ApiFault, caller, json_body, paged, world
from sandbox.messaging import add_member
from sandbox.world import Person, Room, Team, TeamMembership, World, webex_id

bp = Blueprint("teams", __name__)
NOT_FOUND = "Could not find a team with provided ID."


def team_json(t: Team) -> dict[str, Any]:
    return {"id": t.id, "name": t.name, "creatorId": t.creator_id,
            "created": objects.iso(t.created),
            **({"description": t.description} if t.description else {})}


def membership_json(w: World, m: TeamMembership) -> dict[str, Any]:
    p = w.people[m.person_id]
    return {"id": m.id, "teamId": m.team_id, "personId": p.id, "personEmail": p.email,
            "personDisplayName": p.display_name, "personOrgId": w.org_of(p),
            "isModerator": m.is_moderator, "created": objects.iso(m.created)}


def team_membership(w: World, team_id: str, person_id: str) -> TeamMembership | None:
    return next((m for m in w.team_memberships.values()
                 if m.team_id == team_id and m.person_id == person_id), None)


def visible_team(w: World, team_id: str, person: Person) -> Team:
    team = w.teams.get(team_id)
    if team is None or team_membership(w, team_id, person.id) is None:
        raise ApiFault(404, NOT_FOUND)
    return team


def _moderator(w: World, team: Team, person: Person) -> None:
    m = team_membership(w, team.id, person.id)
    if not (m and m.is_moderator):
        raise ApiFault(403, "Only team moderators can do this.")


def _general(w: World, team: Team) -> Room | None:
    return next((r for r in w.rooms.values() if r.team_id == team.id and r.title == team.name
                 and r.creator_id == team.creator_id), None)


def _name(body: dict[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiFault(400, "name is required: a non-empty string.")
    return name.strip()


@bp.post("/teams")
def teams_create():
    w, me = world(), caller()
    body = json_body()
    name = _name(body)
    with w.lock:
        now = w.now()
        team = Team(webex_id("TEAM"), name, me.id, now, str(body.get("description") or ""))
        w.teams[team.id] = team
        m = TeamMembership(webex_id("TEAM_MEMBERSHIP"), team.id, me.id, now, True)
        w.team_memberships[m.id] = m
        general = Room(webex_id("ROOM"), name, "group", me.id, now, now, team_id=team.id)
        w.rooms[general.id] = general
        w.add_membership(general.id, me.id)
        return jsonify(team_json(team))


@bp.get("/teams")
def teams_list():
    w, me = world(), caller()
    with w.lock:
        mine = [w.teams[m.team_id] for m in w.team_memberships.values() if m.person_id == me.id]
        return paged([team_json(t) for t in sorted(mine, key=lambda t: t.created)])


@bp.get("/teams/<team_id>")
def teams_get(team_id: str):
    w, me = world(), caller()
    with w.lock:
        return jsonify(team_json(visible_team(w, team_id, me)))


@bp.put("/teams/<team_id>")
def teams_update(team_id: str):
    w, me = world(), caller()
    body = json_body()
    name = _name(body)
    with w.lock:
        team = visible_team(w, team_id, me)
        _moderator(w, team, me)
        general = _general(w, team)
        team.name = name
        if general is not None:
            general.title = name
        if "description" in body:
            team.description = str(body.get("description") or "")
        return jsonify(team_json(team))


@bp.delete("/teams/<team_id>")
def teams_delete(team_id: str):
    w, me = world(), caller()
    with w.lock:
        team = visible_team(w, team_id, me)
        _moderator(w, team, me)
        w.delete_rooms({r.id for r in w.rooms.values() if r.team_id == team.id})
        for key in [k for k, m in w.team_memberships.items() if m.team_id == team.id]:
            del w.team_memberships[key]
        del w.teams[team.id]
    return Response(status=204)


@bp.get("/team/memberships")
def team_memberships_list():
    w, me = world(), caller()
    team_id = request.args.get("teamId")
    if not team_id:
        raise ApiFault(400, "teamId is required.")
    with w.lock:
        team = visible_team(w, team_id, me)
        found = [m for m in w.team_memberships.values() if m.team_id == team.id]
        return paged([membership_json(w, m) for m in found])


@bp.post("/team/memberships")
def team_memberships_create():
    w, me = world(), caller()
    body = json_body()
    moderator = body.get("isModerator", False)
    if not isinstance(moderator, bool):
        raise ApiFault(400, "isModerator must be true or false.")
    with w.lock:
        team = visible_team(w, str(body.get("teamId")), me)
        _moderator(w, team, me)
        p = w.people.get(body.get("personId", "")) or w.person_by_email(body.get("personEmail", ""))
        if p is None:
            raise ApiFault(404, "Could not find the person to add.")
        if team_membership(w, team.id, p.id):
            raise ApiFault(409, "Person is already in the team.")
        m = TeamMembership(webex_id("TEAM_MEMBERSHIP"), team.id, p.id, w.now(), moderator)
        w.team_memberships[m.id] = m
        general = _general(w, team)
        if general is not None and not w.is_member(general.id, p.id):
            add_member(w, general, p, actor=me)
        return jsonify(membership_json(w, m))


def _own(w: World, membership_id: str, me: Person) -> tuple[TeamMembership, Team]:
    m = w.team_memberships.get(membership_id)
    if m is None or team_membership(w, m.team_id, me.id) is None:
        raise ApiFault(404, "Could not find a team membership with provided ID.")
    return m, w.teams[m.team_id]


@bp.get("/team/memberships/<membership_id>")
def team_memberships_get(membership_id: str):
    w, me = world(), caller()
    with w.lock:
        return jsonify(membership_json(w, _own(w, membership_id, me)[0]))


@bp.put("/team/memberships/<membership_id>")
def team_memberships_update(membership_id: str):
    w, me = world(), caller()
    body = json_body()
    moderator = body.get("isModerator")
    if not isinstance(moderator, bool):
        raise ApiFault(400, "isModerator is required: true or false.")
    with w.lock:
        m, team = _own(w, membership_id, me)
        _moderator(w, team, me)
        m.is_moderator = moderator
        return jsonify(membership_json(w, m))


@bp.delete("/team/memberships/<membership_id>")
def team_memberships_delete(membership_id: str):
    w, me = world(), caller()
    with w.lock:
        m, team = _own(w, membership_id, me)
        if m.person_id != me.id:
            _moderator(w, team, me)
        general = _general(w, team)
        if general is not None:
            gm = w.membership(general.id, m.person_id)
            if gm is not None:
                del w.memberships[gm.id]
        del w.team_memberships[m.id]
    return Response(status=204)
