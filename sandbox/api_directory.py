"""`/v1` organizations, licenses and roles: the read-only org directory SDK suites look up
(e.g. a license id to create a person with). One org, three licenses, two roles."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from sandbox import objects
from sandbox.http import ApiFault, caller, paged, world
from sandbox.world import World, webex_id

bp = Blueprint("directory", __name__)

LICENSES = [  # (id, name); people hold the first two, as objects.person says
    (webex_id("LICENSE", "MS_sandbox"), "Messaging"),
    (webex_id("LICENSE", "MC_sandbox"), "Meeting - Webex Meetings Suite"),
    (webex_id("LICENSE", "AM_sandbox"), "Advanced Messaging"),
]
ROLES = [
    (objects.ADMIN_ROLE, "Full Administrator"),
    (webex_id("ROLE", "id_readonly_admin"), "Read-only Administrator"),
]


def _organization(w: World) -> dict[str, Any]:
    return {"id": w.org_id, "displayName": "Sandbox Org",
            "created": objects.iso(min(p.created for p in w.people.values()))}


def _license(w: World, license_id: str, name: str) -> dict[str, Any]:
    holders = 0 if license_id == LICENSES[2][0] else sum(
        not p.is_bot for p in w.people.values())
    return {"id": license_id, "name": name, "totalUnits": 100, "consumedUnits": holders,
            "consumedByUsers": holders, "consumedByWorkspaces": 0,
            "subscriptionId": "Sub-sandbox", "siteUrl": objects.SITE,
            "siteType": "Control Hub managed site"}


def _org_arg(w: World) -> None:
    org = request.args.get("orgId")
    if org and org != w.org_id:
        raise ApiFault(403, "You can only see your own organization.")


@bp.get("/organizations")
def organizations_list():
    w = world()
    caller()
    with w.lock:
        return paged([_organization(w)])


@bp.get("/organizations/<org_id>")
def organizations_get(org_id: str):
    w = world()
    caller()
    with w.lock:
        if org_id != w.org_id:
            raise ApiFault(404, "Could not find an organization with provided ID.")
        return jsonify(_organization(w))


@bp.get("/licenses")
def licenses_list():
    w = world()
    caller()
    _org_arg(w)
    with w.lock:
        return paged([_license(w, i, name) for i, name in LICENSES])


@bp.get("/licenses/<license_id>")
def licenses_get(license_id: str):
    w = world()
    caller()
    with w.lock:
        for i, name in LICENSES:
            if i == license_id:
                return jsonify(_license(w, i, name))
    raise ApiFault(404, "Could not find a license with provided ID.")


@bp.get("/roles")
def roles_list():
    caller()
    return paged([{"id": i, "name": name} for i, name in ROLES])


@bp.get("/roles/<role_id>")
def roles_get(role_id: str):
    caller()
    for i, name in ROLES:
        if i == role_id:
            return jsonify({"id": i, "name": name})
    raise ApiFault(404, "Could not find a role with provided ID.")
